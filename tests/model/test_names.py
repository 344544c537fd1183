"""The did-you-mean hint: never the name typed, only names that work when typed back."""

from __future__ import annotations

from netpath.model.names import did_you_mean


def test_a_near_name() -> None:
    assert did_you_mean("nat-b", ["nat-a", "igw-prod"]) == "did you mean 'nat-a'?"
    assert did_you_mean("zzz", ["nat-a", "igw-prod"]) is None


def test_never_the_name_typed() -> None:
    """It was typed and refused (a Service given as a source, say): suggesting it back says
    nothing, and the next near name is better than none."""
    assert did_you_mean("shop-api", ["shop-api"]) is None
    assert did_you_mean("shop-api", ["shop-api", "shop-apis"]) == "did you mean 'shop-apis'?"


def test_a_case_slip() -> None:
    assert did_you_mean("Node-1", ["node-1"]) == "did you mean 'node-1'?"


def test_only_names_accepted_when_typed_back() -> None:
    """The closest name is refused (`frontend` names several pods): the next one is offered."""
    names = ["frontend", "frontend-0", "backend"]
    assert did_you_mean("frontnd", names) == "did you mean 'frontend'?"
    assert did_you_mean("frontnd", names, accept=lambda n: n != "frontend") == \
        "did you mean 'frontend-0'?"
    assert did_you_mean("frontnd", names, accept=lambda n: False) is None


def test_a_stricter_cutoff() -> None:
    """For DNS names: sharing a domain is no near miss."""
    hosts = ["api.example.com"]
    assert did_you_mean("nothere.example.com", hosts) is not None
    assert did_you_mean("nothere.example.com", hosts, cutoff=0.85) is None
    assert did_you_mean("api.exmaple.com", hosts, cutoff=0.85) == "did you mean 'api.example.com'?"
