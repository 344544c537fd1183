"""Follow the packet: the next hop, the order of the hops, and the source the destination sees.

All three read a reachable trace's request (the forward hops). A component that occurs twice
apart on the path (a load balancer's security group on both of its connections, a NACL shared
by the subnets) is never the subject of "the packet has left X", nor an item to order: where
it is would be ambiguous.
"""

from __future__ import annotations

import re
from random import Random

from netpath.drill.model import Question
from netpath.drill.questions_common import (
    Scenario,
    excerpt,
    lessons,
    norm,
    options,
    query_words,
    question,
    scenario_components,
    setup_text,
    subject_topic,
    trace_topic,
    unique_runs,
    who,
)
from netpath.engine.trace import Hop, Trace

ORDER_ITEMS = {1: 5, 2: 6, 3: 7}  # how many components to put in order, per difficulty
ORDER_MIN = 5


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w/.-]){re.escape(name)}(?![\w/-])", text) is not None


# --- next-hop ----------------------------------------------------------------------------------


def next_hop(s: Scenario, trace: Trace | None, rng: Random, difficulty: int) -> Question | None:
    if trace is None or not trace.reachable:
        return None
    grouped, unique = unique_runs(trace.hops)
    # Not the subject: a component that recurs (where would it be?), the internet itself;
    # not the answer: the NetworkPolicy hop of several policies (no one component).
    subjects = [i for i in range(len(grouped) - 1) if who(grouped[i][0]) in unique
                and grouped[i][0].component != "internet" and "," not in grouped[i][0].name
                and "," not in grouped[i + 1][0].name
                and grouped[i][0].name != grouped[i + 1][0].name]  # one machine, two faces
    if not subjects:
        return None
    i = rng.choice(subjects)
    subject, following = grouped[i], grouped[i + 1]
    answer = who(following[0])
    name = following[0].name
    # Not offered: anything the subject's own words point to (a route's target is its "next
    # hop" in routing terms; a target group names its target), nor another face of the answer
    # or of the subject (node-1 the instance, the node and kube-proxy are one machine).
    said = " ".join(f"{h.detail} {h.rule.text if h.rule else ''}" for h in subject)
    banned = {subject[0].name, name}

    def fair(component: str) -> bool:
        other = component.split(" ", 1)[1]
        return other not in banned and "," not in other and not _mentions(said, other)

    on_path = [who(run[0]) for run in grouped if fair(who(run[0]))]
    same_kind = [f"{following[0].component} {n}"
                 for n in scenario_components(s).get(following[0].component, [])]
    others = [f"{kind} {n}" for kind, names in scenario_components(s).items()
              if kind in {run[0].component for run in grouped} for n in names]
    choices = options(rng, answer, [on_path, [c for c in same_kind if fair(c)],
                                    [c for c in others if fair(c)]], difficulty)
    if choices is None:
        return None
    accepted = [name] if _name_unique(name, grouped, choices) else []
    left = subject[-1]
    step = following[0]
    return question(
        s, kind="next-hop",
        topic=subject_topic(s, trace, (subject[0].component, step.component)),
        difficulty=difficulty,
        setup=setup_text(s, f"Request: {query_words(trace)}"),
        prompt=(f"{query_words(trace)}: the packet has just left {who(left)} (step "
                f"{left.step}). Which component does it reach next?"),
        choices=choices, answer=answer, accepted=accepted,
        explanation=(f"Step {step.step}: {step.detail}. " + lessons((*subject, step))).strip(),
        lines=excerpt((*subject, *following)),
    )


def _name_unique(name: str, grouped: list[list[Hop]], choices: tuple[str, ...]) -> bool:
    """The name alone may stand for the answer when no other component uses it."""
    kinds = {run[0].component for run in grouped if run[0].name == name}
    kinds |= {c.split(" ", 1)[0] for c in choices if c.split(" ", 1)[-1] == name}
    return len(kinds) == 1


# --- order-hops --------------------------------------------------------------------------------


