"""Lint rules: checks over the whole spec that need no query, each with a stable id.

A rule is a generator function over a `LintContext` (the model, the engine's `Network` and
indexes built once and shared by every rule), registered with `@rule(...)`. It yields `Hit`s:
a one-line message stating the fact (names and values), a concrete fix, and the spec path of
the exact key or entry that causes it; `run_rules` turns them into `Finding`s carrying the
rule's id, dotted name and severity. Paths become file:line:column only when rendering, through
the loader's source map.

Like cfn-lint's and sqlfluff's rules: an id that never changes meaning once released
(`NP001`), a dotted name (`network-policy.separate-selectors`), a `Severity`, a short and a long
description, a source URL, and a docstring with an *Anti-pattern* and a *Best practice* example
(the README's rule table is generated from the registry, and a test checks every rule has
them). The registry refuses a duplicate id or name.

The rule modules are imported on first use of the registry (`RULES`, `rule_ids`, `run_rules`),
so importing this module costs nothing at CLI start-up.

Adding a rule: pick the module of its topic under `netpath/checks/rules/` (or add one to
`RULE_MODULES`), take the next free id of the topic (ids are never reused), write the generator
with its docstring, read shared indexes from the `LintContext` instead of scanning the model in
a loop, add `tests/checks/rules/<ID>.yaml` (a case that fires with the exact findings, one that
does not), and run `python tools/readme.py`.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from difflib import get_close_matches
from typing import TYPE_CHECKING

from netpath.checks.report import Finding
from netpath.model.paths import SpecPath
from netpath.model.record import record
from netpath.model.vocabulary import Severity

if TYPE_CHECKING:
    from netpath.checks.rules.context import LintContext
    from netpath.engine.network import Network
    from netpath.model.resources import Model

__all__ = ["RULES", "Hit", "Registry", "Rule", "UnknownRuleError", "find_rule", "rule",
           "rule_ids", "run_rules"]

# The rule modules, in the order their rules are listed (README, `rule_ids`). Explicit, so a
# module is never picked up or dropped by accident.
RULE_MODULES = (
    "netpath.checks.rules.network_policy",
    "netpath.checks.rules.network_policy_dns",
    "netpath.checks.rules.security_groups",
    "netpath.checks.rules.subnets",
    "netpath.checks.rules.nacls",
    "netpath.checks.rules.routes",
    "netpath.checks.rules.services",
    "netpath.checks.rules.vpcs",
    "netpath.checks.rules.capacity",
)

_ID = re.compile(r"^[A-Z]{2,5}[0-9]{3}$")
_NAME = re.compile(r"^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$")
_SECTION = re.compile(r"^(Anti-pattern|Best practice):\s*$", re.M)


@record
class Hit:
    """What a rule reports; `run_rules` adds the rule's id, name and severity."""

    message: str  # one line: the fact, with names and values
    fix: str  # a concrete change that removes the finding
    path: SpecPath  # the exact key or list entry that causes it


Check = Callable[["LintContext"], Iterable[Hit]]


@record
class Rule:
    id: str  # stable: never reused for another meaning
    name: str  # dotted: topic.what
    severity: Severity
    summary: str  # what it finds, one short sentence (the README table)
    description: str  # the long description: the docstring before its examples
    fix: str  # the general fix, one short sentence (the README table)
    source: str  # the documentation page the rule is based on
    anti_pattern: str  # the docstring's example of what the rule reports
    best_practice: str  # the docstring's example of the fix
    check: Check


class UnknownRuleError(ValueError):
    """An id (or name) to ignore that no rule has."""

    def __init__(self, unknown: Collection[str], known: Collection[str]) -> None:
        parts = []
        for text in unknown:
            close = get_close_matches(text, known, n=1)
            parts.append(f"{text!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        super().__init__(f"unknown lint rule {', '.join(parts)}; the rules are: "
                         f"{', '.join(known)}")
        self.unknown = tuple(unknown)


