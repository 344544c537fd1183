"""The addresses a LoadBalancer Service's and an Ingress's load balancer answers at, as the
cloud's controller wrote them in `status.loadBalancer.ingress` (a dump has them).

On AWS each is the load balancer's DNS name (`<name>-<id>.<region>.elb.amazonaws.com`,
`k8s-<ns>-<name>-<hash>-<id>...` for the AWS Load Balancer Controller). When netpath models that
load balancer (the cluster has an AWS part), the name becomes a public alias record of it, so
that `netpath trace internet <name>` takes the load balancer's path, as the internet does.

Without an AWS part netpath models the cloud's load balancer as Kubernetes describes it: it
sends to the Service's NodePort on a node that passes its health check (engine:
`walk/cloud_lb.py`). Its address is the status `ip`; a DNS name (all an AWS dump gives) gets a
stand-in address from TEST-NET-2 (198.51.100.0/24) and a public record to it, which the
inference says. An Ingress answers at the load balancer of the Service that shares its address
(an in-cluster controller such as ingress-nginx publishes its Service's address); any other
Ingress address is a load balancer netpath does not model.
https://kubernetes.io/docs/reference/kubernetes-api/service-resources/service-v1/#ServiceStatus
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Set
from dataclasses import replace

from netpath.model.addr import Address
from netpath.model.kubernetes import Cluster, Inference, Ingress, Service
from netpath.model.resources import DnsRecord

_SOURCE = "status.loadBalancer.ingress"
CLOUD_DNS = "public DNS"
STAND_INS = ipaddress.IPv4Network("198.51.100.0/24")


def external_addresses(cluster: Cluster, known: dict[str, DnsRecord],
                       taken: Set[Address] = frozenset()
                       ) -> tuple[Cluster, dict[str, DnsRecord]]:
    """The cluster with an inference per external address (and, without an AWS part, each
    LoadBalancer Service's `cloud_addresses`), and the records they add: never over a record
    of the spec, never at an address in `taken` (the spec's own internet hosts)."""
    records: dict[str, DnsRecord] = {}
    found: list[Inference] = []
    services = dict(cluster.services)
    free = _stand_ins(taken)
    cloud = cluster.vpc is None
    for key in sorted(services):
        service = services[key]
        if cloud and service.type == "LoadBalancer" and service.external_addresses:
            services[key] = _cloud_service(service, known, records, free, found)
        else:
            found.extend(_modelled(service, "Service", known, records))
    served = {a: s for s in services.values() for a in s.external_addresses
              if s.cloud_addresses}
    for ingress in cluster.ingresses.values():
        if cloud:
            found.extend(_cloud_ingress(ingress, served))
        else:
            found.extend(_modelled(ingress, "Ingress", known, records))
    if not found:
        return cluster, records
    return replace(cluster, services=services,
                   inferences=(*cluster.inferences, *found)), records


def _modelled(owner: Service | Ingress, kind: str, known: dict[str, DnsRecord],
              records: dict[str, DnsRecord]) -> Iterator[Inference]:
    """With an AWS part: each DNS name becomes a public alias of the modelled load balancer."""
    for address in owner.external_addresses:
        lb = owner.load_balancer
        name = address.lower().rstrip(".")
        if lb is not None and not _is_ip(address) and name not in known \
                and name not in records:
            records[name] = DnsRecord(name, "ALIAS", (lb,), (), owner.path)
            how = f"a public alias of load balancer {lb}"
            subjects: tuple[str, ...] = (f"load-balancer:{lb}",)
        elif lb is not None:
            how = f"load balancer {lb}"
            subjects = (f"load-balancer:{lb}",)
        else:
            how = "no load balancer is modelled for it"
            subjects = ()
        yield Inference(f"external address of {kind} {owner.key}", address,
                        f"{_SOURCE}; {how}", subjects, owner.path)


def _cloud_service(service: Service, known: dict[str, DnsRecord],
                   records: dict[str, DnsRecord], free: Iterator[Address],
                   found: list[Inference]) -> Service:
    """A LoadBalancer Service of a cluster without an AWS part: the cloud's load balancer
    answers at each status address (a stand-in for a DNS name)."""
    addresses: list[Address] = []
    subject = f"load-balancer:{service.key}"
    for written in service.external_addresses:
        what = f"external address of Service {service.key}"
        how = (f"{_SOURCE}; the cloud's load balancer, modelled as Kubernetes describes it "
               "(to the Service's NodePort on a healthy node)")
        if _is_ip(written):
            address = ipaddress.ip_address(written)
            if not isinstance(address, Address):
                found.append(Inference(what, written, f"{_SOURCE}; an IPv6 address, which "
                                       "netpath does not model", (), service.path))
                continue
        else:
            name = written.lower().rstrip(".")
            if name in known or name in records:
                found.append(Inference(what, written, f"{_SOURCE}; the spec's DNS record "
                                       "for the name is used as written", (), service.path))
                continue
            stand_in = next(free, None)
            if stand_in is None:
                found.append(Inference(what, written, f"{_SOURCE}; no stand-in address is "
                                       f"left in {STAND_INS} for its DNS name", (),
                                       service.path))
                continue
            address = stand_in
            records[name] = DnsRecord(name, "A", (str(address),), (), service.path,
                                      zone=CLOUD_DNS)
            how += (f"; the dump gives only its DNS name, so netpath gives it the stand-in "
                    f"address {address}")
        addresses.append(address)
        found.append(Inference(what, written, how, (subject,), service.path))
    return replace(service, cloud_addresses=tuple(addresses))


def _cloud_ingress(ingress: Ingress, served: dict[str, Service]) -> Iterator[Inference]:
    for address in ingress.external_addresses:
        service = served.get(address)
        if service is not None:
            how = (f"the address of Service {service.key}'s load balancer (the Ingress "
                   "controller's)")
            subjects: tuple[str, ...] = (f"load-balancer:{service.key}",)
        else:
            how = "no load balancer is modelled for it (the spec has no AWS part)"
            subjects = ()
        yield Inference(f"external address of Ingress {ingress.key}", address,
                        f"{_SOURCE}; {how}", subjects, ingress.path)


def _stand_ins(taken: Set[Address]) -> Iterator[Address]:
    for address in STAND_INS.hosts():
        if address not in taken and int(address) & 0xFF >= 10:
            yield address


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
