"""Find-the-fault faults of the Kubernetes layer: a Service's pods relabelled or no longer
ready; for a NetworkPolicy rule that admitted the flow, the pod at its other end relabelled out
of its podSelector, the pod it protects relabelled out of the policy (while a default deny still
isolates it), or the rule deleted; a pod's DNS egress removed.
(`inject` lists them with the VPC ones, and injects them.)"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace

from netpath.drill.faults.record import (
    RELABEL,
    RESTORE,
    UNDO,
    Change,
    Fault,
    not_relabelled,
    relabel_words,
)
from netpath.engine.hops import Trace
from netpath.engine.network import Network
from netpath.engine.network_policy import Match, first_match
from netpath.engine.network_policy_fix import dns_server
from netpath.engine.network_policy_words import describe_peer, describe_port
from netpath.model.kubernetes import Cluster, NetpolRule, NetworkPolicy, Pod
from netpath.model.resources import Model


def kube_faults(network: Network, before: Trace) -> list[Fault]:
    """The Kubernetes faults the trace suggests, in the order `inject.candidates` lists them."""
    return [*_labels(network, before), *_policy_labels(network, before),
            *_policy_selects(network, before), *_endpoints(network, before),
            *_policy_rules(network, before), *_dns(network, before)]


def _set_pods(cluster: str, pods: dict[str, Pod]) -> Change:
    def change(model: Model) -> Model:
        current = model.clusters[cluster]
        updated = replace(current, pods={**current.pods, **pods})
        return replace(model, clusters={**model.clusters, cluster: updated})
    return change


def _served(network: Network, before: Trace) -> list[tuple[Cluster, str, Pod]]:
    """(cluster, Service key, the pod the trace followed) for each Service on the path."""
    found: list[tuple[Cluster, str, Pod]] = []
    hops = before.hops
    for i, hop in enumerate(hops):
        if hop.component != "service":
            continue
        target = next((h for h in hops[i + 1:] if h.component == "pod" and h.action == "deliver"
                       and h.connection == hop.connection), None)
        if target is None:
            continue
        for cluster in network.model.clusters.values():
            if hop.name in cluster.services and target.name in cluster.pods:
                found.append((cluster, hop.name, cluster.pods[target.name]))
                break
    return found


def _the_pods(service: str, pods: Collection[str]) -> str:
    """The pods a fault changed, in a fix: every one of them needs it, not only the pod the
    trace happened to follow."""
    if len(pods) == 1:
        return next(iter(pods))
    return f"the pods of {service} ({', '.join(sorted(pods))})"


def _other_pods(pod: Pod, changed: Collection[str]) -> tuple[str, ...]:
    return tuple(f"pod {k}" for k in sorted(changed) if k != pod.key)


def _labels(network: Network, before: Trace) -> list[Fault]:
    faults: list[Fault] = []
    for cluster, key, pod in _served(network, before):
        service = cluster.services[key]
        if not service.selector:
            continue
        label, value = sorted(service.selector.items())[0]
        selected = {k: p for k, p in cluster.pods.items() if p.namespace == service.namespace
                    and all(p.labels.get(a) == b for a, b in service.selector.items())}
        moved = {k: replace(p, labels={**p.labels, label: f"{value}-v2"})
                 for k, p in selected.items()}
        names = ", ".join(sorted(selected))
        outcome = "no longer selects it" if len(selected) == 1 else "selects none of them"
        faults.append(Fault(
            kind="pod-relabelled", component=f"pod {pod.key}",
            description=(f"changed the label {label}={value} to {label}={value}-v2 on {names}: "
                         f"Service {key} selects {label}={value}, so it {outcome}"),
            fix=(f"label {_the_pods(key, selected)} {label}={value} again (or make {key}'s "
                 f"selector match {'its' if len(selected) == 1 else 'their'} labels)"),
            apply=_set_pods(cluster.name, moved), repair=_set_pods(cluster.name, selected),
            expect=("SERVICE_NO_ENDPOINTS",),
            keywords=relabel_words(label, value),
            related=(f"service {key}",), aliases=_other_pods(pod, selected),
            named_by=(f"service {key}",), named_words=_service_words(label, value),
            at=(f"service {key}",)))
    return faults


@dataclass(frozen=True)
class _Admitted:
    """A NetworkPolicy rule that admitted the flow on the original trace."""

    cluster: Cluster
    direction: str  # ingress | egress
    policy: NetworkPolicy
    match: Match  # the rule (and its peer entry) that admitted it
    pod: Pod  # the pod the policy selects
    peer: Pod | None  # the pod at the other end (None: an address that is no pod)

    @property
    def code(self) -> str:
        return f"NETPOL_{self.direction.upper()}_DENIED"

    def stops(self, *policies: NetworkPolicy) -> tuple[str, ...]:
        """Where a broken trace stops for this direction: the policies still selecting the pod;
        for egress also the pod's name lookup, when the same rule carried its DNS."""
        lookup = (f"network-policy {self.pod.key}",) if self.direction == "egress" else ()
        return (*(f"network-policy {p.key}" for p in policies), *lookup)


