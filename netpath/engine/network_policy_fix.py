"""NetworkPolicy fixes: the smallest change that admits a denied flow, and the DNS warning.

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
    PolicyDirection,
    PolicyIndex,
    first_match,
    peer_matches,
    port_matches,
)
from netpath.engine.network_policy_words import describe_port
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


# --- fixes ----------------------------------------------------------------------------------

@record
class FixPlan:
    """The smallest change that admits a denied flow, as data (tests apply it) and as words.

    kind "add-port": add `ports` to rule `rule` of `policy`; "add-rule": add a rule with `peer`
    and `ports` to `policy`; "new-policy": a new policy in `namespace` selecting `selector`,
    with one rule of `peer` and `ports`. Empty `ports` means every port.
    """

    kind: str
    direction: PolicyDirection
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


def plan_fix(index: PolicyIndex, direction: PolicyDirection, pod: Pod,
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


def suggest_fix(index: PolicyIndex, direction: PolicyDirection, pod: Pod,
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