def order_hops(s: Scenario, trace: Trace | None, rng: Random, difficulty: int) -> Question | None:
    if trace is None or not trace.reachable:
        return None
    grouped, unique = unique_runs(trace.hops)
    runs = [run for run in grouped if who(run[0]) in unique and "," not in who(run[0])]
    if len(runs) < ORDER_MIN:
        return None
    size = min(ORDER_ITEMS.get(difficulty, 7), len(runs))
    start = rng.randrange(len(runs) - size + 1)
    window = runs[start:start + size]
    items = [who(run[0]) for run in window]
    shuffled = items[:]
    while shuffled == items:
        rng.shuffle(shuffled)
    numbers = ", ".join(str(shuffled.index(item) + 1) for item in items)
    listing = "\n".join(f"  {n}) {item}" for n, item in enumerate(shuffled, 1))
    part = "the components" if size == len(runs) else f"{size} components"
    return question(
        s, kind="order-hops", topic=subject_topic(s, trace, (r[0].component for r in window)),
        difficulty=difficulty,
        setup=setup_text(s, f"Request: {query_words(trace)}"),
        prompt=(f"{query_words(trace)}: put {part} of the request's path in the order the "
                f"packet crosses them (their numbers or names, e.g. 2, 1, 3):\n{listing}"),
        choices=(), answer=", ".join(items),
        accepted=(numbers, *_names_only(items)),
        explanation=("The request crosses them at steps "
                     + ", ".join(f"{run[0].step} ({who(run[0])})" for run in window) + "."),
        lines=excerpt((run[0] for run in window), notes=False),
    )


def _names_only(items: list[str]) -> list[str]:
    names = [item.split(" ", 1)[1] for item in items]
    return [", ".join(names)] if len(set(names)) == len(names) else []


# --- source-seen -------------------------------------------------------------------------------


def source_seen(s: Scenario, trace: Trace | None, rng: Random, difficulty: int
                ) -> Question | None:
    if trace is None or not trace.reachable:
        return None
    delivered = [h for h in trace.hops if h.action == "deliver"]
    if not delivered:
        return None
    arrival = delivered[-1]
    seen = str(arrival.packet.src_ip)
    path = [str(trace.flow.src_ip), *(str(h.packet.src_ip) for h in trace.hops)]
    lures = _lures(s, trace, arrival)
    choices = options(rng, seen, [path, lures], difficulty)
    if choices is None:
        return None
    changes = _source_changes(trace)
    if changes:
        how = "; ".join(f"step {h.step} {who(h)} makes it {h.packet.src_ip}" for h in changes)
        why = (f"The client sends from {trace.flow.src_ip}; {how}. So {arrival.name} sees "
               f"{seen}.")
    else:
        why = (f"Nothing on the path rewrites the source: {arrival.name} sees the client's own "
               f"address {seen}.")
    return question(
        s, kind="source-seen", topic=trace_topic(s, trace), difficulty=difficulty,
        setup=setup_text(s, f"Request: {query_words(trace)}"),
        prompt=(f"{query_words(trace)}: the request is delivered to {arrival.name}. What "
                "source IP address does it see?"),
        choices=choices, answer=seen,
        explanation=f"{why} {lessons(changes)}".strip(),
        lines=excerpt((*changes, arrival)),
    )


def _source_changes(trace: Trace) -> list[Hop]:
    """The hops after which the request's source address is another one."""
    changed: list[Hop] = []
    previous = trace.flow.src_ip
    for hop in trace.hops:
        if hop.packet.src_ip != previous:
            changed.append(hop)
            previous = hop.packet.src_ip
    return changed


def _lures(s: Scenario, trace: Trace, arrival: Hop) -> list[str]:
    """Addresses a learner may wrongly expect: the address the client aimed at (a load
    balancer's, a ClusterIP), the nodes of the two pods (SNAT everywhere), the NAT gateways'
    addresses, the VPC router of the client's subnet (.1: routing rewrites nothing)."""
    found: list[str] = []
    if trace.flow.dst_ip != arrival.packet.dst_ip:
        found.append(str(trace.flow.dst_ip))
    m = s.model
    sender = next((h for h in trace.hops if h.action == "send" and h.component != "dns"), None)
    ends = [h.name for h in (sender, arrival) if h is not None and h.component == "pod"]
    for cluster in m.clusters.values():
        for key in ends:
            pod = cluster.pods.get(key)
            if pod is not None and pod.node in cluster.nodes:
                found.append(str(cluster.nodes[pod.node].ip))
    for nat in m.nat_gateways.values():
        found.append(str(nat.private_ip))
        if nat.elastic_ip is not None:
            found.append(str(nat.elastic_ip))
    for vpc in m.vpcs:
        subnet = s.network.subnet_containing(vpc, trace.flow.src_ip)
        if subnet is not None:
            found.append(str(subnet.cidr.network_address + 1))
    return [a for a in found if norm(a) != norm(str(arrival.packet.src_ip))]
