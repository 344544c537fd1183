"""An egress default-deny that also blocks DNS to the cluster DNS.

The same judgement as the trace's warning (`netpath.engine.network_policy_fix.dns_note`): a pod
isolated for egress resolves names only if its policies admit udp/53 and tcp/53 to where its
queries land after DNAT (a CoreDNS pod behind the DNS Service, else the DNS IP). Here the DNS
server is found once per cluster and pods are grouped by the egress policies that select them:
for egress, what those policies admit depends only on the policies and the destination, not on
the selected pod, so each group is judged once.
"""

from __future__ import annotations

from collections.abc import Iterator

from netpath.checks.lint import Hit, rule
from netpath.checks.rules.context import LintContext, listing, plural
from netpath.engine.network_policy import ANY, Match, PolicyIndex, first_match
from netpath.engine.network_policy_fix import dns_server, peer_entry
from netpath.model.kubernetes import NetworkPolicy, Pod
from netpath.model.paths import SpecPath
from netpath.model.record import record
from netpath.model.vocabulary import Severity

_SOURCE = ("https://kubernetes.io/docs/concepts/services-networking/network-policies/"
           "#default-deny-all-egress-traffic")
_DNS_PORT = 53


@record
class _DnsGap:
    policies: tuple[NetworkPolicy, ...]
    pods: tuple[Pod, ...]
    udp: Match | None  # where udp/53 to the cluster DNS is admitted
    tcp: Match | None
    server: str  # "the cluster DNS (kube-system/coredns-0, 10.0.11.12)"
    target: str  # the peer to allow, in words


def _gaps(ctx: LintContext) -> list[_DnsGap]:
    """Both rules read the same judgement: made once per run."""
    return ctx.memo("dns-gaps", lambda: list(_find_gaps(ctx)))


def _find_gaps(ctx: LintContext) -> Iterator[_DnsGap]:
    """One gap per (cluster, set of egress policies) that leaves udp/53 or tcp/53 closed."""
    for cluster in ctx.model.clusters.values():
        index = ctx.network.kube.policy_indexes.get(cluster.name)
        if index is None or not index.enforced or not cluster.network_policies:
            continue
        groups: dict[tuple[str, ...], list[Pod]] = {}
        selecting: dict[tuple[str, ...], tuple[NetworkPolicy, ...]] = {}
        for pod in cluster.pods.values():
            if pod.implicit:
                continue  # netpath's stand-in CoreDNS: no file of the user's to fix
            policies = index.selecting(pod, "egress")
            if policies:
                key = tuple(p.key for p in policies)
                groups.setdefault(key, []).append(pod)
                selecting[key] = policies
        if not groups:
            continue
        yield from _judge(index, groups, selecting)


def _judge(index: PolicyIndex, groups: dict[tuple[str, ...], list[Pod]],
           selecting: dict[tuple[str, ...], tuple[NetworkPolicy, ...]]) -> Iterator[_DnsGap]:
    ip, server = dns_server(index)
    where = (f"the cluster DNS ({server.key}, {ip})" if server is not None else
             f"the cluster DNS ({ip})")
    for key, pods in groups.items():
        policies = selecting[key]
        first = pods[0]  # for egress the selected pod does not change what the rules admit
        udp = first_match(index, "egress", first, policies, ip, server, "udp", _DNS_PORT)
        tcp = first_match(index, "egress", first, policies, ip, server, "tcp", _DNS_PORT)
        if udp is not None and tcp is not None:
            continue
        target = (peer_entry(first.namespace, ip, server)[1] if server is not None else
                  "the DNS pods (not the ClusterIP: policies see the pod after DNAT)")
        yield _DnsGap(policies, tuple(pods), udp, tcp, where, target)


def _cause(gap: _DnsGap) -> tuple[NetworkPolicy, SpecPath]:
    """The policy to point at: a default-deny among them (no egress rules) first, and in it
    the key that isolates the pods for egress (`egress`, else `policyTypes`)."""
    policy = next((p for p in gap.policies if not p.egress), gap.policies[0])
    key = "egress" if policy.egress else "policyTypes"
    return policy, (*policy.path, "spec", key)


def _who(gap: _DnsGap) -> str:
    names = [p.key for p in gap.pods]
    verb = "is" if len(names) == 1 else "are"
    return f"{plural(len(names), 'pod')} ({listing(names)}) {verb}"


@rule("NP005", "network-policy.egress-blocks-dns", Severity.ERROR,
      summary="Pods isolated for egress whose policies do not allow udp/53 to the cluster DNS.",
      fix="Allow udp/53 and tcp/53 to the CoreDNS pods (kube-system, k8s-app=kube-dns).",
      source=_SOURCE)
def egress_blocks_dns(ctx: LintContext) -> Iterator[Hit]:
    """An egress default-deny blocks everything not allowed, DNS included: every name lookup
    of the selected pods times out, so they fail to reach even the Services their policies
    allow. Policies judge the packet after the Service's DNAT, so the rule must admit the
    CoreDNS pods (or an ipBlock holding them), not the DNS Service's ClusterIP. Reported at
    the policy that isolates the pods (a default-deny, when one selects them).

    Anti-pattern:

        kind: NetworkPolicy
        spec: {podSelector: {}, policyTypes: [Egress]}   # and nothing allows DNS

    Best practice:

        kind: NetworkPolicy
        spec:
          podSelector: {}
          policyTypes: [Egress]
          egress:
            - to:
                - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
                  podSelector: {matchLabels: {k8s-app: kube-dns}}
              ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
    """
    for gap in _gaps(ctx):
        if gap.udp is not None:
            continue
        policy, path = _cause(gap)
        names = ", ".join(p.key for p in gap.policies)
        effect = ("every lookup times out" if gap.tcp is None else
                  "ordinary lookups (UDP) time out; only tcp/53 is allowed")
        yield Hit(f"{_who(gap)} isolated for egress (policies {names}) and none of their "
                  f"rules allows udp/53 to {gap.server}: {effect}",
                  f"add to {policy.key} (or a new policy selecting these pods) an egress rule "
                  f"to {gap.target} on udp/53 and tcp/53", path)


@rule("NP006", "network-policy.egress-blocks-dns-tcp", Severity.WARNING,
      summary="Egress policies that allow DNS over UDP but not over TCP.",
      fix="Allow tcp/53 beside udp/53 to the CoreDNS pods.",
      source=_SOURCE)
def egress_blocks_dns_tcp(ctx: LintContext) -> Iterator[Hit]:
    """DNS falls back to TCP when an answer is too large for UDP (the server sets the
    truncated flag): with only udp/53 allowed, those lookups fail, which shows up as rare,
    name-dependent resolution errors.

    Anti-pattern:

        egress:
          - to: [{namespaceSelector: {}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
            ports: [{protocol: UDP, port: 53}]

    Best practice:

        egress:
          - to: [{namespaceSelector: {}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
            ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
    """
    for gap in _gaps(ctx):
        udp = gap.udp
        if udp is None or gap.tcp is not None:
            continue
        names = ", ".join(p.key for p in gap.policies)
        # Where udp/53 is allowed: tcp/53 belongs beside it, in the rule's `ports`.
        path = (*udp.path, "ports") if udp.port != ANY else udp.path
        yield Hit(f"{_who(gap)} isolated for egress (policies {names}) and their rules "
                  f"allow udp/53 to {gap.server} but not tcp/53: answers too large for UDP "
                  "fail to resolve",
                  f"add {{protocol: TCP, port: 53}} to the ports of {udp.policy.key}'s egress "
                  f"rule {udp.rule + 1}, which allows udp/53", path)
