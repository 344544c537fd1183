"""From what the user typed to addresses: names in the spec, IPs, DNS names, `internet`, and
Kubernetes pods and Services (`resolve_kube`).

A name that matches nothing in the spec is a usage error (`UnknownName`, with a did-you-mean
that works when typed back) unless it is a DNS name to look up (`typed_names`): a trace never
turns a misspelling into a confident `DNS_NXDOMAIN`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from netpath.engine.coredns import ClusterDnsAnswer
from netpath.engine.endpoints import (
    INTERNET_CLIENT,
    INTERNET_SERVER,
    DnsAnswer,
    Endpoint,
    endpoint_at,
    is_ip,
    load_balancer_endpoint,
    named_eni,
    own_port,
    resolve_dns,
)
from netpath.engine.errors import QueryError, UnknownName
from netpath.engine.name_syntax import refuse_malformed
from netpath.engine.network import Network
from netpath.engine.resolve_kube import (
    ask_cluster_dns,
    dns_endpoint,
    kube_destination,
    kube_names,
    pod_endpoint,
    pod_name,
    service_source_error,
    unique_kube_names,
)
from netpath.engine.typed_names import looked_up, service_dns_names, spec_knows
from netpath.model.kubernetes import Cluster
from netpath.model.names import did_you_mean
from netpath.model.vocabulary import Code

__all__ = ["DnsAnswer", "Endpoint", "resolve_destination", "resolve_source"]

_DNS_CUTOFF = 0.85
_GENERAL_HINT = ("give a name from the spec (an instance, a database, a pod, a Service...), an "
                 "IP address, a DNS name with its domain (api.example.com) or `internet`")


def resolve_source(net: Network, text: str, *, suggest: bool = True) -> Endpoint:
    model = net.model
    if text == "internet":
        return Endpoint("internet", INTERNET_CLIENT)
    refuse_malformed(text, "source")
    eni = named_eni(net, text)
    if eni is not None:
        return Endpoint(text, eni.private_ip, eni, eni.client_os)
    if model.clusters:
        pod = pod_endpoint(net, text)
        if pod is not None:
            return pod
        service = service_source_error(net, text)
        if service is not None:
            raise service
    if text in model.load_balancers:
        raise QueryError(f"{text!r} is a load balancer: it only opens connections to its "
                         "targets", "trace from a client to it instead")
    if text in model.nat_gateways:
        raise QueryError(f"{text!r} is a NAT gateway: it only translates the connections its "
                         "VPC opens", "trace from the instance or pod behind it")
    if text in model.internet_hosts:
        return Endpoint(text, model.internet_hosts[text].ip)
    if is_ip(text):
        return endpoint_at(net, ipaddress.IPv4Address(text), text, source=True)
    if "." in text:
        answer = resolve_dns(net, text, None)
        if answer is not None:
            return endpoint_at(net, answer.addresses[0], text, source=True)
    if not suggest:
        raise UnknownName("source", text)
    raise UnknownName("source", text, _suggest(net, text, lambda name: _is_source(net, name)),
                      _GENERAL_HINT)


def resolve_destination(net: Network, text: str, source: Endpoint, *,
                        dns_for_unknown: bool = False,
                        suggest: bool = True) -> tuple[Endpoint | None, DnsAnswer | Any]:
    """The destination endpoint and, for a DNS name, the answer (a DnsAnswer, or a
    ClusterDnsAnswer when a pod asked); endpoint None: the name did not resolve.

    `dns_for_unknown`: look a name the spec does not know up in DNS even when it is no DNS name
    (what `netpath check` does for an expectation of `code: DNS_NXDOMAIN`), instead of raising
    UnknownName."""
    model = net.model
    if text == "internet":
        return Endpoint("internet", INTERNET_SERVER), None
    refuse_malformed(text, "destination")
    if source.pod is not None and source.cluster is not None and _pod_asks_dns(
            net, text, source.cluster):
        return _pod_lookup(net, source, text, dns_for_unknown, suggest)
    from_vpc = source.eni.vpc if source.eni else None
    eni = named_eni(net, text)
    if eni is not None:
        address = eni.private_ip
        if from_vpc is None and eni.public_ip is not None:
            address = eni.public_ip  # from the internet, only the public address is reachable
        return Endpoint(text, address, eni, eni.client_os, own_port(net, eni)), None
    if model.clusters:
        found = kube_destination(net, text, source)
        if found is not None:
            return found, None
    if text in model.load_balancers:
        return load_balancer_endpoint(net, model.load_balancers[text], source), None
    if text in model.nat_gateways:
        nat = model.nat_gateways[text]
        address = nat.elastic_ip if (from_vpc is None and nat.elastic_ip) else nat.private_ip
        return Endpoint(text, address), None
    if is_ip(text):
        return endpoint_at(net, ipaddress.IPv4Address(text), text, source=False,
                            vpc=from_vpc), None
    if dns_for_unknown or looked_up(None, text) or spec_knows(net, text):
        answer = resolve_dns(net, text, from_vpc)
        if answer is None:
            _refuse_unmodelled_balancer(net, text)
            return None, None
        endpoint = endpoint_at(net, answer.addresses[0], text, source=False, vpc=from_vpc)
        return endpoint, answer
    raise _unknown_destination(net, text, source, suggest)


def _refuse_unmodelled_balancer(net: Network, text: str) -> None:
    """A name a load balancer answers at (an Ingress's status says so) that netpath does not
    model: not knowing where it leads is not NXDOMAIN."""
    name = text.lower().rstrip(".")
    for cluster in net.model.clusters.values():
        for ingress in cluster.ingresses.values():
            if name in (a.lower().rstrip(".") for a in ingress.external_addresses):
                why = ("the spec has no AWS part, and no LoadBalancer Service of the cluster "
                       "shares the address" if cluster.vpc is None else "netpath makes load "
                       "balancers for the AWS Load Balancer Controller's Ingresses only")
                raise QueryError(
                    f"{text} is the address of Ingress {ingress.key}'s load balancer "
                    f"(status.loadBalancer.ingress), which netpath does not model: {why}",
                    "trace to the Ingress's backend Service instead")


def _pod_asks_dns(net: Network, text: str, cluster: str) -> bool:
    """A pod resolves every name that is not an address, a name of the spec itself (an
    instance, a database, a pod...) or a Kubernetes name with a `/`: Service names through its
    search list, a bare name that is both a pod's and a Service's of its cluster too (DNS
    answers the Service)."""
    if is_ip(text) or named_eni(net, text) is not None:
        return False
    if text in net.model.load_balancers or text in net.model.nat_gateways:
        return False
    if "/" in text:
        return False
    return text not in net.kube.pods_by_key or any(
        c == cluster for c, _ in net.kube.services_by_key.get(text, ()))


def _pod_lookup(net: Network, source: Endpoint, text: str, dns_for_unknown: bool,
                suggest: bool) -> tuple[Endpoint | None, ClusterDnsAnswer]:
    assert source.cluster is not None and source.pod is not None
    cluster = net.model.clusters[source.cluster]
    answer = ask_cluster_dns(net, source, text)
    pods = kube_names(net, text).pods if "." not in text else ()
    if answer.resolved:
        pods = tuple(r for r in pods if r.cluster == source.cluster)
        if pods:  # `kubectl run --expose`: a pod and a Service of one name
            names = [pod_name(net, r.cluster, r.pod) for r in pods]
            what = f"the Service {answer.service}" if answer.service else "its answer"
            note = (f"{text} is also the name of pod {', '.join(names)}: from a pod a bare "
                    f"name is what DNS answers, {what}; to trace to the pod, name it "
                    f"{' or '.join(names)}")
            answer = replace(answer, notes=(*answer.notes, note))
        return dns_endpoint(net, source, answer), answer
    if pods and answer.code == Code.DNS_NXDOMAIN:  # a pod of that name may well be meant
        names = [pod_name(net, r.cluster, r.pod) for r in pods]
        raise QueryError(
            f"{text!r} names pod {', '.join(names)}, and as a DNS name it does not resolve "
            f"from {source.label} (a short name only finds Services of the pod's own "
            "namespace)", f"name the pod {names[0]}, or a Service by its DNS name "
            "(NAME.NAMESPACE)")
    if not dns_for_unknown and not looked_up(cluster, text) and not spec_knows(net, text):
        raise _unknown_destination(net, text, source, suggest)
    return None, _with_suggestion(net, source, text, answer, suggest)


def _with_suggestion(net: Network, source: Endpoint, text: str, answer: ClusterDnsAnswer,
                     suggest: bool) -> ClusterDnsAnswer:
    hint = nxdomain_hint(net, text, source) if suggest and answer.code is not None else None
    if hint is None:
        return answer
    return replace(answer, fix=f"{answer.fix} ({hint})" if answer.fix else hint)


def nxdomain_hint(net: Network, text: str, source: Endpoint) -> str | None:
    """A DNS name nobody answers: the near name that would have answered, if the spec does not
    know the name itself (`api.exmaple.com`: did you mean 'api.example.com'?)."""
    if spec_knows(net, text):
        return None
    # A DNS name may be meant as it is: only a near miss (api.exmaple.com) is worth a word,
    # not a name that shares its domain (nothere.example.com and api.example.com); and only
    # the spec's DNS names are candidates (a trace pays for this, not only a typo).
    model = net.model
    names = [*model.dns_records, *model.internet_hosts,
             *(n for e in model.endpoints.values() for n in e.dns_names),
             *_pod_names(net, source)]
    return did_you_mean(text, names, lambda name: _is_destination(net, name, source),
                        _DNS_CUTOFF)


def _unknown_destination(net: Network, text: str, source: Endpoint,
                         suggest: bool) -> UnknownName:
    if not suggest:
        return UnknownName("destination", text)
    return UnknownName("destination", text, suggest_destination(net, text, source),
                       _GENERAL_HINT)


def suggest_destination(net: Network, text: str, source: Endpoint) -> str | None:
    """The did-you-mean for a destination (None when no near name leads anywhere)."""
    return _suggest(net, text, lambda name: _is_destination(net, name, source),
                    _pod_names(net, source))


def _pod_names(net: Network, source: Endpoint) -> list[str]:
    """Names a pod reaches Services by (its namespace's bare names, NAME.NAMESPACE)."""
    if source.pod is None or source.cluster is None:
        return []
    cluster: Cluster = net.model.clusters[source.cluster]
    return service_dns_names(cluster, source.pod.namespace)


def _suggest(net: Network, text: str, accept: Callable[[str], bool],
             extra: list[str] | None = None, cutoff: float = 0.6) -> str | None:
    model = net.model
    names = [*model.instances, *model.databases, *model.load_balancers, *model.enis,
             *model.internet_hosts, *model.dns_records, *model.nat_gateways, "internet",
             *unique_kube_names(net), *(extra or ())]
    return did_you_mean(text, names, accept, cutoff)


def _is_source(net: Network, text: str) -> bool:
    try:
        resolve_source(net, text, suggest=False)
    except QueryError:
        return False
    return True


def _is_destination(net: Network, text: str, source: Endpoint) -> bool:
    """Whether `text`, typed as the destination, leads somewhere (it resolves)."""
    try:
        found, _ = resolve_destination(net, text, source, suggest=False)
    except QueryError:
        return False
    return found is not None
