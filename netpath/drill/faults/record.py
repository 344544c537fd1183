"""A fault of `netpath drill`'s find-the-fault: one change to a working model, and its fix.

`inject` finds them on a trace and injects them; this module only says what one is, so that the
makers of each family of faults (`inject`, `kubernetes`) share it without importing each other.

A fault's `keywords` say what a free-text fix must hold besides the component's name (`grading`
reads them; words match whole, the way they are written in the fix):
- plain words: what the fix is about ("route", "ephemeral", "label"), one of them, anywhere
  ("it has no outbound rules, add one" is about outbound rules);
- "~word": the same, but only in the clause of the action ("no change to the ephemeral ports,
  allow 8080" does nothing for the ephemeral ports);
- "+word": what the fix does ("add", "allow", "label"), one of them, not negated, and another
  word than the one saying what it is about: "wrong label" is a diagnosis, "label it app=web
  again" a fix; a diagnosis alone, or the component's name alone, is no fix;
- "*word": a whole fix in one word ("restart", "relabel", "widen"), not negated;
- "!word": never this (the other direction of a rule, or undoing instead of mending: "remove",
  "delete", "deny", "denying"), when written as a command; "it was removed: add it back" is a
  fix.
`also` lists other ways a fix naming the component may be right (each a set of groups, one
word of every group); `named_words` is what a fix naming a `named_by` component must hold.
"""

from __future__ import annotations

from collections.abc import Callable

from netpath.model.record import record
from netpath.model.resources import Model

Change = Callable[[Model], Model]

# What a fix of a deleted rule or route does; and what undoes one instead of mending it.
RESTORE = ("+add", "+restore", "+put", "+recreate", "+create", "+reinstate")
UNDO = ("!remove", "!delete", "!deny", "!drop", "!block", "!revoke", "!disable", "!detach")
# What a fix of a pod's labels (or of the selector that misses them) does.
RELABEL = ("+label", "*relabel", "*re-label", "+restore", "+put", "+add", "+set", "+change",
           "+fix", "+match", "+update", "+revert")


def relabel_words(label: str, value: str) -> tuple[str, ...]:
    """A fix of a pod relabelled from label=value to label=value-v2, naming the pod: it labels
    it, about the label or label=value (never setting the broken value)."""
    return ("label", f"{label}={value}", *RELABEL, *not_relabelled(label, value),
            f"!change it to {label}={value}-v2", *UNDO)


def not_relabelled(label: str, value: str) -> tuple[str, ...]:
    """Never label a pod with the broken value ("label app=web-v2")."""
    broken = f"{label}={value}-v2"
    return tuple(f"!{w} {broken}" for w in ("label", "label it", "set", "set it to", "labels"))


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
    keywords: tuple[str, ...] = ()  # what a free-text fix must hold (see above)
    # Components that are part of the story, never offered as distractors: the Service whose
    # selector no longer matches the relabelled pod, the other groups of the interface...
    related: tuple[str, ...] = ()
    # Other components this fault broke just as much (every pod behind the Service a relabel
    # or a failing probe changed): as right an answer as `component`, so never offered as a
    # distractor, and named in a free-text fix as well as it.
    aliases: tuple[str, ...] = ()
    # Components a free-text fix may name instead, with the same key words: the Service whose
    # pods lost their label or their readiness ("echo-ip: fix the selector" is that fault's
    # diagnosis seen from the Service). Not an answer of its own: never in `aliases`.
    named_by: tuple[str, ...] = ()
    named_words: tuple[str, ...] = ()  # what a fix naming `named_by` holds (else `keywords`)
    also: tuple[tuple[tuple[str, ...], ...], ...] = ()  # other right ways (see above)
    at: tuple[str, ...] = ()  # where the broken trace must stop, for the stated reason (any)
    code: str = ""  # the code the broken trace shows (set by `inject`)

    @property
    def name(self) -> str:
        """The component's name without its kind: `rt-private`."""
        return self.component.split(" ", 1)[1]
