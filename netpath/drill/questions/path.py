"""Follow the packet: the next hop, the order of the hops, and the source the destination sees.

All three read a reachable trace's request (the forward hops), in steps a learner would name
(`runs`): a Service with the kube-proxy rules that implement it, a load balancer with its
target group, one face per machine; the internet's stand-ins and name lookups are no step. A
component that occurs twice apart on the path (a load balancer's security group on both of its
connections, a NACL shared by the subnets) is never the subject of "the packet has left X", nor
an item to order: where it is would be ambiguous. No question names a trace step: the learner
has not seen the trace (the excerpt shown with the answer has them).

Where the source pod's own egress NetworkPolicies sit relative to a Service's DNAT depends on
the CNI: netpath judges them after it (the verdict's semantics), the EKS network policy agent
enforces them on the pod's veth before kube-proxy rewrites the packet. So no question hinges on
that order: they are no distractor after the pod or the Service, no subject or answer next to
the Service, and no item to order after it.
"""

from __future__ import annotations

import re
from random import Random

from netpath.drill.model import Question
from netpath.drill.questions.common import (
    Scenario,
    endpoints,
    excerpt,
    lessons,
    machine,
    norm,
    options,
    policy_names,
    query_words,
    question,
    run_key,
    run_names,
    scenario_components,
    setup_text,
    subject_topic,
    trace_topic,
    unique_runs,
    who,
)
from netpath.engine.hops import Hop, Packet, Trace

ORDER_ITEMS = {1: 5, 2: 6, 3: 7}  # how many components to put in order, per difficulty
ORDER_MIN = 5


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w/.-]){re.escape(name)}(?![\w/-])", text) is not None


# --- next-hop ----------------------------------------------------------------------------------

# Configuration rather than a device a packet crosses: never a next hop, nor a distractor.
NOT_HOPS = frozenset({"target-group", "kube-proxy"})
# Where a load balancer sends (its target, the target's node, the NodePort Service): after a
# load balancer each would read as right, so none is offered there.
TARGET_SIDE = frozenset({"pod", "service", "node", "instance", "database"})
# What a packet might be thought to cross before it reaches the destination.
FILTERS = ("security-group", "network-policy", "network-acl", "route-table")


def next_hop(s: Scenario, trace: Trace | None, rng: Random, difficulty: int) -> Question | None:
    if trace is None or not trace.reachable:
        return None
    grouped, unique = unique_runs(trace.hops)
    egress = source_egress(s, trace)
    subjects = [i for i in range(len(grouped) - 1)
                if _askable(grouped[i], grouped[i + 1], unique)
                and not _around_dnat(grouped, i, egress)]
    if not subjects:
        return None
    i = rng.choice(subjects)
    subject, following = grouped[i], grouped[i + 1]
    answer = who(following[0])
    named = following[0].name == endpoints(trace, s)[1]
    # Right after the source pod or its Service, the pod's egress policies are no wrong answer.
    around = subject[0].action == "send" or subject[0].component == "service"
    tiers = _next_hop_tiers(s, grouped, subject, following, named,
                            egress if around else set())
    choices = options(rng, answer, tiers, difficulty)
    if choices is None or named and _all_of_its_kind(answer, choices):
        return None
    name = following[0].name
    accepted = [name] if _name_unique(name, grouped, choices) else []
    accepted += _proxy_spellings(grouped, following, choices)
    return question(
        s, kind="next-hop",
        topic=subject_topic(s, trace, (subject[0].component, following[0].component)),
        difficulty=difficulty,
        setup=setup_text(s, f"Request: {query_words(trace, s)}"),
        prompt=(f"{query_words(trace, s)}: the packet has just left {_run_words(subject)}. "
                "Which component does it reach next?"),
        choices=choices, answer=answer, accepted=accepted,
        explanation=(f"Next is {_run_words(following)}: {_story(following)}. "
                     + lessons((*subject, *following))).strip(),
        lines=excerpt((*subject, *following)),
    )


