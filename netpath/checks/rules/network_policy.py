"""NetworkPolicy rules: the OR/AND selector slip, selectors that match no namespace, policies
nobody enforces, and namespaces left open.

https://kubernetes.io/docs/concepts/services-networking/network-policies/
"""

from __future__ import annotations

from collections.abc import Iterator

from netpath.checks.lint import Hit, rule
from netpath.checks.rules.context import LintContext, listing, plural
from netpath.model.kubernetes import (
    NAMESPACE_NAME_LABEL,
    Cluster,
    LabelSelector,
    NetpolPeer,
    NetpolRule,
    NetworkPolicy,
)
from netpath.model.vocabulary import Severity

_POLICIES = "https://kubernetes.io/docs/concepts/services-networking/network-policies/"
_SYSTEM_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease")


def _rules(policy: NetworkPolicy) -> Iterator[tuple[str, int, NetpolRule]]:
    for direction, rules in (("ingress", policy.ingress), ("egress", policy.egress)):
        for number, entry in enumerate(rules, 1):
            yield direction, number, entry


def _only_namespaces(peer: NetpolPeer) -> bool:
    return peer.namespace_selector is not None and peer.pod_selector is None and \
        peer.ip_block is None


def _only_pods(peer: NetpolPeer) -> bool:
    return peer.pod_selector is not None and peer.namespace_selector is None and \
        peer.ip_block is None


def _namespaces_matching(cluster: Cluster, selector: LabelSelector) -> list[str]:
    return [name for name, namespace in cluster.namespaces.items()
            if selector.matches({**namespace.labels, NAMESPACE_NAME_LABEL: name})]


@rule("NP001", "network-policy.separate-selectors", Severity.WARNING,
      summary="A `from`/`to` rule with a namespaceSelector and a podSelector in separate "
              "entries (OR), where one entry with both (AND) was likely meant.",
      fix="Put both selectors in one entry (no dash before `podSelector`).",
      source=_POLICIES + "#behavior-of-to-and-from-selectors")
def separate_selectors(ctx: LintContext) -> Iterator[Hit]:
    """In a `from` or `to` list every entry is an alternative: an entry with only a
    namespaceSelector admits *every pod* of the matching namespaces, whatever the podSelector
    of the next entry says. Both selectors in one entry mean "these pods in those
    namespaces". The guide's own allow-frontend-to-backend example has this slip. Reported at
    the namespace-only entry, the one that admits too much.

    Anti-pattern:

        ingress:
          - from:
              - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: production}}
              - podSelector: {matchLabels: {app: frontend}}

    Best practice:

        ingress:
          - from:
              - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: production}}
                podSelector: {matchLabels: {app: frontend}}
    """
    for cluster in ctx.model.clusters.values():
        for policy in cluster.network_policies.values():
            for direction, number, entry in _rules(policy):
                pods = [p for p in entry.peers if _only_pods(p)]
                if not pods:
                    continue
                word = "from" if direction == "ingress" else "to"
                for peer in entry.peers:
                    if not _only_namespaces(peer):
                        continue
                    assert peer.namespace_selector is not None
                    namespaces, wanted = peer.namespace_selector, pods[0].pod_selector
                    matched = _namespaces_matching(cluster, namespaces)
                    chosen = ("every namespace" if namespaces.is_empty else
                              f"namespaces {namespaces}")
                    where = chosen if namespaces.is_empty else \
                        f"{chosen} ({listing(matched) or 'none yet'})"
                    yield Hit(
                        f"NetworkPolicy {policy.key}, {direction} rule {number}: "
                        f"namespaceSelector {namespaces} and podSelector {wanted} are separate "
                        f"`{word}` entries, which are ORed: every pod of {where} is admitted, "
                        f"not only pods {wanted}",
                        f"if you meant pods {wanted} in {chosen}, write both "
                        f"selectors in one `{word}` entry (`podSelector:` under "
                        "`namespaceSelector:`, without a dash of its own)",
                        peer.path)


@rule("NP002", "network-policy.namespace-selector-matches-nothing", Severity.WARNING,
      summary="A namespaceSelector that matches no namespace of the cluster (often the "
              "`name` label, which Kubernetes does not set).",
      fix="Select by `kubernetes.io/metadata.name`, or label the namespace.",
      source="https://kubernetes.io/docs/reference/labels-annotations-taints/"
             "#kubernetes-io-metadata-name")
