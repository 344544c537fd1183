"""The addresses a LoadBalancer Service's and an Ingress's load balancer answers at, as the
cloud's controller wrote them in `status.loadBalancer.ingress` (a dump has them).

On AWS each is the load balancer's DNS name (`<name>-<id>.<region>.elb.amazonaws.com`,
`k8s-<ns>-<name>-<hash>-<id>...` for the AWS Load Balancer Controller). When netpath models that
load balancer (the cluster has an AWS part), the name becomes a public alias record of it, so
that `netpath trace internet <name>` takes the load balancer's path, as the internet does;
without an AWS part there is no load balancer to lead to, which the inference says.
https://kubernetes.io/docs/reference/kubernetes-api/service-resources/service-v1/#ServiceStatus
"""

from __future__ import annotations

from dataclasses import replace

from netpath.model.kubernetes import Cluster, Inference, Ingress, Service
from netpath.model.resources import DnsRecord

_SOURCE = "status.loadBalancer.ingress"


def external_addresses(cluster: Cluster, known: dict[str, DnsRecord]
                       ) -> tuple[Cluster, dict[str, DnsRecord]]:
    """The cluster with an inference per external address, and the alias records they add
    (never over a record of the spec)."""
    records: dict[str, DnsRecord] = {}
    found: list[Inference] = []
    owners: list[tuple[str, Service | Ingress]] = [
        *(("Service", s) for s in cluster.services.values()),
        *(("Ingress", i) for i in cluster.ingresses.values())]
    for kind, owner in owners:
        for address in owner.external_addresses:
            lb = owner.load_balancer
            is_name = not address.replace(".", "").isdigit()
            name = address.lower().rstrip(".")
            if lb is not None and is_name and name not in known and name not in records:
                records[name] = DnsRecord(name, "ALIAS", (lb,), (), owner.path)
                how = f"a public alias of load balancer {lb}"
                subjects: tuple[str, ...] = (f"load-balancer:{lb}",)
            elif lb is not None:
                how = f"load balancer {lb}"
                subjects = (f"load-balancer:{lb}",)
            else:
                how = "no load balancer is modelled for it (the spec has no AWS part)"
                subjects = ()
            found.append(Inference(f"external address of {kind} {owner.key}", address,
                                   f"{_SOURCE}; {how}", subjects, owner.path))
    if not found:
        return cluster, records
    return replace(cluster, inferences=(*cluster.inferences, *found)), records