def _admitted(network: Network, before: Trace) -> list[_Admitted]:
    found: list[_Admitted] = []
    kube = network.kube
    for hop in before.hops:
        if hop.component != "network-policy" or hop.rule is None or hop.action != "allow":
            continue
        words = hop.rule.text.rsplit(" ", 3)  # "<policy> <direction> rule <n>"
        if len(words) != 4 or words[1] not in ("ingress", "egress"):
            continue
        direction = words[1]
        mine, theirs = ((hop.packet.dst_ip, hop.packet.src_ip) if direction == "ingress"
                        else (hop.packet.src_ip, hop.packet.dst_ip))
        for cluster in network.model.clusters.values():
            pod = kube.pods_by_ip.get((cluster.name, int(mine)))
            peer = kube.pods_by_ip.get((cluster.name, int(theirs)))
            policy = cluster.network_policies.get(words[0])
            if pod is None or policy is None:
                continue
            match = first_match(kube.policy_indexes[cluster.name], direction,  # type: ignore[arg-type]
                                pod, (policy,), theirs, peer, hop.packet.protocol,
                                hop.packet.dst_port)
            if match is not None:
                found.append(_Admitted(cluster, direction, policy, match, pod, peer))
            break
    return found


def _load_balancer_target(network: Network, before: Trace, pod: Pod) -> bool:
    """A pod a load balancer on this path sends to by IP (ip targets). netpath registers
    targets when the spec loads; a relabel would make the AWS Load Balancer Controller
    deregister it (the other replicas keep serving), which a fault on the loaded model cannot
    show, so such pods are not relabelled for such paths."""
    if not any(h.component == "load-balancer" for h in before.hops):
        return False
    address = str(pod.ip)
    return any(t.target == address for group in network.model.target_groups.values()
               for t in group.targets)


def _selector_words(label: str, value: str, topics: tuple[str, ...]) -> tuple[str, ...]:
    """A fix of a relabel seen from what lost the pod: the Service's selector ("echo-ip: fix
    the selector"), the policy's podSelector ("widen the podSelector"), the policy's rule
    ("widen its rule to allow app=web-v2"); said with the new label or the part to change (a
    policy's podSelector and its rule's are different fixes). A rule added back, or the
    selector removed, is none."""
    return (*topics, f"{label}={value}-v2", "+widen", "+edit", "+allow", "+extend", "+change",
            "+fix", "+match", "+update", "+set", *not_relabelled(label, value), *UNDO)


def _service_words(label: str, value: str) -> tuple[str, ...]:
    """A Service's selector made to match, or its pods labelled again ("pods of echo-ip:
    restore label app=echo")."""
    return (*_selector_words(label, value, ("selector", "label", f"{label}={value}")),
            *(w for w in RELABEL if w != "+label"))


def _policy_labels(network: Network, before: Trace) -> list[Fault]:
    """The pod at the other end of a NetworkPolicy rule's podSelector gets another label."""
    faults: list[Fault] = []
    for a in _admitted(network, before):
        if a.peer is None or a.match.peer < 0:
            continue
        selector = a.match.rule_obj.peers[a.match.peer].pod_selector
        if selector is None or not selector.match_labels or \
                _load_balancer_target(network, before, a.peer):
            continue
        key = a.policy.key
        label, value = selector.match_labels[0]
        word = "from" if a.direction == "ingress" else "to"
        faults.append(_policy_relabel(
            a, a.peer, label, value, f"{key} admits {a.direction} {word} pods {label}={value} "
            "only", "rule", (f"network-policy {key}",)))
    return faults