def _next_hop_tiers(s: Scenario, grouped: list[list[Hop]], subject: list[Hop],
                    following: list[Hop], named: bool, egress: set[str]) -> list[list[str]]:
    """Distractors: the path's other components, then the scenario's of the answer's kind,
    then of the path's kinds. When the answer is the destination the prompt names (`named`),
    others of its kind would give it away: the filters a packet might be thought to cross on
    its way in come before them (is node-1's security group checked between the node and its
    own pod?).

    Not offered: anything the subject's own words point to (a route's target is its "next
    hop" in routing terms; a target group names its targets), nor another face of the answer
    or of the subject (node-1 the instance, the node and kube-proxy are one machine; `pick`
    keeps one face of every other machine), nor the policies `egress` (the source pod's,
    after the pod or its Service: see the module's note)."""
    said = " ".join(f"{h.detail} {h.rule.text if h.rule else ''}" for h in subject)
    banned = run_names(subject) | run_names(following) | _own_groups(s, subject, following)
    banned |= egress
    targets = TARGET_SIDE if any(h.component == "target-group" for h in subject) else set()

    def fair(component: str) -> bool:
        kind, other = component.split(" ", 1)
        return (kind not in NOT_HOPS and kind not in targets and other not in banned
                and "," not in other and not _mentions(said, other))

    found = scenario_components(s)
    kinds = {run[0].component for run in grouped}
    on_path = [who(run[0]) for run in grouped]
    same_kind = [f"{following[0].component} {n}" for n in found.get(following[0].component, [])]
    others = [f"{kind} {n}" for kind, names in found.items() if kind in kinds for n in names]
    tiers = [on_path, same_kind, others]
    if named:
        filters = [f"{kind} {n}" for kind in FILTERS for n in found.get(kind, [])]
        tiers = [on_path, filters, [c for c in others if c not in same_kind], same_kind]
    return [[c for c in tier if fair(c)] for tier in tiers]


def _askable(subject: list[Hop], following: list[Hop], unique: set[str]) -> bool:
    """Whether "the packet has left `subject`: what next?" has one fair answer: the subject
    occurs once on the path (else where would it be?) and is no internet host; the answer is
    one component (not the hop of several NetworkPolicies) that a packet crosses, and no face
    of the machine the packet has just left."""
    first, then = subject[0], following[0]
    return (run_key(subject) in unique and first.component != "internet"
            and "," not in first.name and "," not in then.name
            and then.component not in NOT_HOPS
            and not run_names(subject) & run_names(following))


def source_egress(s: Scenario, trace: Trace) -> set[str]:
    """The NetworkPolicies selecting the pod that sends the request, for egress."""
    sender = next((h for h in trace.hops if h.action == "send" and h.component == "pod"), None)
    if sender is None:
        return set()
    for name, cluster in s.model.clusters.items():
        pod = cluster.pods.get(sender.name)
        if pod is not None:
            index = s.network.kube.policy_indexes[name]
            return {p.key for p in index.selecting(pod, "egress")}
    return set()


def _source_egress_after_service(grouped: list[list[Hop]], i: int, egress: set[str]) -> bool:
    """Whether run `i` is the source pod's egress policies right after a Service (its DNAT)."""
    run = grouped[i]
    return (i > 0 and grouped[i - 1][0].component == "service"
            and run[0].component == "network-policy"
            and bool(set(policy_names(run[0])) & egress))


def _around_dnat(grouped: list[list[Hop]], i: int, egress: set[str]) -> bool:
    """"Left the Service: next?" when the source's egress policies come next, or "left those
    policies: next?" right after the Service: either order is a CNI's (module note)."""
    return (_source_egress_after_service(grouped, i + 1, egress)
            or _source_egress_after_service(grouped, i, egress))


def _all_of_its_kind(answer: str, choices: tuple[str, ...]) -> bool:
    """Every choice is of the answer's kind: with the answer the destination the prompt names
    (after node-2, `pod shop/web-2` among other pods), the prompt gives it away."""
    kind = answer.split(" ", 1)[0]
    return bool(choices) and all(c.split(" ", 1)[0] == kind for c in choices)


def _proxy_spellings(grouped: list[list[Hop]], following: list[Hop],
                     choices: tuple[str, ...]) -> list[str]:
    """A Service step named by the kube-proxy that implements it (`kube-proxy node-1`, bare
    `kube-proxy` when it is the only one on the path), or by its node alone when nothing else
    on the path or among the choices is that machine."""
    if following[0].component != "service":
        return []
    nodes = list(dict.fromkeys(h.name for h in following if h.component == "kube-proxy"))
    on_path = {h.name for run in grouped for h in run if h.component == "kube-proxy"}
    found: list[str] = ["kube-proxy"] if nodes and len(on_path) == 1 else []
    for node in nodes[:1]:
        found += [f"kube-proxy {node}", f"kube-proxy on {node}"]
        elsewhere = {run_key(run) for run in grouped if run is not following}
        elsewhere |= {machine(c) for c in choices}
        if node not in elsewhere:
            found += [node, f"node {node}"]
    return found


