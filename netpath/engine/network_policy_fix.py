"""NetworkPolicy in words: decision lines, denial reasons, the smallest fix, and the DNS warning.

Kept apart from `network_policy.py` so that the evaluation stays small and fast; nothing here
runs unless a decision is explained. A fix names the policy to change and the exact peer and
port to add, and always admits the flow it was computed for (the tests check that by applying
it): a podSelector from the peer's own identifying label, with a namespaceSelector on the
automatic `kubernetes.io/metadata.name` label in the same entry when the peer lives in another
namespace (the AND form; separate entries would be an OR).
"""

from __future__ import annotations

from ipaddress import IPv4Network

from netpath.engine.network_policy import (
    ANY,
    Direction,
    Match,
    NetpolDecision,
    PolicyIndex,
    first_match,
    peer_matches,
    port_matches,
)
from netpath.model.addr import Address
from netpath.model.kubernetes import (
    NAMESPACE_NAME_LABEL,
    IpBlock,
    LabelSelector,
    NetpolPeer,
    NetpolPort,
    NetworkPolicy,
    Pod,
)
from netpath.model.record import record

# Labels that name what a pod is, most telling first; the fix selects the peer by one of them.
_IDENTITY_KEYS = ("app.kubernetes.io/name", "app", "k8s-app", "name", "role", "component",
                  "tier")
# Labels controllers add per revision or per replica: selecting by them breaks on the next
# rollout, so a fix never uses them.
_NOISE_KEYS = frozenset({"pod-template-hash", "controller-revision-hash", "pod-template-generation",
                         "statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index"})
_DNS_PORT = 53


# --- names ------------------------------------------------------------------------------------

def peer_name(peer_ip: Address, peer_pod: Pod | None) -> str:
    if peer_pod is None:
        return str(peer_ip)
    host = ", hostNetwork" if peer_pod.host_network else ""
    return f"{peer_pod.key} ({peer_ip}{host})"


def flow_name(protocol: str, port: int | None) -> str:
    return protocol if port is None else f"{protocol}/{port}"


def _selector(selector: LabelSelector) -> str:
    return "" if selector.is_empty else str(selector)


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


# --- decision lines -------------------------------------------------------------------------

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


def denied_reason(direction: Direction, pod: Pod, policies: tuple[NetworkPolicy, ...],
                  flow: str, peer: str) -> str:
    names = ", ".join(p.name for p in policies)
    word = "from" if direction == "ingress" else "to"
    return (f"no {direction} rule of the policies selecting {pod.key} ({names}) admits "
            f"{flow} {word} {peer}")


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
    if d.allowed_by is not None:
        return describe_match(d.allowed_by)
    return d.reason or "denied"


# --- fixes ----------------------------------------------------------------------------------

@record
class FixPlan:
    """The smallest change that admits a denied flow, as data (tests apply it) and as words.

    kind "add-port": add `ports` to rule `rule` of `policy`; "add-rule": add a rule with `peer`
    and `ports` to `policy`; "new-policy": a new policy in `namespace` selecting `selector`,
    with one rule of `peer` and `ports`. Empty `ports` means every port.
    """

    kind: str
    direction: Direction
    policy: str | None
    rule: int | None
    namespace: str
    selector: LabelSelector | None
    peer: NetpolPeer | None
    ports: tuple[NetpolPort, ...]
    text: str


def selector_for(pod: Pod) -> LabelSelector | None:
    """A label selector that picks out `pod`'s kind of pod, or None when it has no labels."""
    for key in _IDENTITY_KEYS:
        if key in pod.labels:
            return LabelSelector(((key, pod.labels[key]),))
    stable = tuple(sorted((k, v) for k, v in pod.labels.items() if k not in _NOISE_KEYS))
    return LabelSelector(stable) if stable else None


def peer_entry(namespace: str, peer_ip: Address, peer_pod: Pod | None) -> tuple[NetpolPeer, str]:
    """The `from`/`to` entry that admits the peer, written from a policy in `namespace`."""
    if peer_pod is None or peer_pod.host_network:
        return _ip_peer(peer_ip), f"ipBlock {peer_ip}/32"
    selector = selector_for(peer_pod)
    if selector is None:
        return _ip_peer(peer_ip), (f"ipBlock {peer_ip}/32 ({peer_pod.key} has no labels to "
                                   "select it by, and pod IPs change: better label it and use "
                                   "a podSelector)")
    if peer_pod.namespace == namespace:
        return NetpolPeer(selector, None, None, ()), f"podSelector {selector}"
    by_name = LabelSelector(((NAMESPACE_NAME_LABEL, peer_pod.namespace),))
    return NetpolPeer(selector, by_name, None, ()), (
        f"namespaceSelector {by_name} and podSelector {selector} (one entry: both selectors "
        "together)")


def _ip_peer(ip: Address) -> NetpolPeer:
    return NetpolPeer(None, None, IpBlock(IPv4Network(f"{ip}/32"), ()), ())


def _ports_to_add(protocol: str, port: int | None) -> tuple[tuple[NetpolPort, ...], str]:
    if port is None:
        return (), "every port (no ports)"
    if port == _DNS_PORT and protocol in ("udp", "tcp"):
        # DNS needs both: TCP carries the answers too large for UDP.
        both = (NetpolPort("udp", _DNS_PORT, None, ()), NetpolPort("tcp", _DNS_PORT, None, ()))
        return both, "udp/53 and tcp/53"
    return (NetpolPort(protocol, port, None, ()),), f"{protocol}/{port}"


