"""Name resolution from a pod: the pod's resolver (search list, ndots) and CoreDNS.

kubelet writes each pod's /etc/resolv.conf (dnsPolicy ClusterFirst, the default): the cluster
DNS IP, the search list `<ns>.svc.<domain> svc.<domain> <domain>` followed by the node's own
search domains (on AWS the VPC's DHCP domain: `ec2.internal` in us-east-1, else
`<region>.compute.internal`), and `options ndots:5`. The resolver (glibc) tries a name with
fewer than ndots dots through the search list first, in order, then as written; a name with
at least ndots dots as written first; a name ending in '.' only as written.
https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/
https://docs.aws.amazon.com/vpc/latest/userguide/DHCPOptionSet.html

CoreDNS answers the cluster domain itself (the kubernetes plugin, authoritative: a name it
does not know is NXDOMAIN there) and forwards every other name upstream (`forward .
/etc/resolv.conf`: on AWS the VPC resolver, which knows Route 53 and endpoint private DNS).
Pod records follow the default Corefile's `pods insecure`: the IP is read from the name.
https://coredns.io/plugins/kubernetes/
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from netpath.engine.endpoints import DnsAnswer, resolve_dns, vpc_resolver
from netpath.engine.network import Network
from netpath.engine.services import ready_addresses
from netpath.model.addr import Address
from netpath.model.kubernetes import Cluster, Pod
from netpath.model.record import record
from netpath.model.vocabulary import Code

CLUSTER_NDOTS = 5  # what kubelet writes for ClusterFirst pods
HOST_NDOTS = 1  # the resolver's default, in a node's own resolv.conf
COREDNS = "CoreDNS"
# ExternalName CNAMEs CoreDNS follows inside the cluster before it gives up: a loop, or a chain
# longer than this, is a SERVFAIL to the client (the API server accepts any of them).
MAX_CNAMES = 8


@record
class Upstream:
    """Where CoreDNS forwards names outside the cluster domain (and what a node itself asks)."""

    label: str  # "the VPC resolver (10.0.0.2)"
    resolve: Callable[[str], DnsAnswer | None]  # None: NXDOMAIN
    search_domain: str | None = None  # the node's DHCP domain, appended to pods' search lists
    address: Address | None = None


NO_UPSTREAM = Upstream("the upstream resolver (the spec has none)", lambda name: None)


def vpc_search_domain(region: str) -> str:
    """The default DHCP option set's domain-name: ec2.internal in us-east-1 only."""
    return "ec2.internal" if region == "us-east-1" else f"{region}.compute.internal"


def upstream_for(net: Network, cluster: Cluster) -> Upstream:
    """The VPC resolver (AmazonProvidedDNS, the VPC's base address + 2) over the spec's Route 53
    records, interface endpoints and internet hosts; for a Kubernetes-only spec, the nodes'
    resolver, which knows what public DNS knows (the spec's internet hosts and public
    records)."""
    if cluster.vpc is None or cluster.vpc not in net.model.vpcs:
        return Upstream("the nodes' upstream resolver (public DNS)",
                        lambda n: resolve_dns(net, n, None))
    vpc = net.model.vpcs[cluster.vpc]
    address = vpc_resolver(net, vpc.name)
    name = vpc.name
    return Upstream(f"the VPC resolver ({address})", lambda n: resolve_dns(net, n, name),
                    vpc_search_domain(vpc.region), address)


@record
class ResolvConf:
    nameserver: Address | None
    search: tuple[str, ...]
    ndots: int
    policy: str  # the pod's dnsPolicy as kubelet applies it (a hostNetwork pod's ClusterFirst
    # is Default)

    @property
    def cluster(self) -> bool:
        """The cluster DNS answers (CoreDNS), not the node's resolver."""
        return self.policy != "Default"

    def __str__(self) -> str:
        server = f"nameserver {self.nameserver}; " if self.nameserver else ""
        return f"{server}search {' '.join(self.search) or '-'}; options ndots:{self.ndots}"


@record
class DnsTry:
    name: str  # the name sent, without the trailing dot
    outcome: str  # answer | NXDOMAIN | NODATA
    server: str  # CoreDNS, or the upstream's label
    detail: str  # what answered, or why nothing did


