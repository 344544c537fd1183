"""A pod's name lookup as hops: its NetworkPolicy must let the query reach CoreDNS, then the
search list and CoreDNS (or the VPC resolver it forwards to) answer, or nothing does.

Ordinary lookups go over UDP; TCP/53 only carries answers too large for UDP (truncated and
retried). So a policy that admits udp/53 but not tcp/53 (the guide's example) lets resolution
work with a warning, and only a denied udp/53 breaks it.
https://kubernetes.io/docs/concepts/services-networking/network-policies/
"""

from __future__ import annotations

from netpath.engine.coredns import COREDNS, ClusterDnsAnswer
from netpath.engine.hops import Crossing, Packet
from netpath.engine.network_policy import admits
from netpath.engine.network_policy_fix import dns_note, dns_server
from netpath.engine.resolve import Endpoint
from netpath.engine.walk.position import Walk
from netpath.model.vocabulary import Action, Code, Component

_DNS_PORT = 53


def cluster_dns_hops(w: Walk, source: Endpoint, answer: ClusterDnsAnswer,
                     packet: Packet, lookup: Packet | None = None) -> None:
    """The lookup's hops; `packet` is the connection's first packet, `lookup` the query itself
    (udp/53 to the pod's nameserver), which a policy that stops the lookup judges (default:
    `packet`)."""
    assert source.pod is not None and source.cluster is not None
    query = lookup or packet
    cluster = w.model.clusters[source.cluster]
    pod = source.pod
    notes = list(answer.notes)
    # Only a lookup through the cluster DNS crosses the policies to CoreDNS's pods.
    if cluster.network_policies and not pod.host_network and answer.resolv_conf.cluster:
        index = w.net.kube.policy_indexes[cluster.name]
        warning = dns_note(index, pod)
        ip, server = dns_server(index)
        if not admits(index, "egress", pod, ip, server, "udp", _DNS_PORT):
            w.block(Code.NETPOL_EGRESS_DENIED, Component.NETWORK_POLICY, pod.key,
                    f"{pod.key} cannot resolve {answer.asked}: {warning or 'udp/53 is denied'}",
                    f"allow udp/53 and tcp/53 to the cluster DNS pods in {pod.key}'s egress "
                    "policies", query, crossing=Crossing("egress", pod.key))
            return
        if server is not None and not admits(index, "ingress", server, pod.ip, pod, "udp",
                                             _DNS_PORT):
            w.block(Code.NETPOL_INGRESS_DENIED, Component.NETWORK_POLICY, server.key,
                    f"{pod.key} cannot resolve {answer.asked}: the policies selecting the "
                    f"cluster DNS pod {server.key} do not admit udp/53 from {pod.key}: name "
                    "resolution breaks (every lookup times out)",
                    f"allow udp/53 and tcp/53 from every pod to {server.key} in its "
                    f"namespace's ingress policies", query,
                    crossing=Crossing("ingress", server.key))
            return
        if warning is not None:
            notes.insert(0, warning)
    note = "; ".join(notes) or None
    if answer.resolved:
        w.hop(Component.DNS, answer.answered_by or COREDNS, Action.RESOLVE, answer.reason, packet,
              note=note)
        return
    # A pod with dnsPolicy Default (a hostNetwork pod's ClusterFirst too) asks its node's
    # resolver, never CoreDNS.
    asked = COREDNS if answer.resolv_conf.cluster or not answer.tried \
        else answer.tried[-1].server
    w.block(answer.code or Code.DNS_NXDOMAIN, Component.DNS, asked, answer.reason,
            answer.fix or f"check the name {answer.asked}", packet, note=note)
