"""NetworkPolicy at the two ends of a pod's connection, as hops of the trace.

The decisions themselves come from `network_policy.evaluate`; this module turns them into hops
(or a block), says when a CNI leaves the policies unenforced, and lets replies pass (policies
are stateful). A cluster without any NetworkPolicy gets no hop at all: there is nothing to say.
"""

from __future__ import annotations

from netpath.engine.hops import Crossing, Packet, RuleRef
from netpath.engine.network_policy import PolicyIndex
from netpath.engine.network_policy_decision import NetpolDecision, evaluate
from netpath.engine.walk.position import Walk, dnat_key
from netpath.model.kubernetes import Cluster, Pod
from netpath.model.vocabulary import Action, Component


def _index(w: Walk, cluster: Cluster) -> PolicyIndex | None:
    if not cluster.network_policies:
        return None
    return w.net.kube.policy_indexes[cluster.name]


def egress_allowed(w: Walk, cluster: Cluster, pod: Pod, packet: Packet,
                   destination: Pod | None) -> bool:
    index = _index(w, cluster)
    if index is None:
        return True
    decision = evaluate(index, "egress", pod, packet.dst_ip, destination, packet.protocol,
                        packet.dst_port)
    return _record(w, decision, packet, _after_dnat(w, decision, packet))


def ingress_allowed(w: Walk, cluster: Cluster, pod: Pod, packet: Packet,
                    source: Pod | None) -> bool:
    index = _index(w, cluster)
    if index is None:
        return True
    decision = evaluate(index, "ingress", pod, packet.src_ip, source, packet.protocol,
                        packet.dst_port)
    return _record(w, decision, packet, _after_dnat(w, decision, packet))


def _after_dnat(w: Walk, decision: NetpolDecision, packet: Packet) -> str | None:
    """The lesson, once, when the packet reached isolating policies through a ClusterIP and it
    matters: the port changed, or the policies deny."""
    session = w.ctx.sessions.get(dnat_key(packet))
    if session is None or not decision.isolated:
        return None
    original = session.original
    if original.dst_port == packet.dst_port and decision.allowed:
        return None
    return w.note_once("netpol-after-dnat", "NetworkPolicy judges the endpoint after DNAT: "
                       f"{packet.service} to {packet.dst_ip}, not "
                       f"{original.service} to the ClusterIP "
                       f"{original.dst_ip}")


def reply_passes(w: Walk, cluster: Cluster, pod: Pod, packet: Packet) -> bool:
    if _index(w, cluster) is None:
        return True
    note = w.note_once("netpol-stateful", "NetworkPolicy is stateful: the reply to an allowed "
                       "connection passes whatever the policies say")
    w.hop(Component.NETWORK_POLICY, pod.key, Action.ALLOW,
          f"the reply leaves {pod.key} (connection tracking)", packet, note=note,
          crossing=Crossing("egress", pod.key))
    return True


def _record(w: Walk, decision: NetpolDecision, packet: Packet,
            lesson: str | None = None) -> bool:
    name = ", ".join(decision.policies) or decision.pod
    crossing = Crossing(decision.direction, decision.pod)
    rule = None
    if decision.allowed_by is not None:
        match = decision.allowed_by
        rule = RuleRef(f"{match.policy.key} {decision.direction} rule {match.rule + 1}",
                       match.path, f"{match.policy.key}#{match.rule + 1}")
    notes = list(decision.notes)
    if lesson is not None:
        notes.append(lesson)
    if decision.itself:
        itself = w.note_once("netpol-itself", "a pod cannot block access to itself (Kubernetes' "
                             "NetworkPolicy concept page): its policies judge other peers only")
        if itself is not None:
            notes.append(itself)
    if not decision.enforced and decision.policies:
        notes.append(f"{decision.cni} does not enforce NetworkPolicy here: the policies exist "
                     "but nothing applies them")
    note = "; ".join(notes) or None
    if decision.allowed:
        w.hop(Component.NETWORK_POLICY, name, Action.ALLOW, decision.line, packet, rule=rule,
              note=note, crossing=crossing)
        return True
    code = decision.code
    assert code is not None  # a decision that does not allow has its code
    reason = decision.reason or decision.line
    if decision.direction == "egress" and packet.dst_port == 53:
        reason += ": name resolution breaks"
    w.block(code, Component.NETWORK_POLICY, name, reason, decision.fix or "", packet, note=note,
            crossing=crossing)
    return False
