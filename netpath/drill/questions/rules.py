"""Which rule decides: the route, the NACL rule, the security group rule, the NetworkPolicy
rule. (Whether a query is reachable at all is `reachable`.)

Exactly one correct answer: a security group or NetworkPolicy question is asked only when one
rule alone admits the flow (both are unions: a second matching rule would be right too), and a
route question only when no two routes tie (and the table has more than one route to choose
from). The setup shows the rules in question (the route table, the NACL's list, the rules of the
groups on the interface, of the policies selecting the pod): at difficulty 3 the learner types
the rule. Security group and NetworkPolicy distractors are the other rules of that setup (other
ports, other sources), never a rule of the other direction nor of a group or policy that does not
apply: a multiple choice needs two of them, free text one (a rule alone in the setup would answer
itself), else the question is not asked. Toward a multiple choice's two also count a "none: ..."
lure (a false belief about the default), and for a NetworkPolicy the same-direction rules of the
other policies of the pod's namespace, whose setup lines say "(does not select <pod>)": wrong
because of that, however well they match the packet (the choice itself carries no label, which
would give the answer away).
"""

from __future__ import annotations

import re
from dataclasses import replace
from random import Random

from netpath.drill.model import Question
from netpath.drill.questions.common import (
    Scenario,
    excerpt,
    lessons,
    options,
    query_words,
    question,
    setup_text,
    subject_topic,
)
from netpath.drill.questions.setup import (
    IMPLICIT_DENY,
    nacl_line,
    policy_lines,
    policy_rule_words,
    security_group_lines,
)
from netpath.engine.hops import Hop, Trace
from netpath.engine.nacls import rule_matches
from netpath.engine.network_policy import first_match
from netpath.engine.security_groups import evaluate_security_groups
from netpath.model.addr import Address
from netpath.model.kubernetes import NetpolRule, NetworkPolicy, Pod
from netpath.model.resources import Eni, SecurityGroup, SgRule

# Same-direction rules that do not match, besides the answer: a multiple choice needs two (lures
# counted), free text one of the setup's own rules (a lone rule would answer itself).
MIN_RULE_DISTRACTORS = {1: 2, 2: 2, 3: 1}
SG_LURE = "none: a security group allows whatever no rule of it denies"


def deciding_rule(s: Scenario, trace: Trace | None, rng: Random, difficulty: int
                  ) -> Question | None:
    if trace is None:
        return None
    makers = {"route-table": _route, "network-acl": _nacl, "security-group": _security_group,
              "network-policy": _policy}
    found: dict[str, list[Hop]] = {}
    for hop in trace.hops:
        if hop.rule is not None and hop.component in makers:
            found.setdefault(hop.component, []).append(hop)
    for hop in trace.return_path:  # routes decide the way back too
        if hop.rule is not None and hop.component == "route-table":
            found.setdefault(hop.component, []).append(hop)
    kinds = sorted(found)
    rng.shuffle(kinds)
    for kind in kinds:
        hops = found[kind]
        rng.shuffle(hops)
        for hop in hops[:3]:
            made = makers[kind](s, trace, hop, rng, difficulty)
            if made is not None:
                return made
    return None


def _ask(s: Scenario, trace: Trace, hop: Hop, prompt: str, difficulty: int,
         choices: tuple[str, ...], answer: str, accepted: list[str], why: str,
         topic: str | None = None, shown: tuple[str, ...] = ()) -> Question:
    """The question; `shown`: setup lines the question needs (the rules it is about)."""
    return question(
        s, kind="deciding-rule",
        topic=topic or subject_topic(s, trace, (hop.component,)), difficulty=difficulty,
        setup=setup_text(s, f"Request: {query_words(trace, s)}", *shown),
        prompt=f"{query_words(trace, s)}: {prompt}", choices=choices, answer=answer,
        accepted=accepted, explanation=f"{why} {lessons((hop,))}".strip(), lines=excerpt((hop,)),
    )


# --- routes ------------------------------------------------------------------------------------