def _own_groups(s: Scenario, subject: list[Hop], following: list[Hop]) -> set[str]:
    """A load balancer's own security groups, when the engine does not check them on the way
    to the target (an NLB keeping the client's IP): whether they apply there is a fine point
    of AWS, not what the question asks."""
    if following[0].component == "security-group":
        return set()
    return {g for h in subject if h.component == "load-balancer"
            and h.name in s.model.load_balancers
            for g in s.model.load_balancers[h.name].security_groups}


def _run_words(run: list[Hop]) -> str:
    """A run as a sentence names it: a Service with the node whose kube-proxy implements it."""
    proxies = [h.name for h in run if h.component == "kube-proxy"]
    if run[0].component == "service" and proxies:
        return f"{who(run[0])} (kube-proxy on {proxies[0]})"
    return who(run[0])


def _story(run: list[Hop]) -> str:
    """What the run's hops do, in their own words."""
    return "; ".join(dict.fromkeys(h.detail.rstrip(".") for h in run))


def _name_unique(name: str, grouped: list[list[Hop]], choices: tuple[str, ...]) -> bool:
    """The name alone may stand for the answer when no other component uses it."""
    kinds: set[str] = {run[0].component for run in grouped if run[0].name == name}
    kinds |= {c.split(" ", 1)[0] for c in choices if c.split(" ", 1)[-1] == name}
    return len(kinds) == 1


# --- order-hops --------------------------------------------------------------------------------

_VERBS = {"send": "sends it", "forward": "forwards it", "allow": "lets it through",
          "translate": "rewrites it", "deliver": "receives it"}


def order_hops(s: Scenario, trace: Trace | None, rng: Random, difficulty: int) -> Question | None:
    if trace is None or not trace.reachable:
        return None
    grouped, unique = unique_runs(trace.hops)
    egress = source_egress(s, trace)
    # One item per step a learner would name: a Service with its kube-proxy, a load balancer
    # with its target group, one face per machine (`runs` merges them), none twice; not the
    # source's egress policies after the Service (before it with some CNIs: module note).
    runs = [run for i, run in enumerate(grouped) if run_key(run) in unique
            and "," not in who(run[0]) and not _source_egress_after_service(grouped, i, egress)]
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
        setup=setup_text(s, f"Request: {query_words(trace, s)}"),
        prompt=(f"{query_words(trace, s)}: put {part} of the request's path in the order the "
                f"packet crosses them (their numbers or names, e.g. 2, 1, 3):\n{listing}"),
        choices=(), answer=", ".join(items),
        accepted=(numbers, *_names_only(items), *_proxy_orders(window, items)),
        explanation=("The request crosses them in this order: "
                     + ", then ".join(f"{who(run[0])} ({_verbs(run)})" for run in window)
                     + "."),
        lines=excerpt((run[0] for run in window), notes=False),
    )


def _verbs(run: list[Hop]) -> str:
    """What the run does to the request: `forwards it`, `kube-proxy on node-1 rewrites it`."""
    return " and ".join(dict.fromkeys(
        (f"kube-proxy on {h.name} " if h.component == "kube-proxy" else "")
        + _VERBS.get(h.action, h.action) for h in run))


def _names_only(items: list[str]) -> list[str]:
    names = [item.split(" ", 1)[1] for item in items]
    return [", ".join(names)] if len(set(names)) == len(names) else []


# How an order may be written (the judge's separators; blanks stand for spaces and new lines):
# an accepted spelling is compared whole, so each is spelled out.
_ORDER_SEPARATORS = (", ", " -> ", " > ", " ")


