"""Questions generated from a library scenario's real traces.

`generate(scenario, rng=..., count=...)` loads the scenario once per process (the model, the
prepared network and the traces of its queries are cached), then asks the builders of the
kinds in turn (`questions.path`, `.rules`, `.fault`, `.design`),
each on traces in a random order, until it has `count` distinct questions or every builder
has declined every trace. Deterministic for a given rng state: nothing else is random, and the
cache holds only what does not depend on the rng.

Queries come from the scenario's expectations file (the meaningful pairs its author wrote,
groups expanded to two members at most), topped up, when those are few, with pairs of named
things: instances, pods, databases, Services and internet hosts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from importlib import resources
from pathlib import Path
from random import Random
from typing import TYPE_CHECKING

from netpath.drill.model import KINDS, TOPICS, Question
from netpath.drill.questions.common import Builder, Intent, Scenario, norm
from netpath.engine.hops import Query, Trace

if TYPE_CHECKING:
    from netpath.engine.network import Network
    from netpath.model.resources import Model
    from netpath.sources.loader import LoadedSpec

MIN_QUERIES = 8  # fewer expectations than this: add pairs of named things
MAX_PAIRS = 24
GROUP_MEMBERS = 2  # pairs traced per group expectation
MAX_LOOKUPS = 4  # reachable lookups kept
MAX_LOOKUP_CANDIDATES = 24
PASSES = 3  # how many times a builder may go through the traces (it picks anew each time)

_cache: dict[str, Scenario] = {}


def builders() -> dict[str, Builder]:
    from netpath.drill.questions import design, fault, path, reachable, rules

    return {
        "next-hop": path.next_hop,
        "order-hops": path.order_hops,
        "source-seen": path.source_seen,
        "deciding-rule": rules.deciding_rule,
        "reachable": reachable.reachable,
        "find-fault": fault.find_fault,
        "design": design.design,
    }


def generate(scenario: str, *, rng: Random, count: int, topic: str | None = None,
             difficulty: int = 2, kinds: Sequence[str] | None = None) -> list[Question]:
    """Up to `count` questions on `scenario` (a library scenario's name, or a spec path), fewer
    when it cannot make that many distinct ones, none when it has nothing on `topic`. Raises
    ValueError for an unknown kind, topic or difficulty, SpecErrors when the scenario is
    neither a library scenario nor a loadable spec."""
    if difficulty not in (1, 2, 3):
        raise ValueError(f"difficulty must be 1, 2 or 3, not {difficulty}")
    if topic is not None and topic not in TOPICS:
        raise ValueError(f"unknown topic {topic!r} (topics: {', '.join(TOPICS)})")
    wanted = list(dict.fromkeys(kinds)) if kinds else list(KINDS)
    unknown = [k for k in wanted if k not in KINDS]
    if unknown:
        raise ValueError(f"unknown question kind {unknown[0]!r} (kinds: {', '.join(KINDS)})")
    s = load(scenario)
    made = builders()
    queues: dict[str, list[Trace | None]] = {}
    for kind in wanted:
        queue: list[Trace | None] = []
        if kind == "design":
            queue += [None] * PASSES * 2
        else:
            for _ in range(PASSES):
                batch: list[Trace | None] = list(s.traces)
                rng.shuffle(batch)
                queue += batch
        queues[kind] = queue
    order = wanted[:]
    rng.shuffle(order)
    questions: list[Question] = []
    seen: set[tuple[str, str]] = set()
    while len(questions) < count and order:
        for kind in list(order):
            if len(questions) >= count:
                break
            found = _next(s, kind, made[kind], queues[kind], rng, difficulty, topic, seen)
            if found is None:
                order.remove(kind)
                continue
            seen.update(_keys(found))
            questions.append(replace(found, id=f"{s.name}/{kind}/{len(questions) + 1}"))
    return questions


def _next(s: Scenario, kind: str, build: Builder, queue: list[Trace | None], rng: Random,
          difficulty: int, topic: str | None, seen: set[tuple[str, str]]) -> Question | None:
    while queue:
        made = build(s, queue.pop(0), rng, difficulty)
        if made is None or (topic is not None and made.topic != topic):
            continue
        if any(key in seen for key in _keys(made)):
            continue
        return made
    return None


def _keys(q: Question) -> list[tuple[str, str]]:
    """What makes two questions the same: their prompt, or (for questions on two queries
    that share a step) the same trace lines with the same answer."""
    keys = [(q.kind, norm(q.prompt))]
    if q.excerpt:
        keys.append((q.kind, norm(q.answer + "|".join(q.excerpt))))
    return keys


def summary(scenario: str) -> str:
    """The scenario's topology summary: the first lines of every question's `setup` (a session
    may show it once and each question's setup without it)."""
    return load(scenario).summary


# --- loading -----------------------------------------------------------------------------------


def load(name: str) -> Scenario:
    """The scenario, loaded, prepared and traced (once per process)."""
    found = _cache.get(name)
    if found is None:
        found = _cache[name] = _load(name)
    return found


def _load(name: str) -> Scenario:
    from netpath.engine import prepare
    from netpath.sources.loader import load_spec

    loaded = load_spec(Path(name))
    network = prepare(loaded.model)
    expected, intents = _expected_queries(name, loaded, network)
    queries = list(dict.fromkeys(expected))
    if len(queries) < MIN_QUERIES:
        queries += [q for q in _named_pairs(loaded.model) if q not in queries]
    traces = [t for t in _traces(network, queries) if not _to_itself(t)]
    lookups = _traces(network, [q for q in _lookups(loaded.model) if q not in queries])
    traces += [t for t in lookups if t.reachable and not _to_itself(t)][:MAX_LOOKUPS]
    from netpath.drill.questions.setup import summary

    return Scenario(name=name, model=loaded.model, network=network, traces=tuple(traces),
                    summary=summary(name, loaded.model), intents=intents)


def _traces(network: Network, queries: list[Query]) -> list[Trace]:
    from netpath.engine import trace
    from netpath.engine.errors import QueryError

    traced: list[Trace] = []
    for query in queries:
        try:
            traced.append(trace(network, query))
        except QueryError:
            continue
    return traced


def _to_itself(t: Trace) -> bool:
    """A pod reaching itself (through its own Service): true, and useless for drills."""
    senders = [h.name for h in t.hops if h.action == "send" and h.component != "dns"][:1]
    delivered = [h.name for h in t.hops if h.action == "deliver"][-1:]
    return bool(senders) and senders == delivered


def _expected_queries(name: str, loaded: LoadedSpec, network: Network
                      ) -> tuple[list[Query], dict[Query, Intent]]:
    """The queries of the scenario's expectations (a few members of each group), and every
    member pair of those that expect a block, with what they say of it."""
    from netpath.checks.expectations import DEFAULT_FILE, load_expectations
    from netpath.checks.groups import GroupError, Groups

    folder = resources.files("netpath") / "scenarios" / name
    candidate = Path(str(folder)) / DEFAULT_FILE
    files = [(candidate, f"scenarios/{name}/{DEFAULT_FILE}")] if candidate.is_file() else []
    found, _, errors = load_expectations(files, loaded.expect, loaded.source_map)
    if errors:
        return [], {}
    groups = Groups(network)
    queries: list[Query] = []
    intents: dict[Query, Intent] = {}
    for exp in found.expectations:
        try:
            sources = groups.members(exp.source)
            destinations = groups.members(exp.destination)
        except GroupError:
            continue
        pairs = [(a, b) for a in sources for b in destinations if a != b]
        for a, b in pairs[:GROUP_MEMBERS]:
            queries.append(Query(a, b, exp.port, exp.protocol))
        if not exp.reachable:
            for a, b in pairs:
                intents.setdefault(Query(a, b, exp.port, exp.protocol),
                                   Intent(exp.name, exp.code, exp.description))
    return queries, intents


def _named_pairs(m: Model) -> list[Query]:
    """Pairs of named things, in a stable order: sources (instances, a few pods, the
    internet) to destinations (databases, internet hosts, Services, pods). A Service only
    from its own cluster (a ClusterIP means nothing elsewhere), and nothing to itself."""
    sources: list[tuple[str, str | None]] = [(i, None) for i in list(m.instances)[:3]]
    destinations: list[tuple[str, int | None, str | None]] = []
    for db in m.databases.values():
        destinations.append((db.name, db.port, None))
    for host in m.internet_hosts.values():
        destinations.append((host.name, host.ports[0].low if host.ports else 443, None))
    for cluster in m.clusters.values():
        pods = [p for p in cluster.pods.values() if not p.host_network]
        sources += [(p.key, cluster.name) for p in pods[:3]]
        for service in list(cluster.services.values())[:3]:
            if service.ports and service.type != "ExternalName":
                destinations.append((service.key, service.ports[0].port, cluster.name))
        for pod in pods[:3]:
            if pod.ports:
                destinations.append((pod.key, pod.ports[0].port, None))
    sources.append(("internet", None))
    pairs = [Query(a, b, port) for a, home in sources for b, port, only in destinations
             if a != b and (only is None or only == home)]
    return pairs[:MAX_PAIRS]


def _lookups(m: Model) -> list[Query]:
    """Pods that egress policies isolate, asking for a Service or an internet host by name:
    their lookup crosses the policies (what the DNS egress fault breaks). Candidates only:
    the reachable ones are kept."""
    found: list[Query] = []
    hosts = [(h.name, h.ports[0].low if h.ports else 443, "tcp")
             for h in m.internet_hosts.values()]
    for cluster in m.clusters.values():
        isolated = [p for p in cluster.pods.values() if not p.host_network and any(
            "Egress" in policy.policy_types and policy.namespace == p.namespace
            and policy.pod_selector.matches(p.labels)
            for policy in cluster.network_policies.values())]
        names = [(f"{s.name}.{s.namespace}", s.ports[0].port, s.ports[0].protocol)
                 for s in cluster.services.values() if s.selector and s.ports
                 and s.cluster_ip is not None and s.namespace != "kube-system"]
        found += [Query(pod.key, name, port, protocol) for pod in isolated[:4]
                  for name, port, protocol in (*names[:4], *hosts[:2])]
    return found[:MAX_LOOKUP_CANDIDATES]