def _policy_relabel(a: _Admitted, pod: Pod, label: str, value: str, why: str, widen: str,
                    at: tuple[str, ...]) -> Fault:
    """`pod` (at either end of the admitting rule) relabelled from label=value to
    label=value-v2; the fix relabels it, or widens the policy's `widen` (rule, podSelector)."""
    key = a.policy.key
    moved = replace(pod, labels={**pod.labels, label: f"{value}-v2"})
    return Fault(
        kind="pod-relabelled", component=f"pod {pod.key}",
        description=f"changed the label {label}={value} to {label}={value}-v2 on {pod.key}: "
                    f"{why}",
        fix=f"label {pod.key} {label}={value} again (or widen {key}'s {widen})",
        apply=_set_pods(a.cluster.name, {pod.key: moved}),
        repair=_set_pods(a.cluster.name, {pod.key: pod}),
        expect=(a.code,), keywords=relabel_words(label, value),
        related=(f"network-policy {key}",), named_by=(f"network-policy {key}",),
        named_words=_selector_words(label, value, (widen.lower(),)), at=at)


def _policy_selects(network: Network, before: Trace) -> list[Fault]:
    """The pod an allowing policy selects gets another label: the policy lets go of it, while
    another (a default deny) still isolates it."""
    faults: list[Fault] = []
    for a in _admitted(network, before):
        if not a.policy.pod_selector.match_labels:
            continue  # a policy for every pod of its namespace: no label lets go of it
        if _load_balancer_target(network, before, a.pod):
            continue
        label, value = a.policy.pod_selector.match_labels[0]
        pod, key = a.pod, a.policy.key
        moved = replace(pod, labels={**pod.labels, label: f"{value}-v2"})
        kind = "Ingress" if a.direction == "ingress" else "Egress"
        still = sorted((p for p in a.cluster.network_policies.values()
                        if p.namespace == pod.namespace and kind in p.policy_types
                        and p.pod_selector.matches(moved.labels)), key=lambda p: p.name)
        if not still:
            continue  # no policy isolates it any more: everything passes
        verb = "isolates" if len(still) == 1 else "isolate"
        faults.append(_policy_relabel(
            a, pod, label, value, f"{key} selects pods {label}={value}, so it no longer admits "
            f"its {a.direction}, and {', '.join(p.key for p in still)} still {verb} it",
            "podSelector", a.stops(*still)))
    return faults


def _policy_rules(network: Network, before: Trace) -> list[Fault]:
    """The rule that admitted the flow is deleted from its policy, which still selects the
    pod: nothing admits the flow any more."""
    faults: list[Fault] = []
    for a in _admitted(network, before):
        policy, direction = a.policy, a.direction
        rules = getattr(policy, direction)
        at = a.match.rule
        rule = rules[at]
        broken = replace(policy, **{direction: rules[:at] + rules[at + 1:]})
        said = rule_words(policy, direction, rule)
        other = "egress" if direction == "ingress" else "ingress"
        faults.append(Fault(
            kind="policy-rule-removed", component=f"network-policy {policy.key}",
            description=f"deleted {policy.key}'s {direction} rule {at + 1} ({said})",
            fix=f"add the {direction} rule '{said}' back to {policy.key}",
            apply=_set_policy(a.cluster.name, broken),
            repair=_set_policy(a.cluster.name, policy),
            expect=(a.code,), keywords=(*_rule_topics(direction, rule), f"!{other}",
                                        *RESTORE, "+allow", "+admit", *UNDO),
            at=a.stops(policy)))
    return faults


def _rule_topics(direction: str, rule: NetpolRule) -> tuple[str, ...]:
    """What a fix of a deleted NetworkPolicy rule is about: the rule or its direction, said
    outright or by "from" (ingress), or the rule's own peers or ports ("allow from app=frontend
    on 8080")."""
    peers = [f"{k}={v}" for peer in rule.peers for selector in
             (peer.pod_selector, peer.namespace_selector) if selector is not None
             for k, v in selector.match_labels]
    peers += [str(peer.ip_block.cidr) for peer in rule.peers if peer.ip_block is not None]
    ports = [str(p.port) for p in rule.ports if p.port is not None]
    return ("rule", direction, *(("from",) if direction == "ingress" else ()), *peers, *ports)


