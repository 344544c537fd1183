"""Running a check: every expectation traced and judged, then the lint rules.

`run_check` takes the loaded model, the expectations and the rule ids to leave out, prepares
the network once, and returns a `Report`. Bad input (an unknown rule id, a name no trace knows,
a group that selects nothing) is collected over the whole run and raised once as SpecErrors,
located through the check's source map.

Fast for many expectations: the network is prepared once, each group is expanded once, identical
queries are traced once (a bounded cache of traces, an unbounded one of judgements, which are
small), and the garbage collector is paused while tracing: traces make no reference cycles,
and every collection would otherwise walk the whole model. Groups of pods are judged by class
(`pod_classes`), as `netpath matrix` judges them: a pair is traced only when it breaks the
expectation, for its excerpt.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from netpath.checks.expectations import Expectation, ExpectationSet, sorted_errors
from netpath.checks.groups import GroupError, Groups
from netpath.checks.pod_classes import PodPairs, by_class, passing, pod_sides
from netpath.checks.report import ExpectationResult, PairResult, Report, RuleInfo
from netpath.checks.verdicts import judge
from netpath.load import collector
from netpath.load.errors import SpecError, SpecErrors
from netpath.load.source import Locator, no_locations
from netpath.model.names import did_you_mean
from netpath.model.paths import SpecPath
from netpath.model.vocabulary import Code

if TYPE_CHECKING:
    from netpath.engine.hops import Trace
    from netpath.engine.network import Network
    from netpath.load.source import SourceMap
    from netpath.model.resources import Model

TRACE_CACHE_SIZE = 4096  # traces kept for repeated queries (each holds its hops)
# A query: source, destination, port, protocol, and whether a name the spec does not know is
# looked up in DNS anyway (an expectation of `code: DNS_NXDOMAIN`).
_Query = tuple[str, str, int | None, str, bool]
_ASK_NXDOMAIN = "to expect a name that does not resolve, say code: DNS_NXDOMAIN"


def registered_rules() -> tuple[RuleInfo, ...]:
    """The lint registry's rules, as the report lists them."""
    return tuple(RuleInfo(r.id, r.name, r.severity, r.summary, r.description, r.source)
                 for r in _lint_module().RULES)


def _lint_module() -> Any:
    """The lint registry (`netpath.checks.lint`): asked through this function, so that a test
    can put a stand-in registry in its place."""
    from netpath.checks import lint

    return lint


def resolve_ignore(from_files: Sequence[tuple[str, SpecPath]], from_cli: Sequence[str]
                   ) -> tuple[tuple[str, ...], list[SpecError]]:
    """The rule ids to leave out (ids or dotted names, as written), and an error for each
    unknown one: located where a file wrote it, or naming --ignore."""
    lint = _lint_module()
    known = [*(r.id for r in lint.RULES), *(r.name for r in lint.RULES)]
    ids: list[str] = []
    errors: list[SpecError] = []
    written: list[tuple[str, SpecPath | None]] = [*from_files, *((r, None) for r in from_cli)]
    for text, path in written:
        found = lint.find_rule(text)
        if found is not None:
            ids.append(found.id)
            continue
        hint = did_you_mean(text, known) or f"the rules are {', '.join(lint.rule_ids())}"
        if path is None:
            errors.append(SpecError(f"--ignore {text}: unknown lint rule id", hint=hint))
        else:
            errors.append(SpecError(f"unknown lint rule id {text!r}", path, hint=hint))
    return tuple(dict.fromkeys(ids)), errors


def run_check(model: Model, source_map: SourceMap, expectations: ExpectationSet,
              ignore: Sequence[str] = (), *, locate: Locator = no_locations,
              network: Network | None = None, errors: Sequence[SpecError] = ()) -> Report:
    """Trace and judge every expectation, run the lint rules not ignored.

    Raises SpecErrors with every error: `errors` (found while reading the expectations), the
    unknown rule ids, and the names no trace knows or groups that select nothing."""
    ignored, problems = resolve_ignore(expectations.ignore, ignore)
    if network is None:
        from netpath.engine import prepare

        network = prepare(model)
    results, failures = run_expectations(network, expectations.expectations, locate)
    problems = [*errors, *problems, *failures]
    if problems:
        raise SpecErrors(sorted_errors(problems, source_map))
    findings = _lint_module().run_rules(model, network, ignored)
    return Report(results, findings, ignored, registered_rules())