@record
class ClusterDnsAnswer:
    asker: str  # the pod's key
    asked: str
    resolv_conf: ResolvConf
    tried: tuple[DnsTry, ...]  # every query, in order; the last one decided
    addresses: tuple[Address, ...]
    chain: tuple[str, ...]  # CNAMEs followed (ExternalName, Route 53...)
    answered_by: str | None  # CoreDNS or the upstream's label; None: nothing answered
    record: str | None  # what answered, in words
    service: str | None  # "ns/name" when a Service's name answered
    pod: str | None  # "ns/name" when a pod record answered (pod A record, StatefulSet hostname)
    code: Code | None  # DNS_NXDOMAIN; SERVICE_NO_ENDPOINTS for a headless Service with none
    reason: str  # one line: what was asked, what was tried, what answered
    fix: str | None
    notes: tuple[str, ...]

    @property
    def resolved(self) -> bool:
        return bool(self.addresses)

    @property
    def fqdn(self) -> str | None:
        return self.tried[-1].name if self.resolved else None

    def as_dns_answer(self) -> DnsAnswer | None:
        """The AWS side's answer type, for code that already shows those."""
        if not self.resolved:
            return None
        return DnsAnswer(self.asked, self.addresses, self.chain, self.answered_by or COREDNS)


@record
class Lookup:
    outcome: str
    addresses: tuple[Address, ...] = ()
    chain: tuple[str, ...] = ()
    server: str = COREDNS
    detail: str = ""
    service: str | None = None
    pod: str | None = None


def resolv_conf(cluster: Cluster, pod: Pod, upstream: Upstream = NO_UPSTREAM) -> ResolvConf:
    node_search = (upstream.search_domain,) if upstream.search_domain else ()
    if not pod.cluster_dns:
        # dnsPolicy Default, or ClusterFirst on the host network (which falls back to Default):
        # the node's own resolv.conf.
        return ResolvConf(upstream.address, node_search, HOST_NDOTS, "Default")
    domain = cluster.dns_domain
    search = (f"{pod.namespace}.svc.{domain}", f"svc.{domain}", domain, *node_search)
    return ResolvConf(cluster.dns_ip, search, CLUSTER_NDOTS, pod.dns_policy)


def candidates(name: str, conf: ResolvConf) -> list[str]:
    """The names the resolver sends, in order (glibc's res_search)."""
    if name.endswith("."):
        return [name.rstrip(".")]
    searched = [f"{name}.{domain}" for domain in conf.search]
    if name.count(".") >= conf.ndots:
        return [name, *searched]
    return [*searched, name]


def resolve_in_cluster(cluster: Cluster, pod: Pod, name: str,
                       upstream: Upstream = NO_UPSTREAM) -> ClusterDnsAnswer:
    """Resolve `name` as `pod` would: every query tried, and what answered."""
    conf = resolv_conf(cluster, pod, upstream)
    asked = name.strip().lower()
    tried: list[DnsTry] = []
    found: Lookup | None = None
    for candidate in candidates(asked, conf):
        if not conf.cluster:
            lookup = _upstream(upstream, candidate)
        else:
            lookup = lookup_name(cluster, candidate, upstream)
        tried.append(DnsTry(candidate, lookup.outcome, lookup.server, lookup.detail))
        if lookup.outcome == "answer":
            found = lookup
            break
    notes = _notes(cluster, pod, asked, conf, tried)
    listing = _listing(tried)
    if found is not None:
        last = tried[-1]
        reason = f"{pod.key} asked {asked}: {listing}"
        return ClusterDnsAnswer(pod.key, asked, conf, tuple(tried), found.addresses, found.chain,
                                last.server, last.detail, found.service, found.pod, None,
                                reason, None, notes)
    nodata = [t for t in tried if t.outcome == "NODATA"]
    code = Code.SERVICE_NO_ENDPOINTS if nodata else Code.DNS_NXDOMAIN
    reason = f"{pod.key} asked {asked}: {listing}; no address"
    looped = next((t for t in tried if t.outcome == "SERVFAIL"), None)
    fix = (f"point the ExternalName Service's externalName at a name that resolves, not back "
           f"into the chain ({looped.name})" if looped is not None
           else _fix(cluster, pod, asked, bool(nodata)))
    return ClusterDnsAnswer(pod.key, asked, conf, tuple(tried), (), (), None, None, None, None,
                            code, reason, fix, notes)


def lookup_name(cluster: Cluster, fqdn: str, upstream: Upstream = NO_UPSTREAM,
                chain: tuple[str, ...] = ()) -> Lookup:
    """One query as CoreDNS answers it: the cluster domain itself, the rest upstream.
    `chain`: the ExternalName CNAMEs followed to get here (a loop is cut, not followed)."""
    fqdn = fqdn.lower().rstrip(".")
    domain = cluster.dns_domain
    if fqdn != domain and not fqdn.endswith("." + domain):
        return _upstream(upstream, fqdn)
    labels = fqdn[: -len(domain) - 1].split(".") if fqdn != domain else []
    if len(labels) == 3 and labels[2] == "svc":
        return _service(cluster, labels[0], labels[1], upstream, (*chain, fqdn))
    if len(labels) == 4 and labels[3] == "svc":
        return _hostname(cluster, labels[0], labels[1], labels[2])
    if len(labels) == 3 and labels[2] == "pod":
        return _pod_record(cluster, labels[0], labels[1])
    return Lookup("NXDOMAIN", detail=f"no such name in {domain}")


