"""NetworkPolicy in words: how peers, ports and matching rules read in a trace and a drill.

The matching itself is `network_policy.py`; the fixes are `network_policy_fix.py`; a whole
explained decision is `network_policy_decision.py`.
"""

from __future__ import annotations

from netpath.engine.hops import service_words
from netpath.engine.network_policy import ANY, Match, PolicyDirection
from netpath.model.addr import Address
from netpath.model.kubernetes import NetpolPeer, NetpolPort, NetworkPolicy, Pod

# --- names ------------------------------------------------------------------------------------

def peer_name(peer_ip: Address, peer_pod: Pod | None) -> str:
    if peer_pod is None:
        return str(peer_ip)
    host = ", hostNetwork" if peer_pod.host_network else ""
    return f"{peer_pod.key} ({peer_ip}{host})"


def flow_name(protocol: str, port: int | None) -> str:
    return service_words(protocol, port)


def describe_peer(policy: NetworkPolicy, peer: NetpolPeer) -> str:
    if peer.ip_block is not None:
        block = peer.ip_block
        excepts = ", ".join(str(e) for e in block.except_)
        return f"ipBlock {block.cidr}" + (f" except {excepts}" if excepts else "")
    pods = "every pod" if peer.pod_selector is None or peer.pod_selector.is_empty else (
        f"pods {peer.pod_selector}")
    if peer.namespace_selector is None:
        return f"{pods} in namespace {policy.namespace}"
    if peer.namespace_selector.is_empty:
        return f"{pods} in every namespace"
    return f"{pods} in namespaces {peer.namespace_selector}"


def describe_port(entry: NetpolPort) -> str:
    if entry.port is None:
        return f"every {entry.protocol} port"
    if entry.end_port is not None:
        return f"{entry.protocol}/{entry.port}-{entry.end_port}"
    return f"{entry.protocol}/{entry.port}"


def describe_match(match: Match) -> str:
    rule = match.rule_obj
    word = "from" if match.direction == "ingress" else "to"
    peer = "anywhere" if match.peer == ANY else describe_peer(match.policy,
                                                                   rule.peers[match.peer])
    port = "every port" if match.port == ANY else describe_port(rule.ports[match.port])
    return (f"allowed by policy {match.policy.key}, {match.direction} rule {match.rule + 1} "
            f"({word} {peer}, {port})")


# --- what a decision adds ---------------------------------------------------------------------

def host_network_notes(pod: Pod, peer_pod: Pod | None, peer_ip: Address) -> tuple[str, ...]:
    notes: list[str] = []
    if pod.host_network:
        notes.append(f"{pod.key} uses hostNetwork: NetworkPolicy does not select it, its "
                     "traffic is the node's (as most CNIs treat it)")
    if peer_pod is not None and peer_pod.host_network:
        notes.append(f"{peer_pod.key} uses hostNetwork: policies see only its node's IP "
                     f"{peer_ip}; podSelector and namespaceSelector never match it, an "
                     "ipBlock can")
    return tuple(notes)


def ip_block_note(match: Match, peer: str) -> tuple[str, ...]:
    if match.peer == ANY or match.rule_obj.peers[match.peer].ip_block is None:
        return ()
    return (f"{peer} is a pod matched by an ipBlock: netpath lets ipBlocks match pod IPs (as "
            "Calico and the VPC CNI's agent do); Cilium matches ipBlocks only against "
            "addresses outside the cluster",)


def denied_reason(direction: PolicyDirection, pod: Pod, policies: tuple[NetworkPolicy, ...],
                  flow: str, peer: str) -> str:
    names = ", ".join(p.name for p in policies)
    word = "from" if direction == "ingress" else "to"
    return (f"no {direction} rule of the policies selecting {pod.key} ({names}) admits "
            f"{flow} {word} {peer}")