def namespace_selector_matches_nothing(ctx: LintContext) -> Iterator[Hit]:
    """A peer whose namespaceSelector matches no namespace admits nothing, so the flow it was
    written for is denied. The usual cause is selecting on a label nobody set: Kubernetes
    adds `kubernetes.io/metadata.name` to every namespace, but not `name` (the guide's
    examples assume it). The spec is read as the whole cluster: a namespace it does not declare
    or use does not exist.

    Anti-pattern:

        # namespace production has no labels of its own
        - namespaceSelector: {matchLabels: {name: production}}

    Best practice:

        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: production}}
    """
    for cluster in ctx.model.clusters.values():
        known: dict[LabelSelector, bool] = {}
        for policy in cluster.network_policies.values():
            for direction, number, entry in _rules(policy):
                for peer in entry.peers:
                    selector = peer.namespace_selector
                    if selector is None or selector.is_empty:
                        continue
                    if selector not in known:
                        known[selector] = bool(_namespaces_matching(cluster, selector))
                    if known[selector]:
                        continue
                    name = dict(selector.match_labels).get("name")
                    hint = (" (Kubernetes does not set a `name` label; it sets "
                            f"{NAMESPACE_NAME_LABEL})" if name is not None else "")
                    fix = (f"select {NAMESPACE_NAME_LABEL}: {name}, or label namespace {name} "
                           f"name={name}" if name is not None else
                           f"label the namespaces {selector}, or select by "
                           f"{NAMESPACE_NAME_LABEL}")
                    yield Hit(
                        f"NetworkPolicy {policy.key}, {direction} rule {number}: "
                        f"namespaceSelector {selector} matches no namespace of cluster "
                        f"{cluster.name}{hint}, so this peer admits nothing",
                        fix, (*peer.path, "namespaceSelector"))


_NOT_ENFORCED_FIX = {
    "aws-vpc-cni": "set `network_policy_agent: true` on the cluster (the VPC CNI add-on's "
                   "network policy agent), or run Calico for policy",
    "flannel": "use a CNI that enforces NetworkPolicy (Calico, Cilium), or Calico for policy "
               "beside flannel (Canal)",
}


@rule("NP003", "network-policy.not-enforced", Severity.WARNING,
      summary="NetworkPolicies in a cluster whose CNI does not enforce them.",
      fix="Enable the VPC CNI's network policy agent, or use Calico or Cilium.",
      source="https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy.html")
def not_enforced(ctx: LintContext) -> Iterator[Hit]:
    """NetworkPolicy is only an API object: the CNI plugin enforces it, or nothing does.
    Flannel never enforces it; the AWS VPC CNI only with its network policy agent enabled.
    The policies then look like protection and filter nothing.

    Anti-pattern:

        clusters:
          eks-prod: {vpc: prod, cni: aws-vpc-cni}   # and NetworkPolicies in its manifests

    Best practice:

        clusters:
          eks-prod: {vpc: prod, cni: aws-vpc-cni, network_policy_agent: true}
    """
    for cluster in ctx.model.clusters.values():
        if not cluster.network_policies or cluster.enforces_network_policy:
            continue
        keys = list(cluster.network_policies)
        how = (" without its network policy agent" if cluster.cni == "aws-vpc-cni" else
               " (enforcement switched off)" if cluster.cni in ("calico", "cilium") else "")
        fix = _NOT_ENFORCED_FIX.get(cluster.cni, "remove `enforce_network_policy: false`")
        yield Hit(f"cluster {cluster.name} runs {cluster.cni}{how}, which does not enforce "
                  f"NetworkPolicy: its {plural(len(keys), 'policy', 'policies')} "
                  f"({listing(keys)}) {'filters' if len(keys) == 1 else 'filter'} nothing", fix,
                  cluster.path)


@rule("NP004", "network-policy.no-default-deny", Severity.INFO,
      summary="A namespace with pods and no default-deny NetworkPolicy.",
      fix="Add a policy with `podSelector: {}` and `policyTypes: [Ingress]`, then allow "
          "each flow.",
      source=_POLICIES + "#default-deny-all-ingress-traffic")
def no_default_deny(ctx: LintContext) -> Iterator[Hit]:
    """A pod that no policy selects accepts traffic from every pod of the cluster. A
    default-deny policy (every pod of the namespace, Ingress, no rules that admit everything)
    makes each allowed flow an explicit rule. System namespaces (kube-system, kube-public,
    kube-node-lease) are left out: CoreDNS and the add-ons must stay reachable. Only pods on
    the pod network count (hostNetwork pods are never selected).

    Anti-pattern:

        # namespace shop: pods, and only policies that select some of them

    Best practice:

        kind: NetworkPolicy
        metadata: {name: default-deny, namespace: shop}
        spec: {podSelector: {}, policyTypes: [Ingress]}
    """
    for cluster in ctx.model.clusters.values():
        index = ctx.network.kube.policy_indexes.get(cluster.name)
        pods: dict[str, int] = {}
        for pod in cluster.pods.values():
            if not pod.host_network:
                pods[pod.namespace] = pods.get(pod.namespace, 0) + 1
        for name, namespace in cluster.namespaces.items():
            if name in _SYSTEM_NAMESPACES or not pods.get(name):
                continue
            policies = index.policies_in(name) if index is not None else ()
            if any(_denies_by_default(p) for p in policies):
                continue
            yield Hit(f"namespace {name} of cluster {cluster.name} has "
                      f"{plural(pods[name], 'pod')} and no default-deny NetworkPolicy: a pod "
                      "no policy selects accepts traffic from every pod",
                      f"add a NetworkPolicy in {name} with `podSelector: {{}}` and "
                      "`policyTypes: [Ingress]`, then allow each flow explicitly",
                      namespace.path)


def _denies_by_default(policy: NetworkPolicy) -> bool:
    """Selects every pod for ingress and has no rule admitting everything (`ingress: [{}]`)."""
    return policy.pod_selector.is_empty and "Ingress" in policy.policy_types and not any(
        not entry.peers and not entry.ports for entry in policy.ingress)
