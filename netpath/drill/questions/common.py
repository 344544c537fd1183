"""What every question builder shares: the scenario at hand, trace lines, topics and choices.

A builder takes a `Scenario` (loaded and traced once per process), one trace (None for design
questions), the session's random generator and a difficulty, and returns a `Question` (its id
left empty: `generate` numbers them) or None when the trace does not suit it. Builders never
write an answer by hand: every answer and every distractor comes from the traces or the model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from random import Random

from netpath.drill.model import Question
from netpath.engine.hops import Hop, Query, Trace, service_words
from netpath.engine.network import Network
from netpath.model.resources import Model
from netpath.model.vocabulary import Component

# Components of the Kubernetes layer; everything else but DNS and the internet is AWS.
KUBE_COMPONENTS = frozenset({Component.POD, Component.NODE, Component.KUBE_PROXY,
                             Component.SERVICE, Component.NETWORK_POLICY, Component.INGRESS})
NEUTRAL_COMPONENTS = frozenset({Component.DNS, Component.INTERNET})
# The trace's stand-ins for "somewhere on the internet" (`internet internet` forwards across it,
# `internet client` is the client a reply reaches): no component anyone would name.
INTERNET_PSEUDO = frozenset({"internet", "client"})
# Components named after the machine they run on: `instance node-1`, `node node-1` and
# `kube-proxy node-1` are three faces of one host, never two answers (nor two choices).
FACES = frozenset({Component.INSTANCE, Component.NODE, Component.KUBE_PROXY})

# Options offered per difficulty (the answer included); difficulty 3 is free text.
MAX_CHOICES = {1: 4, 2: 6}
MIN_CHOICES = 3


@dataclass(frozen=True)
class Intent:
    """What an expectation says of a query it expects blocked."""

    name: str
    code: str | None  # the code it names, or None (any block)
    description: str  # "" when it has none


@dataclass(frozen=True)
class Scenario:
    """A library scenario, loaded, prepared and traced once per process."""

    name: str
    model: Model
    network: Network
    traces: tuple[Trace, ...]  # every query picked for drills, in a stable order
    summary: str  # a compact topology summary (the start of every question's setup)
    # Queries its expectations say stay blocked (groups expanded to every member), read with
    # the queries when the scenario loads.
    intents: Mapping[Query, Intent] = field(default_factory=dict)

    @property
    def kube_only(self) -> bool:
        """A Kubernetes-only spec: clusters without a VPC, no AWS part at all."""
        return bool(self.model.clusters) and not self.model.vpcs


Builder = Callable[[Scenario, "Trace | None", Random, int], "Question | None"]


# --- words -------------------------------------------------------------------------------------


def norm(text: str) -> str:
    """How answers are compared: lowercase, without whitespace, without a final period."""
    return re.sub(r"\s+", "", text).lower().rstrip(".")


def who(hop: Hop) -> str:
    """`nat-gateway nat-a`: a hop's component as the trace's head line names it."""
    return f"{hop.component} {hop.name}"


def hop_line(hop: Hop) -> str:
    """A hop as the text renderer's head line: step, component, action, rule or detail."""
    if hop.rule is None:
        what = hop.detail
    elif hop.candidates:
        what = f"{hop.rule.text} (also matched: {', '.join(c.text for c in hop.candidates)})"
    else:
        what = hop.rule.text
    return f"{hop.step:>3}  {who(hop)}  {hop.action}  {what}"


def excerpt(hops: Iterable[Hop], *, notes: bool = True) -> tuple[str, ...]:
    """Head lines of `hops`, each followed by its lesson (`note:`) when it has one."""
    lines: list[str] = []
    for hop in hops:
        lines.append(hop_line(hop))
        if hop.rule is not None:  # else the detail already stands in the head line
            lines.append(f"       {hop.detail}")
        if notes and hop.note:
            lines.append(f"       note: {hop.note}")
    return tuple(lines)


def trace_service(trace: Trace) -> str:
    """The flow a trace asked about, with the port it used (also when --port was left out)."""
    return service_words(trace.query.protocol, trace.dst_port)


def query_words(trace: Trace, s: Scenario | None = None) -> str:
    """`default/pod-a -> api.example.com (tcp/443)`, as `netpath trace` heads its output, the
    ends named as the choices name them (see `endpoints`)."""
    source, destination = endpoints(trace, s)
    return f"{source} -> {destination} ({trace_service(trace)})"


def endpoints(trace: Trace, s: Scenario | None = None) -> tuple[str, str]:
    """The query's source and destination as hops and choices name them: a pod or Service
    the query names without its namespace (`pod-a`) gets it (`default/pod-a`), from the
    trace's own hops, else from the scenario's clusters."""
    return (_full_name(trace.query.source, trace, s),
            _full_name(trace.query.destination, trace, s))


def _full_name(name: str, trace: Trace, s: Scenario | None) -> str:
    if "/" in name:
        return name
    found = {h.name for h in (*trace.hops, *trace.return_path)
             if h.component in ("pod", "service") and h.name.split("/", 1)[-1] == name
             and "/" in h.name}
    if s is not None:
        for cluster in s.model.clusters.values():
            found |= {key for key in (*cluster.pods, *cluster.services)
                      if key.split("/", 1)[-1] == name and "/" in key}
    return found.pop() if len(found) == 1 else name