def _route(s: Scenario, trace: Trace, hop: Hop, rng: Random, difficulty: int) -> Question | None:
    table = s.model.route_tables.get(hop.name)
    if table is None or hop.rule is None or hop.choice is not None:  # a tie: AWS picks one
        return None
    if len(table.routes) < 2:
        return None  # the only route shown decides: nothing to ask
    answer = hop.rule.text
    matched = [c.text for c in hop.candidates]
    written = [str(r) for r in table.routes if r.origin != "local"]
    first = written[:1]  # the guide's "routes are evaluated in order": the first one written
    others = [str(r) for r in table.routes]
    # Never another table's routes: the setup lists this table's, so they would be wrong at a
    # glance; with too few of its own, the "dropped" lure is third (false: a route decides).
    lure = f"none: no route of {table.name} matches {hop.packet.dst_ip}, so it is dropped"
    choices = options(rng, answer, [matched + first, others, [lure]], difficulty)
    if choices is None:
        return None
    route = next((r for r in table.routes if str(r) == answer), None)
    accepted = []
    if route is not None and sum(1 for r in table.routes if r.target == route.target) == 1:
        accepted.append(route.target)
    if route is not None and route.destination is not None:
        accepted.append(str(route.destination))
    what = "the reply" if hop in trace.return_path else "the packet"
    length = f"/{route.destination.prefixlen}" if route and route.destination else ""
    why = (f"Longest prefix match: {answer} is the most specific route of {table.name} that "
           f"matches {hop.packet.dst_ip}{f' ({length})' if length else ''}")
    why += (f"; the less specific {', '.join(matched)} also matched and lost, whatever the "
            "order the routes are written in." if matched else "; no other route matches.")
    routes = ", ".join(str(r) for r in table.routes)
    return _ask(s, trace, hop, f"{what} to {hop.packet.dst_ip} is routed by {table.name}. "
                "Which route decides where it goes?", difficulty, choices, answer, accepted,
                why, shown=(f"Route table {table.name} (routes as written): {routes}",))


# --- network ACLs ------------------------------------------------------------------------------


def _nacl(s: Scenario, trace: Trace, hop: Hop, rng: Random, difficulty: int) -> Question | None:
    acl = s.model.network_acls.get(hop.name)
    if acl is None or acl.implicit or hop.rule is None or hop.rule.path is None:
        return None
    inbound = any(r.path == hop.rule.path for r in acl.inbound)
    rules = acl.inbound if inbound else acl.outbound
    if len(rules) < 2:
        return None  # the setup shows the list: its only rule (or the implicit deny) decides
    other = acl.outbound if inbound else acl.inbound
    packet = hop.packet
    peer = packet.src_ip if inbound else packet.dst_ip
    answer = hop.rule.text
    direction = "inbound" if inbound else "outbound"
    matching = [str(r) for r in rules if rule_matches(r, packet.protocol, peer, packet.dst_port)]
    # The other list's rules last, and labelled ("#200" may be a rule of both lists); never
    # one that reads like a rule of this list (the same rule written in both).
    reverse = "outbound" if inbound else "inbound"
    mine = {str(r) for r in rules}
    theirs = [f"{reverse} {r}" for r in other if str(r) not in mine]
    choices = options(rng, answer, [matching + [IMPLICIT_DENY], sorted(mine), theirs],
                      difficulty)
    if choices is None:
        return None
    number = hop.rule.id or ""
    shared = any(_nacl_number(c) == number for c in choices if c != answer)
    accepted = [] if shared else [number, f"#{number}", f"rule {number}"]
    service = packet.service
    word = "from" if inbound else "to"
    why = (f"NACL rules are checked from the lowest number up and the first match decides: "
           f"{answer} is the first {direction} rule of {acl.name} that matches {service} "
           f"{word} {peer}.")
    crossing = hop.crossing
    subnet = "" if crossing is None else \
        f" {'entering' if crossing.direction == 'inbound' else 'leaving'} {crossing.at}"
    return _ask(s, trace, hop, f"{acl.name} judges {direction} {service} {word} {peer}"
                f"{subnet}. Which rule decides?", difficulty, choices, answer, accepted, why,
                shown=(nacl_line(acl, inbound),))


def _nacl_number(choice: str) -> str | None:
    """The rule number a NACL choice shows (`#200 allow ...`, `outbound #200 allow ...`)."""
    found = re.match(r"(?:(?:in|out)bound )?#(\d+) ", choice)
    return found.group(1) if found else None


