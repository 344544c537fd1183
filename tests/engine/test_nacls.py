"""NACL evaluation: first match in rule order, implicit deny, and the reply-range arithmetic."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from hypothesis import given, settings
from hypothesis import strategies as st

from netpath.engine.nacls import evaluate_nacl, evaluate_nacl_range
from netpath.model.addr import PortRange
from netpath.model.resources import NaclRule


def rule(number: int, action: str, protocol: str = "tcp", ports: str | None = "0-65535",
         cidr: str = "0.0.0.0/0") -> NaclRule:
    return NaclRule(number, action, protocol, PortRange.parse(ports) if ports else None,
                    IPv4Network(cidr), ("rules", number))


PEER = IPv4Address("10.0.10.100")


def test_first_match_in_number_order_wins() -> None:
    rules = (rule(100, "deny", ports="22"), rule(200, "allow"))
    assert not evaluate_nacl(rules, "tcp", PEER, 22).allowed
    decision = evaluate_nacl(rules, "tcp", PEER, 443)
    assert decision.allowed and decision.rule is not None and decision.rule.number == 200


def test_implicit_final_deny() -> None:
    decision = evaluate_nacl((rule(100, "allow", ports="80"),), "tcp", PEER, 443)
    assert not decision.allowed and decision.rule is None


def test_cidr_and_protocol_must_match() -> None:
    rules = (rule(100, "allow", cidr="10.1.0.0/16"), rule(110, "allow", protocol="udp"))
    assert not evaluate_nacl(rules, "tcp", PEER, 443).allowed
    assert evaluate_nacl(rules, "udp", PEER, 53).allowed


def test_all_protocol_rule_ignores_ports() -> None:
    rules = (rule(100, "allow", protocol="all", ports=None),)
    assert evaluate_nacl(rules, "tcp", PEER, 5).allowed
    assert evaluate_nacl(rules, "icmp", PEER, None).allowed


def test_guide_nacl_blocks_every_reply() -> None:
    """The guide's NACL (allow 80 and 443 inbound, deny the rest) lets no reply back."""
    rules = (rule(100, "allow", ports="80"), rule(200, "allow", ports="443"),
             rule(300, "deny", protocol="all", ports=None))
    decision = evaluate_nacl_range(rules, "tcp", PEER, PortRange(32768, 60999))
    assert decision.none_allowed
    assert [r.number for r in decision.rules] == [300]


def test_partial_range_is_reported_as_parts() -> None:
    rules = (rule(100, "allow", ports="32768-40000"), rule(200, "deny", ports="40001-50000"))
    decision = evaluate_nacl_range(rules, "tcp", PEER, PortRange(32768, 60999))
    assert decision.allowed == (PortRange(32768, 40000),)
    assert decision.denied == (PortRange(40001, 60999),)
    assert decision.implicit_deny
    assert [r.number for r in decision.rules] == [100, 200]


def test_earlier_deny_shadows_later_allow_inside_range() -> None:
    rules = (rule(90, "deny", ports="50000"), rule(100, "allow", ports="1024-65535"))
    decision = evaluate_nacl_range(rules, "tcp", PEER, PortRange(32768, 60999))
    assert decision.allowed == (PortRange(32768, 49999), PortRange(50001, 60999))
    assert decision.denied == (PortRange(50000, 50000),)


port_ranges = st.builds(lambda a, b: PortRange(min(a, b), max(a, b)),
                        st.integers(1000, 1100), st.integers(1000, 1100))
rules_strategy = st.lists(
    st.tuples(st.sampled_from(["allow", "deny"]), port_ranges, st.sampled_from(["tcp", "all"]),
              st.sampled_from(["0.0.0.0/0", "10.0.0.0/8", "192.168.0.0/16"])),
    max_size=8)


@settings(max_examples=200)
@given(rules_strategy, port_ranges)
def test_range_decision_equals_reference_loop(raw, ports: PortRange) -> None:
    """Per port, the range evaluation agrees with a plain first-match loop."""
    rules = tuple(
        NaclRule(100 + 10 * i, action, protocol, None if protocol == "all" else span,
                 IPv4Network(cidr), ())
        for i, (action, span, protocol, cidr) in enumerate(raw))
    decision = evaluate_nacl_range(rules, "tcp", PEER, ports)
    for port in range(ports.low, ports.high + 1):
        expected = False
        for r in rules:  # the reference: AWS's documented loop
            if (r.protocol in ("all", "tcp") and PEER in r.cidr
                    and (r.ports is None or port in r.ports)):
                expected = r.action == "allow"
                break
        assert any(port in part for part in decision.allowed) == expected
        assert any(port in part for part in decision.denied) == (not expected)