def rule_words(policy: NetworkPolicy, direction: str, rule: NetpolRule) -> str:
    """A NetworkPolicy rule in words: "from pods app=web in namespace shop on tcp/8080"."""
    # " or ", as the setup's rules read: a rule admits any one of its peers.
    peers = " or ".join(describe_peer(policy, p) for p in rule.peers) or "anywhere"
    ports = ", ".join(describe_port(p) for p in rule.ports) or "every port"
    return f"{'from' if direction == 'ingress' else 'to'} {peers} on {ports}"


# A fix of pods that are not ready: what it is about, and what it does ("not ready" is none).
_READY = ("ready", "readiness", "probe", "*restart", "*start", "+make", "+fix", "+restore",
          "+bring", "+get", "+repair", *UNDO)


def _endpoints(network: Network, before: Trace) -> list[Fault]:
    faults: list[Fault] = []
    for cluster, key, pod in _served(network, before):
        service = cluster.services[key]
        if not service.selector:
            continue
        selected = {k: p for k, p in cluster.pods.items() if p.namespace == service.namespace
                    and all(p.labels.get(a) == b for a, b in service.selector.items())}
        stopped = {k: replace(p, ready=False) for k, p in selected.items()}
        names = ", ".join(sorted(selected))
        one = len(selected) == 1
        faults.append(Fault(
            kind="endpoint-stopped", component=f"pod {pod.key}",
            description=(f"stopped the endpoints of Service {key}: {names} "
                         f"{'is' if one else 'are'} not ready (a failing readiness probe)"),
            fix=(f"make {_the_pods(key, selected)} ready again (fix "
                 f"{'its' if one else 'their'} readiness probe, or restart "
                 f"{'it' if one else 'them'})"),
            apply=_set_pods(cluster.name, stopped), repair=_set_pods(cluster.name, selected),
            expect=("SERVICE_NO_ENDPOINTS",), keywords=_READY,
            related=(f"service {key}",), aliases=_other_pods(pod, selected),
            named_by=(f"service {key}",), at=(f"service {key}",)))
    return faults


def _dns(network: Network, before: Trace) -> list[Fault]:
    if not before.hops or before.hops[0].component != "dns":
        return []
    sender = next((h for h in before.hops if h.action == "send"), None)
    if sender is None or sender.component != "pod":
        return []
    for cluster in network.model.clusters.values():
        pod = cluster.pods.get(sender.name)
        if pod is None:
            continue
        index = network.kube.policy_indexes[cluster.name]
        policies = index.selecting(pod, "egress")
        if not policies or not index.enforced:
            return []
        ip, server = dns_server(index)
        match = first_match(index, "egress", pod, policies, ip, server, "udp", 53)
        if match is None:
            return []
        policy = match.policy
        rule = match.rule_obj
        kept = tuple(p for p in rule.ports if p.port != 53 and p.port != "dns")
        if kept:
            egress = tuple(replace(r, ports=kept) if r is rule else r for r in policy.egress)
        else:  # a rule for DNS only: it goes
            egress = tuple(r for r in policy.egress if r is not rule)
        broken = replace(policy, egress=egress)
        return [Fault(
            kind="dns-egress-removed", component=f"network-policy {policy.key}",
            description=(f"removed the DNS allowance (udp/53, tcp/53 to the cluster DNS) from "
                         f"{policy.key}'s egress rule {match.rule + 1}"),
            fix=f"allow udp/53 and tcp/53 to the cluster DNS pods again in {policy.key}'s egress",
            apply=_set_policy(cluster.name, broken), repair=_set_policy(cluster.name, policy),
            expect=("NETPOL_EGRESS_DENIED",),
            keywords=("53", "dns", "kube-dns", "coredns", "+allow", "+open", "+permit",
                      *RESTORE, "!ingress", "!inbound", *UNDO),
            at=(f"network-policy {pod.key}",))]  # the lookup stops, at the asking pod
    return []


def _set_policy(cluster: str, policy: NetworkPolicy) -> Change:
    def change(model: Model) -> Model:
        current = model.clusters[cluster]
        updated = replace(current, network_policies={**current.network_policies,
                                                      policy.key: policy})
        return replace(model, clusters={**model.clusters, cluster: updated})
    return change