def _upstream(upstream: Upstream, name: str) -> Lookup:
    answer = upstream.resolve(name)
    if answer is None:
        return Lookup("NXDOMAIN", server=upstream.label, detail=f"forwarded to {upstream.label}")
    ips = ", ".join(str(a) for a in answer.addresses)
    return Lookup("answer", answer.addresses, answer.chain, upstream.label,
                  f"forwarded to {upstream.label}: {answer.source} answers {ips}")


def _service(cluster: Cluster, name: str, namespace: str, upstream: Upstream,
             chain: tuple[str, ...]) -> Lookup:
    service = cluster.services.get(f"{namespace}/{name}")
    if service is None:
        return Lookup("NXDOMAIN", detail=f"no Service {name!r} in namespace {namespace!r}")
    key = service.key
    if service.type == "ExternalName" and service.external_name:
        target = service.external_name.lower().rstrip(".")
        if target in chain or len(chain) >= MAX_CNAMES:
            loop = " -> ".join((*chain, target))
            why = "loops back" if target in chain else f"is more than {MAX_CNAMES} CNAMEs deep"
            return Lookup("SERVFAIL", (), (target,), COREDNS,
                          f"ExternalName {key}: CNAME {target}, which {why} ({loop}): CoreDNS "
                          "answers SERVFAIL", service=key)
        # CoreDNS answers the CNAME and resolves its target (upstream unless in the cluster).
        inner = lookup_name(cluster, target, upstream, chain) if target.endswith(
            "." + cluster.dns_domain) else _upstream(upstream, target)
        if inner.outcome != "answer":
            why = f"; {inner.detail}" if inner.outcome == "SERVFAIL" else \
                ", which does not resolve"
            return Lookup(inner.outcome, (), (target,), COREDNS,
                          f"ExternalName {key}: CNAME {target}{why}", service=key)
        text = ", ".join(str(a) for a in inner.addresses)
        return Lookup("answer", inner.addresses, (target, *inner.chain), COREDNS,
                      f"ExternalName {key}: CNAME {target} -> {text} ({inner.detail})",
                      service=key)
    if service.headless:
        ready = ready_addresses(cluster, service)
        if not ready:
            return Lookup("NODATA", detail=f"headless Service {key} has no ready endpoint",
                          service=key)
        ips = tuple(ip for ip, _ in ready)
        return Lookup("answer", ips, (), COREDNS,
                      f"headless Service {key}: its ready pods' IPs "
                      f"{', '.join(str(a) for a in ips)}", service=key)
    assert service.cluster_ip is not None
    return Lookup("answer", (service.cluster_ip,), (), COREDNS,
                  f"Service {key} ({service.type}): ClusterIP {service.cluster_ip}",
                  service=key)


def _hostname(cluster: Cluster, host: str, name: str, namespace: str) -> Lookup:
    """`<pod>.<svc>.<ns>.svc`: a StatefulSet pod behind its headless Service. Kubernetes
    requires the pod's subdomain to be the Service's name (a StatefulSet sets it to its
    serviceName); the model does not keep subdomain, so any StatefulSet pod the headless
    Service selects counts."""
    service = cluster.services.get(f"{namespace}/{name}")
    if service is None or not service.headless:
        return Lookup("NXDOMAIN", detail=f"no headless Service {name!r} in {namespace!r}")
    for ip, key in ready_addresses(cluster, service):
        pod = cluster.pods.get(key) if key else None
        if pod is not None and pod.name == host and (pod.owner or "").startswith("StatefulSet/"):
            return Lookup("answer", (ip,), (), COREDNS,
                          f"StatefulSet pod {pod.key} behind headless Service {service.key}",
                          service=service.key, pod=pod.key)
    return Lookup("NXDOMAIN", detail=f"no ready StatefulSet pod {host!r} behind {service.key}")


def _pod_record(cluster: Cluster, dashed: str, namespace: str) -> Lookup:
    try:
        ip = ipaddress.IPv4Address(dashed.replace("-", "."))
    except ValueError:
        return Lookup("NXDOMAIN", detail=f"{dashed!r} is not an IP address written with dashes")
    owner = next((p for p in cluster.pods.values()
                  if p.ip == ip and p.namespace == namespace and not p.host_network), None)
    if owner is not None:
        return Lookup("answer", (ip,), (), COREDNS, f"pod A record of {owner.key}",
                      pod=owner.key)
    return Lookup("answer", (ip,), (), COREDNS,
                  f"pod A record: CoreDNS's default `pods insecure` reads {ip} from the name "
                  f"without checking that a pod of {namespace!r} has it (none does here)")