def party(name: str) -> str:
    """A query's end in a sentence: the pseudo-source `internet` is a client on it."""
    return "a client on the internet" if name == "internet" else name


def setup_text(s: Scenario, *lines: str) -> str:
    return "\n".join((s.summary, *lines))


def lessons(hops: Iterable[Hop]) -> str:
    """The semantics lessons the hops carry, as one sentence."""
    found = list(dict.fromkeys(h.note for h in hops if h.note))
    return " ".join(f"Note: {n}." if not n.endswith(".") else f"Note: {n}" for n in found)


# --- topics ------------------------------------------------------------------------------------


def is_kube(component: str) -> bool:
    return component in KUBE_COMPONENTS


def topic_of(s: Scenario, components: Iterable[str]) -> str:
    """aws: no Kubernetes component; kubernetes: only Kubernetes ones (or a Kubernetes-only
    spec); eks: both meet (pods through VPC components, load balancers to pods...)."""
    if s.kube_only:
        return "kubernetes"
    found = set(components) - NEUTRAL_COMPONENTS
    kube = {c for c in found if is_kube(c)}
    if not kube:
        return "aws"
    return "kubernetes" if kube == found else "eks"


def trace_topic(s: Scenario, trace: Trace) -> str:
    """A path's topic: pod to pod (or Service) on the cluster's own network is kubernetes;
    through VPC components it is eks; without pods, aws."""
    return topic_of(s, (h.component for h in (*trace.hops, *trace.return_path)))


def subject_topic(s: Scenario, trace: Trace, components: Iterable[str]) -> str:
    """The topic of a question about some components of a path: Kubernetes ones alone make a
    kubernetes question; AWS ones an aws question, or eks when the path involves pods."""
    found = set(components) - NEUTRAL_COMPONENTS
    if s.kube_only or (found and all(is_kube(c) for c in found)):
        return "kubernetes"
    if any(not is_kube(c) for c in found) and any(is_kube(c) for c in found):
        return "eks"
    return "aws" if trace_topic(s, trace) == "aws" else "eks"


# --- paths -------------------------------------------------------------------------------------


def is_pseudo(hop: Hop) -> bool:
    """Hops that are no component a packet crosses: name lookups, the trace's stand-ins for
    the internet itself, and the NetworkPolicy hop of a pod no policy selects (named after the
    pod itself)."""
    if hop.component == "dns" or stands_for_internet(hop):
        return True
    return hop.component == "network-policy" and hop.rule is None and hop.action == "allow"


def stands_for_internet(hop: Hop) -> bool:
    return hop.component == "internet" and hop.name in INTERNET_PSEUDO


def machine(choice: str) -> str:
    """What a choice (`kind name`) stands for: the host for a face of one (`node node-1` and
    `instance node-1` are both `node-1`), else the choice itself."""
    kind, _, name = choice.partition(" ")
    return name if kind in FACES and name else choice


def runs(hops: Sequence[Hop], *, merge: bool = True) -> list[list[Hop]]:
    """Consecutive hops of one component, grouped: a packet leaves a component once it leaves
    the last hop of the run (a load balancer's listener and rule, a NACL out and in).

    `merge` also groups what is one step to a learner: a Service and the kube-proxy rules
    that implement it, a load balancer and its target group (configuration, not a device the
    packet crosses), consecutive faces of one machine (the instance, then the node)."""
    grouped: list[list[Hop]] = []
    for hop in hops:
        if is_pseudo(hop):
            continue
        if grouped and (who(grouped[-1][-1]) == who(hop)
                        or merge and _one_step(grouped[-1], hop)):
            grouped[-1].append(hop)
        else:
            grouped.append([hop])
    return grouped


def _one_step(run: list[Hop], hop: Hop) -> bool:
    first = run[0].component
    if hop.component == "kube-proxy" and first == "service":
        return True
    if hop.component == "target-group" and first == "load-balancer":
        return True
    return hop.component in FACES and any(
        h.component in FACES and h.name == hop.name for h in run)


def run_key(run: list[Hop]) -> str:
    """What a run stands for: its machine for a face of one, else its component."""
    return machine(who(run[0]))


def run_names(run: list[Hop]) -> set[str]:
    """Every name a run's hops carry (the Service and its kube-proxy's node...)."""
    return {h.name for h in run}


def unique_runs(hops: Sequence[Hop]) -> tuple[list[list[Hop]], set[str]]:
    """The runs, and the keys (`run_key`) of the runs that occur once (no ambiguity about
    where they are on the path)."""
    grouped = runs(hops)
    counts: dict[str, int] = {}
    for run in grouped:
        counts[run_key(run)] = counts.get(run_key(run), 0) + 1
    return grouped, {key for key, n in counts.items() if n == 1}


def policy_names(hop: Hop) -> list[str]:
    """The policies of a network-policy hop (its name lists every policy selecting the pod)."""
    return [p.strip() for p in hop.name.split(",") if p.strip()]


