"""What `netpath check` reports: expectation results and lint findings, for every renderer.

Both speak in spec paths; file:line:column is resolved when rendering, through the source map.
"""

from __future__ import annotations

from netpath.model.paths import SpecPath
from netpath.model.record import record
from netpath.model.vocabulary import Code, Severity


@record
class Finding:
    """One lint finding: a rule that fired at a place in the spec."""

    rule: str  # the stable id, e.g. "NP001"
    name: str  # the rule's dotted name, e.g. "network-policy.separate-selectors"
    severity: Severity
    message: str  # one line, stating the fact
    fix: str
    path: SpecPath  # where the cause is written


@record
class PairResult:
    """One traced (source, destination) pair of an expectation."""

    source: str
    destination: str
    passed: bool
    verdict: str  # reachable | blocked
    code: Code | None  # the blocking code, when blocked
    problem: str | None  # why the pair breaks the expectation
    excerpt: tuple[str, ...]  # the trace lines that explain it (the blocking or differing step)
    port: int | None = None  # the destination port traced (the default one when none was given)


@record
class ExpectationResult:
    name: str
    description: str
    passed: bool
    pairs: tuple[PairResult, ...]  # every pair traced (one for a plain expectation)
    path: SpecPath  # where the expectation is written
    source: str = ""  # the `from` as written: a name, or a group in words ("namespace dev")
    destination: str = ""
    expected: str = ""  # reachable | blocked | blocked (CODE)
    port: int | None = None  # as written (None: the destination's own port, else 443)
    protocol: str = "tcp"

    @property
    def failures(self) -> tuple[PairResult, ...]:
        return tuple(p for p in self.pairs if not p.passed)


@record
class RuleInfo:
    """A lint rule as the registry describes it (SARIF lists them as `tool.driver.rules`)."""

    id: str
    name: str
    severity: Severity
    summary: str  # one line
    description: str  # the longer explanation
    help_uri: str


@record
class Report:
    expectations: tuple[ExpectationResult, ...]
    findings: tuple[Finding, ...]
    ignored_rules: tuple[str, ...]
    rules: tuple[RuleInfo, ...] = ()  # every registered lint rule (ignored ones too)

    def failed(self, *, strict: bool = False) -> bool:
        """Exit code 1: an expectation failed, or a finding at error (or, strict, warning)."""
        failing = (Severity.ERROR, Severity.WARNING) if strict else (Severity.ERROR,)
        return any(not e.passed for e in self.expectations) or any(
            f.severity in failing for f in self.findings)
