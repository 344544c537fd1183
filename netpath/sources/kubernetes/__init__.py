"""Kubernetes manifests to the clusters of a `Model`: reading them (inline, files, globs),
parsing each kind, placing pods and handing out addresses, and their semantic checks.
`lb_controller/` makes the AWS load balancers the AWS Load Balancer Controller would."""
