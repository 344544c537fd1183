"""One NetworkPolicy decision, explained: which policies select the pod, the rule that admits
the flow (or why none does, and the smallest fix), and the line a trace shows.

`evaluate` explains; `network_policy.admits` answers yes or no for the hot loops.
"""

from __future__ import annotations

from netpath.engine import network_policy_words as words
from netpath.engine.network_policy import (
    Match,
    PolicyDirection,
    PolicyIndex,
    first_match,
    to_itself,
)
from netpath.engine.network_policy_fix import suggest_fix
from netpath.engine.network_policy_words import describe_match
from netpath.model.addr import Address
from netpath.model.kubernetes import Pod
from netpath.model.record import record
from netpath.model.vocabulary import Code


@record
class NetpolDecision:
    """What NetworkPolicy says about one direction of one flow, at one pod.

    `allowed` is what happens: always True when the CNI does not enforce NetworkPolicy;
    `would_allow` is what the policies say (they differ only when unenforced).
    """

    direction: PolicyDirection
    pod: str  # "namespace/name" of the pod whose policies judge
    peer: str  # "ns/name (10.0.1.5)" or "10.0.1.5"
    flow: str  # "tcp/5432"
    enforced: bool
    isolated: bool
    allowed: bool
    would_allow: bool
    policies: tuple[str, ...]  # every policy selecting the pod for this direction, name order
    allowed_by: Match | None
    from_own_node: bool  # ingress from the pod's own node: always allowed
    reason: str | None  # why it is (or would be) denied
    fix: str | None  # the smallest change that admits it
    notes: tuple[str, ...] = ()
    cni: str = ""
    itself: bool = False  # the pod's traffic to itself: always allowed

    @property
    def code(self) -> Code | None:
        if self.allowed:
            return None
        return Code.NETPOL_INGRESS_DENIED if self.direction == "ingress" \
            else Code.NETPOL_EGRESS_DENIED

    @property
    def line(self) -> str:
        """The trace's one-line account of this decision."""
        return decision_line(self)


def evaluate(index: PolicyIndex, direction: PolicyDirection, pod: Pod, peer_ip: Address,
             peer_pod: Pod | None, protocol: str, port: int | None) -> NetpolDecision:
    """Judge one direction of a flow at `pod`: for "ingress" `pod` receives from `peer_ip`, for
    "egress" it sends to `peer_ip`.

    `peer_pod` is the pod that owns `peer_ip` in the same cluster (None for anything else: a
    node, an external address, a pod of another cluster). The flow is judged after DNAT: pass
    the endpoint pod, not a Service's ClusterIP. `port` None means a flow without ports (icmp).
    """
    policies = index.selecting(pod, direction)
    peer = words.peer_name(peer_ip, peer_pod)
    flow = words.flow_name(protocol, port)
    notes = words.host_network_notes(pod, peer_pod, peer_ip)
    match: Match | None = None
    own_node = itself = False
    if policies:
        own_node = direction == "ingress" and index.node_ips.get(pod.node) == peer_ip
        itself = not own_node and to_itself(pod, peer_ip, peer_pod)
        if not own_node and not itself:
            match = first_match(index, direction, pod, policies, peer_ip, peer_pod, protocol,
                                port)
    would_allow = not policies or own_node or itself or match is not None
    reason = fix = None
    if not would_allow:
        reason = words.denied_reason(direction, pod, policies, flow, peer)
        fix = suggest_fix(index, direction, pod, policies, peer_ip, peer_pod, protocol,
                                port)
    if match is not None and peer_pod is not None and not peer_pod.host_network:
        notes += words.ip_block_note(match, peer)
    return NetpolDecision(
        direction=direction, pod=pod.key, peer=peer, flow=flow, enforced=index.enforced,
        isolated=bool(policies), allowed=would_allow or not index.enforced,
        would_allow=would_allow, policies=tuple(p.key for p in policies), allowed_by=match,
        from_own_node=own_node, reason=reason, fix=fix, notes=notes, cni=index.cluster.cni,
        itself=itself,
    )


def decision_line(decision: NetpolDecision) -> str:
    d = decision
    if not d.isolated:
        if d.notes and d.notes[0].startswith(f"{d.pod} uses hostNetwork"):
            return d.notes[0]
        return f"no NetworkPolicy selects {d.pod} for {d.direction}: not isolated, allowed"
    if not d.enforced:
        verdict = "admit" if d.would_allow else "deny"
        word = "from" if d.direction == "ingress" else "to"
        agent = (" (the VPC CNI enforces them only with its network policy agent)"
                 if d.cni == "aws-vpc-cni" else "")
        return (f"{', '.join(d.policies)} select {d.pod} for {d.direction}, but {d.cni} does "
                f"not enforce NetworkPolicy{agent}: nothing is filtered (enforced, they would "
                f"{verdict} {d.flow} {word} {d.peer})")
    if d.from_own_node:
        return (f"{d.flow} from {d.peer}, the node {d.pod} runs on: always allowed "
                "(NetworkPolicy never blocks a pod's own node; kubelet probes need it)")
    if d.itself:
        word = "from" if d.direction == "ingress" else "to"
        return (f"{d.flow} {word} {d.pod} itself: always allowed (a pod cannot block access "
                "to itself)")
    if d.allowed_by is not None:
        return describe_match(d.allowed_by)
    return d.reason or "denied"


