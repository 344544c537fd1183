"""From what the user typed to addresses: names in the spec, IPs, DNS names, `internet`, and
Kubernetes pods and Services (`resolve_kube`).
"""

from __future__ import annotations

import ipaddress
from typing import Any

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
from netpath.engine.errors import QueryError
from netpath.engine.network import Network
from netpath.engine.resolve_kube import (
    ask_cluster_dns,
    dns_endpoint,
    pod_endpoint,
    service_endpoint,
)
from netpath.model.names import did_you_mean

__all__ = ["DnsAnswer", "Endpoint", "resolve_destination", "resolve_source"]


def resolve_source(net: Network, text: str) -> Endpoint:
    model = net.model
    if text == "internet":
        return Endpoint("internet", INTERNET_CLIENT)
    eni = named_eni(net, text)
    if eni is not None:
        return Endpoint(text, eni.private_ip, eni, eni.client_os)
    if model.clusters:
        pod = pod_endpoint(net, text)
        if pod is not None:
            return pod
    if text in model.load_balancers:
        raise QueryError(f"{text!r} is a load balancer: it only opens connections to its "
                         "targets", "trace from a client to it instead")
    if text in model.internet_hosts:
        return Endpoint(text, model.internet_hosts[text].ip)
    if is_ip(text):
        return endpoint_at(net, ipaddress.IPv4Address(text), text, source=True)
    if "." in text:
        answer = resolve_dns(net, text, None)
        if answer is not None:
            return endpoint_at(net, answer.addresses[0], text, source=True)
    raise _unknown(net, "source", text)


def resolve_destination(net: Network, text: str,
                        source: Endpoint) -> tuple[Endpoint | None, DnsAnswer | Any]:
    """The destination endpoint and, for a DNS name, the answer (a DnsAnswer, or a
    ClusterDnsAnswer when a pod asked); endpoint None: the name did not resolve."""
    model = net.model
    if text == "internet":
        return Endpoint("internet", INTERNET_SERVER), None
    if source.pod is not None and _pod_asks_dns(net, text):
        cluster_answer = ask_cluster_dns(net, source, text)
        if not cluster_answer.resolved:
            return None, cluster_answer
        return dns_endpoint(net, source, cluster_answer), cluster_answer
    from_vpc = source.eni.vpc if source.eni else None
    eni = named_eni(net, text)
    if eni is not None:
        address = eni.private_ip
        if from_vpc is None and eni.public_ip is not None:
            address = eni.public_ip  # from the internet, only the public address is reachable
        return Endpoint(text, address, eni, eni.client_os, own_port(net, eni)), None
    if model.clusters:
        found = pod_endpoint(net, text) or service_endpoint(net, text, source)
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
    if "." in text or text.lower() in model.dns_records:
        answer = resolve_dns(net, text, from_vpc)
        if answer is None:
            return None, None
        endpoint = endpoint_at(net, answer.addresses[0], text, source=False, vpc=from_vpc)
        return endpoint, answer
    raise _unknown(net, "destination", text)


def _pod_asks_dns(net: Network, text: str) -> bool:
    """A pod resolves every name that is not an address or a name of the spec itself (an
    instance, a database, a pod...): Service names too, through its search list."""
    if is_ip(text) or named_eni(net, text) is not None:
        return False
    if text in net.model.load_balancers or text in net.model.nat_gateways:
        return False
    return "/" not in text and text not in net.kube.pods_by_key


def _unknown(net: Network, role: str, text: str) -> QueryError:
    model = net.model
    names = [*model.instances, *model.databases, *model.load_balancers, *model.enis,
             *model.internet_hosts, *model.dns_records, *model.nat_gateways, "internet",
             *net.kube.pods_by_key, *net.kube.services_by_key]
    hint = did_you_mean(text, names) or "give a name from the spec, an IP address, a DNS name " \
        "or `internet`"
    return QueryError(f"unknown {role} {text!r}", hint)