def scenario_components(s: Scenario) -> dict[str, list[str]]:
    """Real component names of the scenario, by component kind, for plausible distractors;
    no pod the VPC CNI cannot give an address (NO_POD_IP): no packet ever reaches it."""
    m = s.model
    found: dict[str, list[str]] = {
        Component.ROUTE_TABLE: list(m.route_tables),
        Component.SECURITY_GROUP: list(m.security_groups),
        Component.NETWORK_ACL: list(m.network_acls),
        Component.NAT_GATEWAY: list(m.nat_gateways),
        Component.INTERNET_GATEWAY: list(m.internet_gateways),
        Component.LOAD_BALANCER: list(m.load_balancers),
        Component.TARGET_GROUP: list(m.target_groups),
        Component.INSTANCE: list(m.instances),
        Component.DATABASE: list(m.databases),
        Component.VPC_PEERING: list(m.peerings),
        Component.INTERNET: list(m.internet_hosts),
    }
    unaddressed = unaddressed_pods(s)
    for cluster in m.clusters.values():
        found.setdefault(Component.POD, []).extend(p for p in cluster.pods
                                                   if (cluster.name, p) not in unaddressed)
        found.setdefault(Component.SERVICE, []).extend(cluster.services)
        found.setdefault(Component.NODE, []).extend(cluster.nodes)
        found.setdefault(Component.NETWORK_POLICY, []).extend(cluster.network_policies)
    return {kind: names for kind, names in found.items() if names}


def unaddressed_pods(s: Scenario) -> frozenset[tuple[str, str]]:
    """(cluster, pod key) of the pods the VPC CNI cannot give an address: `prepare` already
    found them (the network's Kubernetes index)."""
    return frozenset(s.network.kube.pods_without_ip)


def path_components(network: Network, before: Trace) -> list[str]:
    """The components on a trace (both ways), as choices name them: NetworkPolicy hops split
    into their policies (a hop named after a pod no policy selects names none), security
    group hops into their groups; name lookups and the internet's stand-ins left out, and
    one face per machine (the first: `instance node-1` stands for `node node-1` too)."""
    policies = {key for c in network.model.clusters.values() for key in c.network_policies}
    found: list[str] = []
    machines: set[str] = set()
    for hop in (*before.hops, *before.return_path):
        if hop.component == "dns" or stands_for_internet(hop):
            continue
        if hop.component in FACES:
            if hop.name in machines:
                continue
            machines.add(hop.name)
        if hop.component in ("network-policy", "security-group"):
            for part in hop.name.split(","):
                if hop.component == "security-group" or part.strip() in policies:
                    found.append(f"{hop.component} {part.strip()}")
            continue
        found.append(f"{hop.component} {hop.name}")
    return list(dict.fromkeys(found))


# --- choices -----------------------------------------------------------------------------------


def pick(rng: Random, tiers: Sequence[Sequence[str]], answer: str, count: int) -> list[str]:
    """Up to `count` distractors, the most plausible tiers first (shuffled within a tier),
    deduplicated, never the answer under another spelling, one face per machine (never the
    answer's machine: `node node-1` is `instance node-1`)."""
    seen = {norm(answer), norm(machine(answer))}
    chosen: list[str] = []
    for tier in tiers:
        items = list(dict.fromkeys(tier))
        rng.shuffle(items)
        for item in items:
            key = norm(item)
            host = norm(machine(item))
            if key in seen or host in seen or not item.strip() or key.isdigit():
                continue
            seen.update((key, host))
            chosen.append(item)
            if len(chosen) == count:
                return chosen
    return chosen


def options(rng: Random, answer: str, tiers: Sequence[Sequence[str]], difficulty: int, *,
            minimum: int = MIN_CHOICES, maximum: int | None = None) -> tuple[str, ...] | None:
    """The shuffled choices for a difficulty (() at difficulty 3: free text), or None when
    there are too few plausible distractors for a fair multiple choice."""
    if difficulty >= 3:
        return ()
    most = maximum or MAX_CHOICES[difficulty]
    distractors = pick(rng, tiers, answer, most - 1)
    if len(distractors) + 1 < minimum:
        return None
    choices = [answer, *distractors]
    rng.shuffle(choices)
    return tuple(choices)


def question(s: Scenario, *, kind: str, topic: str, difficulty: int, setup: str, prompt: str,
             choices: tuple[str, ...], answer: str, accepted: Iterable[str] = (),
             explanation: str, lines: Iterable[str] = (),
             keywords: tuple[tuple[str, ...], ...] = (),
             also: tuple[tuple[tuple[str, ...], ...], ...] = ()) -> Question:
    """A Question without its id; accepted spellings deduplicated, the answer's own left out."""
    unique = tuple(a for a in dict.fromkeys(accepted) if norm(a) != norm(answer))
    return Question(id="", kind=kind, topic=topic, difficulty=difficulty, scenario=s.name,
                    setup=setup, prompt=prompt, choices=choices, answer=answer,
                    accepted=unique, explanation=explanation, excerpt=tuple(lines),
                    keywords=keywords, also=also)
