"""Sources: one package per input format, each turning it into the same immutable `Model`.

A source reads its files through `netpath.load` and reports its errors as spec paths, which the
one source map turns into file:line:column. `building` is what every source's builder shares
(the name registry, the model under construction, value parsers); `loader` picks the source for
what `--spec` names and runs it end to end.

- `netpath_spec/`: the netpath spec (YAML, `netpath: 1`): the AWS part, and the clusters;
- `kubernetes/`: Kubernetes manifests, and the AWS Load Balancer Controller's load balancers.

The coming ones go beside them: `aws_snapshot/` for a folder of AWS `describe-*` JSON, and
`terraform/` for `terraform show -json`.
"""
