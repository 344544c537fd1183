"""NetworkPolicy (networking.k8s.io/v1): which policies select a pod and whether they admit a flow.

Semantics (https://kubernetes.io/docs/concepts/services-networking/network-policies/ and the
NetworkPolicySpec API reference):

- A pod is isolated for ingress (egress) when at least one policy in its namespace selects it and
  has Ingress (Egress) in its *effective* policyTypes (`NetworkPolicy.policy_types`: the model's
  builder already applied the default, "Ingress always, Egress if there are egress rules").
  Rules of a direction the policy's types do not name are ignored.
- An isolated pod admits exactly the union of the rules of every policy selecting it: no order,
  no deny rules. A rule admits a flow when one of its peers matches (no peers: any peer) and one
  of its ports matches (no ports: any port).
- Peers: podSelector alone = those pods in the policy's namespace; namespaceSelector alone = every
  pod of the matching namespaces ({} = all namespaces); both in one peer = AND; ipBlock = the
  CIDR minus its `except` ranges.
- Ports: protocol (tcp by default, set by the builder), a number, a range with endPort, or a
  name, resolved on the *destination* pod's container ports (for ingress the selected pod, for
  egress the peer pod). A packet without a port (icmp) only matches rules without ports.
- Ingress from the IP of the node the pod runs on is always allowed: the API reference says so
  ("OR if the traffic source is the pod's local node"), and kubelet probes depend on it.
- A pod's traffic to itself is always allowed, in both directions, whether to its own IP or
  through a Service that DNATs it back to itself (hairpin): the concept page lists, among the
  peers a pod can talk to, "Other pods that are allowed (exception: a pod cannot block access
  to itself)". `to_itself` is that test.

Choices where Kubernetes leaves it to the implementation (documented in the README too):

- **ipBlock and pod IPs**: an ipBlock matches any address in it, pod IPs included, as Calico, the
  VPC CNI's network policy agent and the upstream e2e tests do. Cilium differs (its CIDR rules
  only match addresses outside the cluster); a decision that relied on it carries a note.
- **hostNetwork pods** are never selected (their own traffic is not filtered) and never matched by
  podSelector/namespaceSelector as peers: their traffic is the node's, which an ipBlock can match.
  That is the behaviour the concept page calls "the most common implementation".

Policies judge the endpoint *after* Service DNAT: callers pass the real pod (the endpoint
kube-proxy chose) and its IP, never a ClusterIP. Replies to an admitted connection are not
judged (connections are stateful).

`build_policy_index` runs once per cluster at `prepare` time; `admits` answers yes/no for the
hot loops (`netpath matrix`) and `network_policy_decision.evaluate` explains one decision.
Both are pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from netpath.model.addr import Address
from netpath.model.kubernetes import (
    NAMESPACE_NAME_LABEL,
    Cluster,
    IpBlock,
    Labels,
    NetpolPeer,
    NetpolPort,
    NetpolRule,
    NetworkPolicy,
    Pod,
)
from netpath.model.paths import SpecPath
from netpath.model.record import record

# Which side of a pod a policy judges (`vocabulary.Direction` is a trace's: forward or return).
PolicyDirection = Literal["ingress", "egress"]
_POLICY_TYPE: dict[str, str] = {"ingress": "Ingress", "egress": "Egress"}
ANY = -1  # a Match's peer or port index when the rule has no peers (ports): it admits any


class PolicyIndex:
    """One cluster's policies, ready to query: by namespace, and (cached) by the pod they select.

    Building it is linear in the policies; each pod's selecting policies are computed on first
    use (only the policies of the pod's own namespace can select it) and then remembered.
    """

    __slots__ = ("_by_namespace", "_selecting", "cluster", "namespace_labels", "node_ips",
                 "pods_by_ip")

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.namespace_labels: dict[str, Labels] = {}
        for name, namespace in cluster.namespaces.items():
            labels = dict(namespace.labels)
            labels.setdefault(NAMESPACE_NAME_LABEL, name)  # Kubernetes always sets it
            self.namespace_labels[name] = labels
        self.node_ips: dict[str, Address] = {n.name: n.ip for n in cluster.nodes.values()}
        self.pods_by_ip: dict[Address, Pod] = {
            p.ip: p for p in cluster.pods.values() if not p.host_network
        }
        grouped: dict[str, list[NetworkPolicy]] = {}
        for policy in cluster.network_policies.values():
            grouped.setdefault(policy.namespace, []).append(policy)
        self._by_namespace = {ns: tuple(sorted(ps, key=lambda p: p.name))
                              for ns, ps in grouped.items()}
        self._selecting: dict[tuple[str, str, str], tuple[NetworkPolicy, ...]] = {}

    @property
    def enforced(self) -> bool:
        return self.cluster.enforces_network_policy

    def policies_in(self, namespace: str) -> tuple[NetworkPolicy, ...]:
        return self._by_namespace.get(namespace, ())

    def labels_of_namespace(self, namespace: str) -> Labels:
        labels = self.namespace_labels.get(namespace)
        if labels is None:  # used but not declared: it exists implicitly, with the automatic label
            labels = self.namespace_labels[namespace] = {NAMESPACE_NAME_LABEL: namespace}
        return labels

    def selecting(self, pod: Pod, direction: PolicyDirection) -> tuple[NetworkPolicy, ...]:
        """The policies that select `pod` and have `direction` in their types, in name order."""
        if pod.host_network:
            return ()
        key = (pod.namespace, pod.name, direction)
        found = self._selecting.get(key)
        if found is None:
            kind = _POLICY_TYPE[direction]
            found = tuple(p for p in self.policies_in(pod.namespace)
                          if kind in p.policy_types and p.pod_selector.matches(pod.labels))
            self._selecting[key] = found
        return found

    def all_policies(self) -> tuple[NetworkPolicy, ...]:
        return tuple(p for ps in self._by_namespace.values() for p in ps)


def build_policy_index(cluster: Cluster) -> PolicyIndex:
    return PolicyIndex(cluster)


@record
class Match:
    """Where a flow was admitted: a policy, the index of its rule, and the indexes of the peer
    and port entries that matched (ANY when the rule has no peers, or no ports)."""

    policy: NetworkPolicy
    direction: PolicyDirection
    rule: int
    peer: int
    port: int

    @property
    def rule_obj(self) -> NetpolRule:
        rules = self.policy.ingress if self.direction == "ingress" else self.policy.egress
        return rules[self.rule]

    @property
    def path(self) -> SpecPath:
        return self.rule_obj.path


def admits(index: PolicyIndex, direction: PolicyDirection, pod: Pod, peer_ip: Address,
           peer_pod: Pod | None, protocol: str, port: int | None) -> bool:
    """Yes or no, without explanations: what `evaluate(...).allowed` says, only faster."""
    if not index.enforced:
        return True
    policies = index.selecting(pod, direction)
    if not policies:
        return True
    if direction == "ingress" and index.node_ips.get(pod.node) == peer_ip:
        return True
    if to_itself(pod, peer_ip, peer_pod):
        return True
    return first_match(index, direction, pod, policies, peer_ip, peer_pod, protocol,
                       port) is not None


def to_itself(pod: Pod, peer_ip: Address, peer_pod: Pod | None) -> bool:
    """The peer is the pod itself (a pod cannot block access to itself). `peer_pod` comes from
    the same cluster as `pod`, where a namespace and a name make one pod."""
    return peer_pod is not None and peer_pod.key == pod.key and peer_ip == pod.ip


def first_match(index: PolicyIndex, direction: PolicyDirection, pod: Pod,
                policies: tuple[NetworkPolicy, ...], peer_ip: Address, peer_pod: Pod | None,
                protocol: str, port: int | None) -> Match | None:
    """The first (policy name, rule, peer, port) that admits the flow, or None."""
    if peer_pod is not None and peer_pod.host_network:
        peer_pod = None  # selectors never match hostNetwork pods: only their (node) IP counts
    named_on = pod if direction == "ingress" else peer_pod
    for policy in policies:
        rules = policy.ingress if direction == "ingress" else policy.egress
        for r, rule in enumerate(rules):
            port_at = _first_port(rule.ports, protocol, port, named_on)
            if port_at is None:
                continue
            peer_at = _first_peer(index, policy, rule.peers, peer_ip, peer_pod)
            if peer_at is not None:
                return Match(policy, direction, r, peer_at, port_at)
    return None


def _first_port(ports: tuple[NetpolPort, ...], protocol: str, port: int | None,
                named_on: Pod | None) -> int | None:
    if not ports:
        return ANY
    for i, entry in enumerate(ports):
        if port_matches(entry, protocol, port, named_on):
            return i
    return None


def port_matches(entry: NetpolPort, protocol: str, port: int | None,
                 named_on: Pod | None) -> bool:
    if entry.protocol != protocol:
        return False
    if entry.port is None:
        return True  # every port of the protocol
    if port is None:
        return False
    if isinstance(entry.port, str):
        return named_on is not None and named_on.port_named(entry.port, protocol) == port
    if entry.end_port is None:
        return port == entry.port
    return entry.port <= port <= entry.end_port


def _first_peer(index: PolicyIndex, policy: NetworkPolicy, peers: tuple[NetpolPeer, ...],
                peer_ip: Address, peer_pod: Pod | None) -> int | None:
    if not peers:
        return ANY
    for i, peer in enumerate(peers):
        if peer_matches(index, policy, peer, peer_ip, peer_pod):
            return i
    return None


def peer_matches(index: PolicyIndex, policy: NetworkPolicy, peer: NetpolPeer,
                 peer_ip: Address, peer_pod: Pod | None) -> bool:
    if peer.ip_block is not None:
        return peer.ip_block.contains(peer_ip)  # pod IPs included: see the module docstring
    if peer_pod is None:
        return False
    if peer.namespace_selector is None:
        if peer_pod.namespace != policy.namespace:
            return False
    elif not peer.namespace_selector.matches(index.labels_of_namespace(peer_pod.namespace)):
        return False
    return peer.pod_selector is None or peer.pod_selector.matches(peer_pod.labels)


def ip_blocks(indexes: Iterable[PolicyIndex]) -> tuple[IpBlock, ...]:
    """Every distinct ipBlock of every policy, in a stable order (for `netpath matrix`)."""
    seen: dict[IpBlock, None] = {}
    for index in indexes:
        for policy in index.all_policies():
            for rule in policy.ingress + policy.egress:
                for peer in rule.peers:
                    if peer.ip_block is not None:
                        seen.setdefault(peer.ip_block, None)
    return tuple(seen)
