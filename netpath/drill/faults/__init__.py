"""Find-the-fault: what a fault is (`record`), the VPC and Kubernetes faults and how they are
injected (`inject`, `kubernetes`), and what a question shows of the broken trace (`symptoms`)."""