class _Runner:
    """Names an expectation gives are what `netpath trace` takes, with one difference: a
    destination the spec does not have is an error there (a misspelt name must not pass as
    `reachable: false`), also when it is a DNS name nobody answers, unless the expectation
    asks for exactly that (`code: DNS_NXDOMAIN`). Likewise a `not_via` name that names nothing
    a trace can cross (`not_via: [nat-b]` would always hold; an unknown `via` name fails the
    expectation by itself, showing every name the path crossed)."""

    def __init__(self, network: Network, locate: Locator) -> None:
        from netpath.engine import trace
        from netpath.engine.errors import QueryError, UnknownName
        from netpath.engine.hops import Query

        self.network, self.locate = network, locate
        self.groups = Groups(network)
        self.trace, self.query_type, self.query_error = trace, Query, QueryError
        self.unknown_name = UnknownName
        self.traces: dict[_Query, Trace] = {}
        self.judged: dict[tuple[Any, ...], PairResult] = {}
        self._crossable: frozenset[str] | None = None
        self._pod_pairs: dict[tuple[Any, ...], PodPairs | None] = {}

    def run(self, exp: Expectation, errors: list[SpecError]) -> ExpectationResult | None:
        strangers = self._unknown_components(exp)
        if strangers:
            errors.extend(strangers)
            return None
        try:
            sources = self.groups.members(exp.source)
        except GroupError as exc:
            errors.append(SpecError(exc.message, (*exp.path, "from"), hint=exc.hint))
            return None
        try:
            destinations = self.groups.members(exp.destination)
        except GroupError as exc:
            errors.append(SpecError(exc.message, (*exp.path, "to"), hint=exc.hint))
            return None
        grouped = not (isinstance(exp.source, str) and isinstance(exp.destination, str))
        criteria = (exp.reachable, exp.code, exp.via, exp.not_via, exp.source_ip_seen)
        classes = self._pod_classes(exp, sources, destinations) if grouped else None
        pairs: list[PairResult] = []
        for source in sources:
            for destination in destinations:
                if grouped and source == destination:
                    continue  # a pod to itself says nothing about the network
                key = (source, destination, exp.port, exp.protocol, criteria)
                pair = self.judged.get(key)
                if pair is None and classes is not None:
                    pair = passing(exp, source, destination,
                                   classes.verdict(source, destination))
                    if pair is not None:
                        self.judged[key] = pair
                if pair is None:
                    nxdomain = exp.code == Code.DNS_NXDOMAIN
                    found = self._trace((source, destination, exp.port, exp.protocol,
                                         nxdomain))
                    if isinstance(found, SpecError):
                        errors.append(self._query_error(exp, found, source, destination))
                        return None
                    unknown = None if nxdomain else self._not_in_spec(exp, destination, found)
                    if unknown is not None:
                        errors.append(unknown)
                        return None
                    pair = judge(exp, source, destination, found, self.locate)
                    self.judged[key] = pair
                pairs.append(pair)
        return ExpectationResult(
            name=exp.name, description=exp.description, passed=all(p.passed for p in pairs),
            pairs=tuple(pairs), path=exp.path, source=str(exp.source),
            destination=str(exp.destination), expected=exp.expected, port=exp.port,
            protocol=exp.protocol)

    def _pod_classes(self, exp: Expectation, sources: Sequence[str],
                     destinations: Sequence[str]) -> PodPairs | None:
        """The class verdicts of a group expectation between pods, when they decide it (one
        matrix per pair of sides, protocol and port)."""
        if not by_class(exp) or exp.port is None or isinstance(exp.source, str) \
                or isinstance(exp.destination, str):
            return None  # a name as written is resolved by the trace, as `netpath trace` does
        key = (exp.source, exp.destination, exp.protocol, exp.port)
        if key not in self._pod_pairs:
            pods = pod_sides(self.groups.pods, sources, destinations)
            self._pod_pairs[key] = None if pods is None else PodPairs(
                self.network, pods, exp.protocol, exp.port)
        return self._pod_pairs[key]

    def _trace(self, query: _Query) -> Trace | SpecError:
        found = self.traces.get(query)
        if found is not None:
            return found
        source, destination, port, protocol, nxdomain = query
        try:
            result = self.trace(self.network, self.query_type(
                source, destination, port, protocol, dns_for_unknown=nxdomain))
        except self.unknown_name as exc:
            # No near name: perhaps one that does not exist was meant; say how to expect that.
            hint = f"{exc.hint}; {_ASK_NXDOMAIN}" if exc.role == "destination" \
                and exc.suggestion is None else exc.hint
            return SpecError(exc.message, hint=hint)
        except self.query_error as exc:
            return SpecError(exc.message, hint=exc.hint)
        if len(self.traces) >= TRACE_CACHE_SIZE:
            self.traces.pop(next(iter(self.traces)))  # the oldest
        self.traces[query] = result
        return result

    def _unknown_components(self, exp: Expectation) -> list[SpecError]:
        if not exp.not_via:
            return []
        if self._crossable is None:
            self._crossable = crossable_names(self.network)
        known = self._crossable
        return [SpecError(f"{name!r} names no component of the spec that a path can cross",
                          (*exp.path, "not_via", i), hint=did_you_mean(name, known) or
                          "name components as trace hops do (nat-a, sg-db, default/pod-a) or a "
                          "kind (kube-proxy)")
                for i, name in enumerate(exp.not_via)
                if name not in known and " " not in name]  # DNS servers are named in words

    def _not_in_spec(self, exp: Expectation, destination: str, found: Trace) -> SpecError | None:
        """A DNS name nobody answers that the spec does not have either: an error, not a
        verdict (see the class docstring)."""
        from netpath.engine.resolve import nxdomain_hint, resolve_source
        from netpath.engine.typed_names import spec_knows

        blocked = found.blocked_by
        if blocked is None or blocked.code != Code.DNS_NXDOMAIN or spec_knows(self.network,
                                                                         destination):
            return None
        source = resolve_source(self.network, found.query.source)
        near = nxdomain_hint(self.network, destination, source)
        ask = _ASK_NXDOMAIN[0].upper() + _ASK_NXDOMAIN[1:]
        return SpecError(f"{destination!r} is not in the spec (no record, internet host or "
                         "Service has that name), so it does not resolve",
                         (*exp.path, "to"), hint=f"{near} {ask}" if near else _ASK_NXDOMAIN)

    def _query_error(self, exp: Expectation, err: SpecError, source: str,
                     destination: str) -> SpecError:
        """Placed at `from` or `to`, whichever the engine complained of: the source when it
        does not resolve on its own, else the destination."""
        from netpath.engine.resolve import resolve_source

        try:
            resolve_source(self.network, source)
            side = "to"
        except self.query_error:
            side = "from"
        grouped = not (isinstance(exp.source, str) and isinstance(exp.destination, str))
        message = f"{source} -> {destination}: {err.message}" if grouped else err.message
        return SpecError(message, (*exp.path, side), hint=err.hint)