# --- security groups ---------------------------------------------------------------------------


def _security_group(s: Scenario, trace: Trace, hop: Hop, rng: Random, difficulty: int
                    ) -> Question | None:
    group = s.model.security_groups.get(hop.name)
    if group is None or hop.rule is None or hop.rule.path is None or hop.action != "allow":
        return None
    ingress = any(r.path == hop.rule.path and str(r) == hop.rule.text for r in group.ingress)
    packet = hop.packet
    address = packet.dst_ip if ingress else packet.src_ip
    eni = s.network.eni_at(group.vpc, address)
    if eni is None:
        return None
    direction = "ingress" if ingress else "egress"
    peer = packet.src_ip if ingress else packet.dst_ip
    groups = [s.model.security_groups[g] for g in eni.security_groups]
    own = [(g, r) for g in groups for r in (g.ingress if ingress else g.egress)]
    if sum(1 for g, r in own if _sg_admits(s, eni, g, r, direction, peer, hop)) != 1:
        return None  # a union: a second matching rule would be a second right answer
    answer = f"{group.name}: {hop.rule.text}"
    # The other rules of this direction on the interface (none admits: see above). A rule of
    # the other direction ("to" for "from") or of a group the prompt says is not on the
    # interface is wrong at a glance: never offered.
    same = [c for c in dict.fromkeys(f"{g.name}: {r}" for g, r in own) if c != answer]
    choices = _rule_choices(rng, answer, same, [SG_LURE] if same else [], difficulty)
    if choices is None:
        return None
    owner = s.network.display_name(eni)
    service = packet.service
    word = "receives" if ingress else "sends"
    prep = "from" if ingress else "to"
    way = "inbound" if ingress else "outbound"
    why = (f"Of the {way} rules of {', '.join(eni.security_groups)} on {owner}, only the "
           f"{way} rule '{hop.rule.text}' of {group.name} matches {service} {prep} {peer}. "
           "Security groups allow only; the reply passes by connection tracking.")
    return _ask(s, trace, hop, f"{owner} (security groups: {', '.join(eni.security_groups)}) "
                f"{word} {service} {prep} {peer}. Which rule allows it?", difficulty, choices,
                answer, [hop.rule.text], why, shown=tuple(security_group_lines(groups, ingress)))


def _rule_choices(rng: Random, answer: str, rules: list[str], lures: list[str],
                  difficulty: int) -> tuple[str, ...] | None:
    """Choices among the question's own rules (`lures` after them), or None when there are
    fewer than MIN_RULE_DISTRACTORS of them (lures counted for a multiple choice, not for free
    text: the setup would show the answer alone): the answer would stand out."""
    counted = len(rules) + (len(lures) if difficulty < 3 else 0)
    if counted < MIN_RULE_DISTRACTORS.get(difficulty, 1):
        return None
    return options(rng, answer, [rules, lures], difficulty)


def _sg_admits(s: Scenario, eni: Eni, group: SecurityGroup, rule: SgRule, direction: str,
               peer: Address, hop: Hop) -> bool:
    """Whether `rule` alone (in a group of its own) admits the hop's packet."""
    alone = replace(group, ingress=(rule,) if direction == "ingress" else (),
                    egress=(rule,) if direction == "egress" else ())
    groups = dict(s.network.model.security_groups)
    groups[group.name] = alone
    network = replace(s.network, model=replace(s.network.model, security_groups=groups))
    lone = replace(eni, security_groups=(group.name,))
    return evaluate_security_groups(network, lone, direction, hop.packet.protocol,
                                    peer, hop.packet.dst_port).allowed


# --- NetworkPolicy -----------------------------------------------------------------------------