def _proxy_orders(window: list[list[Hop]], items: list[str]) -> list[str]:
    """The order with each Service step named by its kube-proxy (`kube-proxy node-2`,
    `kube-proxy on node-2`, as next-hop accepts), among the full items or the names alone, and
    by its node (`node-2`, `node node-2`) when no other item is that machine."""
    names = [item.split(" ", 1)[1] for item in items]
    machines = {machine(item) for item in items}
    steps = {n: proxies[0] for n, run in enumerate(window)
             if run[0].component == "service"
             and (proxies := [h.name for h in run if h.component == "kube-proxy"])}
    if not steps:
        return []
    free = all(node not in machines and node not in names for node in steps.values())
    forms = ["kube-proxy {}", "kube-proxy on {}"] + (["node {}"] if free else []) + \
        (["kube-proxy"] if len(steps) == 1 else [])  # bare, as next-hop takes it
    spellings = [[form.format(steps[n]) if n in steps else item for n, item in enumerate(base)]
                 for base in (items, names) for form in forms]
    if free:
        spellings.append([steps.get(n, name) for n, name in enumerate(names)])
    spellings = [s for s in spellings if len(set(s)) == len(s)]
    return list(dict.fromkeys(sep.join(s) for s in spellings for sep in _ORDER_SEPARATORS))


# --- source-seen -------------------------------------------------------------------------------


def source_seen(s: Scenario, trace: Trace | None, rng: Random, difficulty: int
                ) -> Question | None:
    delivered = [h for h in trace.hops if h.action == "deliver"] if trace is not None else []
    if trace is None or not trace.reachable or (flow := trace.flow) is None or not delivered:
        return None
    arrival = delivered[-1]
    seen = str(arrival.packet.src_ip)
    path = [str(flow.src_ip), *(str(h.packet.src_ip) for h in trace.hops)]
    lures = _lures(s, trace, flow, arrival)
    choices = options(rng, seen, [path, lures], difficulty)
    if choices is None:
        return None
    changes = _source_changes(trace, flow)
    if changes:
        how = "; ".join(_rewrite_words(trace, h) for h in changes)
        why = (f"The client sends from {flow.src_ip}; {how}. So {arrival.name} sees "
               f"{seen}.")
    else:
        why = (f"Nothing on the path rewrites the source: {arrival.name} sees the client's own "
               f"address {seen}.")
    return question(
        s, kind="source-seen", topic=trace_topic(s, trace), difficulty=difficulty,
        setup=setup_text(s, f"Request: {query_words(trace, s)}"),
        prompt=(f"{query_words(trace, s)}: the request is delivered to {arrival.name}. What "
                "source IP address does it see?"),
        choices=choices, answer=seen,
        explanation=f"{why} {lessons(changes)}".strip(),
        lines=excerpt((*changes, arrival)),
    )


def _source_changes(trace: Trace, flow: Packet) -> list[Hop]:
    """The hops after which the request's source address is another one."""
    changed: list[Hop] = []
    previous = flow.src_ip
    for hop in trace.hops:
        if hop.packet.src_ip != previous:
            changed.append(hop)
            previous = hop.packet.src_ip
    return changed


def _rewrite_words(trace: Trace, hop: Hop) -> str:
    """Who gives the request its new source: a load balancer opening its own connection to
    the target (the target group it sends to is configuration, it rewrites nothing), else the
    hop itself (a NAT gateway, a node's SNAT, kube-proxy, the internet gateway)."""
    if hop.component == "target-group":
        balancers = [h.name for h in trace.hops[:trace.hops.index(hop)]
                     if h.component == "load-balancer"]
        if balancers:
            return (f"load balancer {balancers[-1]} opens a new connection to its target from "
                    f"{hop.packet.src_ip}")
    return f"{who(hop)} rewrites it to {hop.packet.src_ip}"


def _lures(s: Scenario, trace: Trace, flow: Packet, arrival: Hop) -> list[str]:
    """Addresses a learner may wrongly expect: the address the client aimed at (a load
    balancer's, a ClusterIP), the nodes of the two pods (SNAT everywhere), the NAT gateways'
    addresses, the VPC router of the client's subnet (.1: routing rewrites nothing)."""
    found: list[str] = []
    if flow.dst_ip != arrival.packet.dst_ip:
        found.append(str(flow.dst_ip))
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
        subnet = s.network.subnet_containing(vpc, flow.src_ip)
        if subnet is not None:
            found.append(str(subnet.cidr.network_address + 1))
    return [a for a in found if norm(a) != norm(str(arrival.packet.src_ip))]