def plan_fix(index: PolicyIndex, direction: Direction, pod: Pod,
             policies: tuple[NetworkPolicy, ...], peer_ip: Address, peer_pod: Pod | None,
             protocol: str, port: int | None) -> FixPlan:
    word = "from" if direction == "ingress" else "to"
    named_on = pod if direction == "ingress" else peer_pod
    selector_peer = None if peer_pod is not None and peer_pod.host_network else peer_pod
    ports, adds = _ports_to_add(protocol, port)
    # 1. A rule already admits the peer on other ports: add the port to it (the usual slip).
    for policy in policies if port is not None else ():
        rules = policy.ingress if direction == "ingress" else policy.egress
        for r, rule in enumerate(rules):
            if not rule.ports or any(port_matches(e, protocol, port, named_on)
                                     for e in rule.ports):
                continue
            if not rule.peers or any(peer_matches(index, policy, p, peer_ip, selector_peer)
                                     for p in rule.peers):
                has = ", ".join(describe_port(e) for e in rule.ports)
                text = (f"add {adds} to the ports of {policy.key}'s {direction} rule {r + 1} "
                        f"(it already admits {word} that peer, on {has})")
                return FixPlan("add-port", direction, policy.key, r, policy.namespace, None,
                               None, ports, text)
    # 2. Extend a policy that already holds rules for this direction and selects narrowly;
    # adding to a namespace-wide policy ({} podSelector) would open every pod of the namespace.
    for policy in policies:
        rules = policy.ingress if direction == "ingress" else policy.egress
        if rules and not policy.pod_selector.is_empty:
            peer, spec = peer_entry(policy.namespace, peer_ip, peer_pod)
            text = f"add to {policy.key}'s {direction} a rule {word} {spec} on {adds}"
            return FixPlan("add-rule", direction, policy.key, None, policy.namespace, None,
                           peer, ports, text)
    # 3. Only default-deny or namespace-wide policies select the pod: a new, narrow policy.
    own = selector_for(pod)
    selects = (f"podSelector {own}" if own else
               "podSelector {} (every pod of the namespace: label the pod to narrow it)")
    peer, spec = peer_entry(pod.namespace, peer_ip, peer_pod)
    kind = "Ingress" if direction == "ingress" else "Egress"
    text = (f"add a NetworkPolicy in namespace {pod.namespace} with {selects}, policyTypes "
            f"[{kind}] and an {direction} rule {word} {spec} on {adds}")
    return FixPlan("new-policy", direction, None, None, pod.namespace,
                   own or LabelSelector(), peer, ports, text)


def suggest_fix(index: PolicyIndex, direction: Direction, pod: Pod,
                policies: tuple[NetworkPolicy, ...], peer_ip: Address, peer_pod: Pod | None,
                protocol: str, port: int | None) -> str:
    return plan_fix(index, direction, pod, policies, peer_ip, peer_pod, protocol, port).text


# --- DNS ------------------------------------------------------------------------------------

def dns_server(index: PolicyIndex) -> tuple[Address, Pod | None]:
    """Where a pod's DNS queries land after DNAT: the first pod behind the cluster DNS Service
    (kube-dns / CoreDNS), else the DNS IP itself when the spec models no such pod."""
    cluster = index.cluster
    for service in sorted(cluster.services.values(), key=lambda s: s.key):
        if service.cluster_ip == cluster.dns_ip and service.selector:
            selector = service.selector
            pods = sorted((p for p in cluster.pods.values()
                           if p.namespace == service.namespace and not p.host_network
                           and all(p.labels.get(k) == v for k, v in selector.items())),
                          key=lambda p: p.key)
            if pods:
                return pods[0].ip, pods[0]
    found = sorted((p for p in cluster.pods.values() if p.namespace == "kube-system"
                    and p.labels.get("k8s-app") == "kube-dns" and not p.host_network),
                   key=lambda p: p.key)
    if found:
        return found[0].ip, found[0]
    return cluster.dns_ip, None


def dns_note(index: PolicyIndex, pod: Pod) -> str | None:
    """A warning when `pod` is egress-isolated and its policies do not let it reach the cluster
    DNS on both udp/53 and tcp/53 (None when resolution is fine or policies are not enforced)."""
    policies = index.selecting(pod, "egress")
    if not index.enforced or not policies:
        return None
    ip, server = dns_server(index)
    udp = first_match(index, "egress", pod, policies, ip, server, "udp", _DNS_PORT) is not None
    tcp = first_match(index, "egress", pod, policies, ip, server, "tcp", _DNS_PORT) is not None
    if udp and tcp:
        return None
    names = ", ".join(p.name for p in policies)
    where = f"the cluster DNS ({server.key}, {ip})" if server else f"the cluster DNS ({ip})"
    target = (peer_entry(pod.namespace, ip, server)[1] if server is not None else
              "the DNS pods (not the ClusterIP: policies see the pod after DNAT)")
    if not udp and not tcp:
        return (f"{pod.key}'s egress is isolated by {names} and no rule allows DNS to {where}: "
                f"name resolution breaks (every lookup times out); allow udp/53 and tcp/53 to "
                f"{target}")
    missing, works = ("tcp/53", "udp/53") if udp else ("udp/53", "tcp/53")
    effect = ("answers too large for UDP (truncated, retried over TCP) fail to resolve" if udp
              else "ordinary lookups (UDP) time out")
    return (f"{pod.key}'s egress policies ({names}) allow {works} to {where} but not "
            f"{missing}: {effect}; add {missing} to {target}")