def _policy(s: Scenario, trace: Trace, hop: Hop, rng: Random, difficulty: int) -> Question | None:
    if hop.rule is None or hop.action != "allow":
        return None
    words = hop.rule.text.rsplit(" ", 3)  # "ns/name ingress rule 1"
    if len(words) != 4 or words[1] not in ("ingress", "egress"):
        return None
    direction = words[1]
    ingress = direction == "ingress"
    found = _judged(s, hop, ingress)
    if found is None:
        return None
    cluster_name, pod, peer_pod = found
    index = s.network.kube.policy_indexes[cluster_name]
    packet = hop.packet
    peer_ip = packet.src_ip if ingress else packet.dst_ip
    selecting = index.selecting(pod, "ingress" if ingress else "egress")

    def admits(policy: NetworkPolicy, rule: NetpolRule) -> bool:
        alone = replace(policy, ingress=(rule,)) if ingress else replace(policy, egress=(rule,))
        return first_match(index, "ingress" if ingress else "egress", pod, (alone,), peer_ip,
                           peer_pod, packet.protocol, packet.dst_port) is not None

    rules = [(p, i, r) for p in selecting for i, r in enumerate(getattr(p, direction))]
    right = [(p, i) for p, i, r in rules if admits(p, r)]
    if len(right) != 1 or f"{right[0][0].key} {direction} rule {right[0][1] + 1}" != \
            hop.rule.text:
        return None
    policy, number = right[0]
    answer = _rule_words(policy, direction, number)
    # The other rules of this direction of the policies selecting the pod (none admits: see
    # above), never a rule of the other direction; rules of a policy that does not select the
    # pod, labelled so in the setup only: labelled in the choice too, they would leave the
    # answer the one unlabelled rule (a giveaway).
    same = [_rule_words(p, direction, i) for p, i, _ in rules if (p, i) != (policy, number)]
    lure = [f"none: no policy isolates {pod.key} for {direction}, so everything is allowed"]
    label = f" (does not select {pod.key})"
    kind = "Ingress" if ingress else "Egress"
    others = {_rule_words(p, direction, i): p for p in index.policies_in(pod.namespace)
              if p not in selecting and kind in p.policy_types
              for i in range(len(getattr(p, direction)))}
    choices = _rule_choices(rng, answer, same, lure + list(others), difficulty)
    if choices is None:
        return None
    shown = [*policy_lines(selecting, direction, f" (selects {pod.key})"),
             *policy_lines(dict.fromkeys(others[c] for c in choices if c in others),
                           direction, label)]
    service = packet.service
    prep = "from" if ingress else "to"
    peer = peer_pod.key if peer_pod is not None else str(peer_ip)
    verb = "selects" if len(selecting) == 1 else "select"
    why = (f"{', '.join(p.key for p in selecting)} {verb} {pod.key} for {direction}, so it is "
           f"isolated: only a rule of theirs can admit {service} {prep} {peer}, and only "
           f"{answer.split(':')[0]} does. Allowed traffic is the union of the rules; there is "
           "no order and no deny rule.")
    return _ask(s, trace, hop, f"the NetworkPolicies of {pod.key} judge {direction} {service} "
                f"{prep} {peer}. Which rule admits it?", difficulty,
                choices, answer, _policy_spellings(policy, direction, number), why,
                topic="kubernetes", shown=tuple(shown))


def _policy_spellings(policy: NetworkPolicy, direction: str, index: int) -> list[str]:
    """`ns/name ingress rule 1`, `name ingress rule 1`, and the policy alone when that is its
    only rule."""
    found = [f"{name} {direction} rule {index + 1}" for name in (policy.key, policy.name)]
    if len(policy.ingress) + len(policy.egress) == 1:
        found += [policy.key, policy.name]
    return found


def _rule_words(policy: NetworkPolicy, direction: str, index: int, label: str = "") -> str:
    """`ns/name ingress rule 1: from ... on ...`, as the setup's policy lines number it."""
    words = policy_rule_words(policy, direction, index)
    return f"{policy.key} {direction} rule {index + 1}{label}: {words}"


def _judged(s: Scenario, hop: Hop, ingress: bool) -> tuple[str, Pod, Pod | None] | None:
    """(cluster, the pod whose policies judge, the pod at the other end or None)."""
    kube = s.network.kube
    packet = hop.packet
    mine, theirs = (packet.dst_ip, packet.src_ip) if ingress else (packet.src_ip, packet.dst_ip)
    for cluster in s.model.clusters:
        pod = kube.pods_by_ip.get((cluster, int(mine)))
        if pod is not None:
            return cluster, pod, kube.pods_by_ip.get((cluster, int(theirs)))
    return None