def crossable_names(network: Network) -> frozenset[str]:
    """What `via` and `not_via` may name: every name a hop can carry (AWS resources, clusters'
    nodes, pods, Services, NetworkPolicies and Ingresses, the DNS servers) and every component
    kind."""
    from netpath.engine.coredns import COREDNS
    from netpath.model.vocabulary import Component

    model, kube = network.model, network.kube
    # Pods and Services by every key they answer to (NAME, NAMESPACE/NAME, CLUSTER/...).
    names = {*model.resource_names(), *(c.value for c in Component), *kube.pods_by_key,
             *kube.services_by_key, COREDNS, "route53", "internet", "client"}
    for cluster in model.clusters.values():
        names.add(cluster.name)
        names.update(cluster.nodes)
        names.update(cluster.network_policies)
        names.update(cluster.ingresses)
    return frozenset(names)


def run_expectations(network: Network, expectations: Sequence[Expectation],
                     locate: Locator = no_locations
                     ) -> tuple[tuple[ExpectationResult, ...], list[SpecError]]:
    """Every expectation's result, and the errors (unknown names, empty groups), unlocated."""
    runner = _Runner(network, locate)
    results: list[ExpectationResult] = []
    errors: list[SpecError] = []
    with collector.paused():  # ten thousand traces allocate a lot, none of it cyclic garbage
        for exp in expectations:
            result = runner.run(exp, errors)
            if result is not None:
                results.append(result)
    return tuple(results), errors
