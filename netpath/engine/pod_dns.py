"""A pod's name lookup as hops: its NetworkPolicy must let the query reach CoreDNS, then the
search list and CoreDNS (or the VPC resolver it forwards to) answer, or nothing does."""

from __future__ import annotations

from netpath.engine.coredns import ClusterDnsAnswer
from netpath.engine.network_policy_fix import dns_note
from netpath.engine.resolve import Endpoint
from netpath.engine.trace import Packet
from netpath.engine.walk import Walker


def cluster_dns_hops(w: Walker, source: Endpoint, answer: ClusterDnsAnswer,
                     packet: Packet) -> None:
    assert source.pod is not None and source.cluster is not None
    cluster = w.model.clusters[source.cluster]
    if cluster.network_policies and not source.pod.host_network:
        warning = dns_note(w.net.kube.policy_indexes[cluster.name], source.pod)
        if warning is not None:
            w.block("NETPOL_EGRESS_DENIED", "network-policy", source.pod.key,
                    f"{source.pod.key} cannot resolve {answer.asked}: {warning}",
                    f"allow udp/53 and tcp/53 to the cluster DNS pods in {source.pod.key}'s "
                    "egress policies", packet)
            return
    note = "; ".join(answer.notes) or None
    if answer.resolved:
        w.hop("dns", answer.answered_by or "CoreDNS", "resolve", answer.reason, packet,
              note=note)
        return
    w.block(answer.code or "DNS_NXDOMAIN", "dns", "CoreDNS", answer.reason,
            answer.fix or f"check the name {answer.asked}", packet, note=note)
