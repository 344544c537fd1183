"""The AWS Load Balancer Controller (and Kubernetes' in-tree AWS provider), emulated: the ALBs,
NLBs and Classic Load Balancers that Ingresses and LoadBalancer Services make, with their parts."""