def _listing(tried: list[DnsTry]) -> str:
    parts = []
    for i, attempt in enumerate(tried):
        if attempt.outcome == "answer":
            prefix = "then " if i else ""
            parts.append(f"{prefix}{attempt.name} ({attempt.detail})")
        elif attempt.outcome == "SERVFAIL":
            parts.append(f"{attempt.name} (SERVFAIL: {attempt.detail})")
        elif attempt.server == COREDNS:
            parts.append(f"{attempt.name} ({attempt.outcome})")
        else:
            parts.append(f"{attempt.name} ({attempt.outcome} from {attempt.server})")
    return "tried " + ", ".join(parts)


def _notes(cluster: Cluster, pod: Pod, asked: str, conf: ResolvConf,
           tried: list[DnsTry]) -> tuple[str, ...]:
    notes: list[str] = []
    if pod.host_network and pod.dns_policy == "ClusterFirst":
        notes.append(f"{pod.key} uses the host network: with dnsPolicy ClusterFirst kubelet "
                     "gives it the node's resolv.conf (dnsPolicy Default), so cluster names do "
                     "not resolve; set dnsPolicy: ClusterFirstWithHostNet for CoreDNS")
    elif pod.dns_policy == "Default":
        notes.append(f"{pod.key} has dnsPolicy Default: kubelet gives it the node's "
                     "resolv.conf, so cluster names do not resolve (ClusterFirst, the default, "
                     "asks CoreDNS)")
    elif pod.dns_policy == "None":
        notes.append(f"{pod.key} has dnsPolicy None: its dnsConfig alone makes its resolv.conf; "
                     "netpath does not read dnsConfig and assumes the cluster DNS, its search "
                     "list and ndots:5")
    wasted = [t for t in tried[:-1] if t.outcome != "answer"]
    if (conf.cluster and not asked.endswith(".") and tried and wasted
            and tried[-1].outcome == "answer" and tried[-1].name == asked.rstrip(".")):
        notes.append(f"ndots:{conf.ndots}: {asked} has {asked.count('.')} dot(s), fewer than "
                     f"{conf.ndots}, so the resolver tried the {len(wasted)} search domain(s) "
                     f"first ({len(wasted)} wasted queries); write {asked}. (a trailing dot) or "
                     "lower ndots in the pod's dnsConfig")
    labels = asked.rstrip(".").split(".")
    pod_zone = f"pod.{cluster.dns_domain}"
    if asked.rstrip(".").endswith(pod_zone) and len(labels) > 4 and all(
            x.isdigit() for x in labels[:4]):
        dashed = "-".join(labels[:4])
        notes.append(f"pod A records use dashes: {dashed}.{'.'.join(labels[4:])} (the guide's "
                     "dotted form does not resolve)")
    return tuple(notes)


def _fix(cluster: Cluster, pod: Pod, asked: str, nodata: bool) -> str:
    if nodata:
        return "make the headless Service's pods ready (or check its selector)"
    if not pod.cluster_dns and _in_cluster(cluster, asked):
        policy = "ClusterFirstWithHostNet" if pod.host_network else "ClusterFirst"
        return (f"set dnsPolicy: {policy} on {pod.key} (its resolv.conf is the node's, which "
                "knows no cluster names)")
    short = asked.rstrip(".").split(".")
    if len(short) == 1:
        others = sorted(s.key for s in cluster.services.values() if s.name == short[0])
        if others:
            ns = others[0].split("/")[0]
            return (f"a short name only finds Services of the pod's own namespace "
                    f"({pod.namespace!r}): ask for {short[0]}.{ns}")
    return "add the record (a Service, a Route 53 record or an internet host), or check the name"


def _in_cluster(cluster: Cluster, asked: str) -> bool:
    """Whether CoreDNS would answer `asked` from a ClusterFirst pod of `cluster`: a name of
    the cluster domain, or a short form of a Service's (NAME, NAME.NAMESPACE, ...svc)."""
    name = asked.lower().rstrip(".")
    if name == cluster.dns_domain or name.endswith("." + cluster.dns_domain):
        return True
    labels = name.split(".")
    if len(labels) == 3 and labels[2] == "svc":
        labels = labels[:2]
    if len(labels) == 2:
        return f"{labels[1]}/{labels[0]}" in cluster.services
    return len(labels) == 1 and any(s.name == labels[0] for s in cluster.services.values())
