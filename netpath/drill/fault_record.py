"""A fault of `netpath drill`'s find-the-fault: one change to a working model, and its fix.

`faults` finds them on a trace and injects them; this module only says what one is, so that the
makers of each family of faults (`faults`, `faults_kube`) share it without importing each other.
"""

from __future__ import annotations

from collections.abc import Callable

from netpath.model.record import record
from netpath.model.resources import Model

Change = Callable[[Model], Model]


class NoFault(Exception):
    """No fault applies to this query (or none makes it fail for its stated reason)."""


@record
class Fault:
    kind: str  # one of faults.FAULT_KINDS
    component: str  # the broken component as traces name it: "route-table rt-private"
    description: str  # what netpath changed, in words
    fix: str  # the fix, in words
    apply: Change  # the fault, as a change to the model
    repair: Change  # the described fix, as a change to the (broken) model
    expect: tuple[str, ...]  # the codes the fault must cause
    # Words of which a free-text fix must hold one; a word written "!word" it must not hold
    # (the other direction of a security group rule).
    keywords: tuple[str, ...] = ()
    # Components that are part of the story, never offered as distractors: the Service whose
    # selector no longer matches the relabelled pod, the other groups of the interface...
    related: tuple[str, ...] = ()
    # Other components this fault broke just as much (every pod behind the Service a relabel
    # or a failing probe changed): as right an answer as `component`, so never offered as a
    # distractor, and named in a free-text fix as well as it.
    aliases: tuple[str, ...] = ()
    at: tuple[str, ...] = ()  # where the broken trace must stop, for the stated reason (any)
    code: str = ""  # the code the broken trace shows (set by `inject`)

    @property
    def name(self) -> str:
        """The component's name without its kind: `rt-private`."""
        return self.component.split(" ", 1)[1]