class Registry:
    """Rules by id, in registration order; adding an id or a name twice is an error.

    `loader` runs once, before the first read (it imports the rule modules)."""

    def __init__(self, loader: Callable[[], None] | None = None) -> None:
        self._rules: dict[str, Rule] = {}
        self._names: dict[str, str] = {}
        self._loader = loader

    def add(self, new: Rule) -> None:
        if new.id in self._rules:
            raise ValueError(f"lint rule id {new.id!r} is registered twice ("
                             f"{self._rules[new.id].check.__module__} and "
                             f"{new.check.__module__})")
        if new.name in self._names:
            raise ValueError(f"lint rule name {new.name!r} is used by {self._names[new.name]} "
                             f"and {new.id}")
        self._rules[new.id] = new
        self._names[new.name] = new.id

    def _ready(self) -> dict[str, Rule]:
        if self._loader is not None:
            loader, self._loader = self._loader, None
            try:
                loader()
            except BaseException:
                self._loader = loader  # a broken rule module fails every use, not just the first
                raise
        return self._rules

    def __iter__(self) -> Iterator[Rule]:
        return iter(tuple(self._ready().values()))

    def __len__(self) -> int:
        return len(self._ready())

    def __getitem__(self, rule_id: str) -> Rule:
        return self._ready()[rule_id]

    def get(self, text: str) -> Rule | None:
        """A rule by its id or its dotted name."""
        rules = self._ready()
        if text in rules:
            return rules[text]
        rule_id = self._names.get(text)
        return rules[rule_id] if rule_id is not None else None


def _load_rule_modules() -> None:
    for module in RULE_MODULES:
        importlib.import_module(module)


RULES = Registry(_load_rule_modules)


def rule(rule_id: str, name: str, severity: Severity, *, summary: str, fix: str, source: str,
         registry: Registry = RULES) -> Callable[[Check], Check]:
    """Register the decorated generator as a lint rule. Its docstring is the long description
    followed by an `Anti-pattern:` and a `Best practice:` section (indented examples)."""
    if not _ID.match(rule_id):
        raise ValueError(f"lint rule id {rule_id!r} is not like NP001")
    if not _NAME.match(name):
        raise ValueError(f"lint rule name {name!r} is not dotted lowercase (topic.what)")
    if not isinstance(severity, Severity):  # a plain string: only a known one will do
        try:
            severity = Severity(severity)
        except ValueError:
            raise ValueError(f"lint rule {rule_id}: severity {severity!r} is not one of "
                             f"{', '.join(Severity)}") from None

    def register(check: Check) -> Check:
        description, examples = _split_docstring(check)
        registry.add(Rule(rule_id, name, severity, summary, description, fix, source,
                          examples.get("Anti-pattern", ""), examples.get("Best practice", ""),
                          check))
        return check

    return register


def _split_docstring(check: Check) -> tuple[str, dict[str, str]]:
    text = inspect.cleandoc(check.__doc__ or "")
    pieces = _SECTION.split(text)
    examples = {pieces[i]: inspect.cleandoc(pieces[i + 1]) for i in range(1, len(pieces) - 1, 2)}
    return pieces[0].strip(), examples


def rule_ids() -> tuple[str, ...]:
    """Every rule id, in the registry's order (what `--ignore` accepts, with the names)."""
    return tuple(r.id for r in RULES)


def find_rule(text: str) -> Rule | None:
    """The rule with this id or dotted name."""
    return RULES.get(text)


def run_rules(model: Model, network: Network, ignore: Collection[str] = ()) -> tuple[Finding, ...]:
    """Every finding of every rule not in `ignore` (ids or dotted names).

    Deterministic: rules in registry order, each rule's findings in the order of the spec's
    maps (or sorted where a rule works on sets). Raises `UnknownRuleError` for an unknown id."""
    from netpath.checks.rules.context import LintContext

    skipped: set[str] = set()
    unknown: list[str] = []
    for text in ignore:
        found = RULES.get(text)
        if found is None:
            unknown.append(text)
        else:
            skipped.add(found.id)
    if unknown:
        raise UnknownRuleError(unknown, rule_ids())
    context = LintContext(model, network)
    findings: list[Finding] = []
    for current in RULES:
        if current.id in skipped:
            continue
        for hit in current.check(context):
            findings.append(Finding(current.id, current.name, current.severity, hit.message,
                                    hit.fix, hit.path))
    return tuple(findings)
