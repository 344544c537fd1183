"""The vocabulary's values are a public contract: the trace JSON, `netpath check`'s reports and
the README use these exact strings, and scripts match on them. A renamed or dropped member is a
breaking change; these tests list every value so that one cannot happen unnoticed."""

from __future__ import annotations

import json
from enum import StrEnum

import pytest

from netpath.model.resources import ORIGIN_RANK
from netpath.model.vocabulary import (
    FILTERS,
    Action,
    Code,
    Component,
    Direction,
    EniOwner,
    RouteOrigin,
    RouteTarget,
    Severity,
)

ENUMS: tuple[type[StrEnum], ...] = (Component, EniOwner, Action, Direction, Code, Severity,
                                    RouteTarget, RouteOrigin)


def values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]


def test_component_kinds_of_the_trace_json() -> None:
    assert values(Component) == [
        "instance", "database", "eni", "subnet", "route-table", "security-group", "network-acl",
        "internet-gateway", "nat-gateway", "vpc-peering", "transit-gateway", "vpc-endpoint",
        "load-balancer", "target-group", "internet", "dns", "pod", "node", "kube-proxy",
        "service", "network-policy", "ingress",
    ]
    assert {Component.SECURITY_GROUP, Component.NETWORK_ACL} == FILTERS


def test_actions_of_the_trace_json() -> None:
    assert values(Action) == ["send", "forward", "allow", "deny", "translate", "deliver", "drop",
                              "resolve"]


def test_directions() -> None:
    assert values(Direction) == ["forward", "return"]


def test_explanation_codes() -> None:
    assert values(Code) == [
        "NO_ROUTE", "BLACKHOLE_ROUTE", "SG_EGRESS_DENIED", "SG_INGRESS_DENIED",
        "NACL_OUTBOUND_DENIED", "NACL_INBOUND_DENIED", "NACL_RETURN_DENIED", "NO_PUBLIC_IP",
        "NAT_NO_INTERNET_ROUTE", "NAT_INBOUND_REFUSED", "PEERING_NOT_TRANSITIVE",
        "PEERING_INACTIVE", "NO_RETURN_ROUTE", "TGW_NO_ATTACHMENT", "SOURCE_DEST_CHECK",
        "ENDPOINT_POLICY_DENIED", "NO_LISTENER", "NO_TARGETS", "TARGET_UNHEALTHY",
        "NO_HEALTHY_TARGETS", "UNKNOWN_ENDPOINT", "DNS_NXDOMAIN", "PRIVATE_ADDRESS_ON_INTERNET",
        "SERVICE_NO_ENDPOINTS", "TARGET_PORT_NOT_EXPOSED", "NO_POD_IP", "ROUTING_LOOP",
        "NETPOL_INGRESS_DENIED", "NETPOL_EGRESS_DENIED", "LB_SOURCE_RANGE_DENIED",
    ]
    assert all(code.name == code.value for code in Code)  # Code.X is "X"


def test_lint_severities() -> None:
    assert values(Severity) == ["error", "warning", "info"]  # also the order reports count in


def test_model_words() -> None:
    assert values(EniOwner) == ["instance", "database", "nat-gateway", "load-balancer",
                                "vpc-endpoint", "pod", "network-interface"]
    assert values(RouteTarget) == ["local", "internet-gateway", "nat-gateway", "vpc-peering",
                                   "transit-gateway", "vpc-endpoint", "network-interface",
                                   "blackhole"]
    # In AWS's order of route priority, which ORIGIN_RANK follows.
    assert values(RouteOrigin) == ["local", "static", "prefix-list", "propagated"]
    assert ORIGIN_RANK == {"local": 0, "static": 1, "prefix-list": 2, "propagated": 3}


def test_every_eni_owner_names_a_component() -> None:
    assert {owner: owner.component for owner in EniOwner} == {
        EniOwner.INSTANCE: Component.INSTANCE,
        EniOwner.DATABASE: Component.DATABASE,
        EniOwner.NAT_GATEWAY: Component.NAT_GATEWAY,
        EniOwner.LOAD_BALANCER: Component.LOAD_BALANCER,
        EniOwner.VPC_ENDPOINT: Component.VPC_ENDPOINT,
        EniOwner.POD: Component.POD,
        EniOwner.NETWORK_INTERFACE: Component.ENI,  # a bare interface
    }
    assert all(type(owner.component) is Component for owner in EniOwner)


@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: e.__name__)
def test_a_member_is_its_plain_string(enum: type[StrEnum]) -> None:
    for member in enum:
        text = member.value
        assert type(text) is str
        assert member == text and hash(member) == hash(text)
        assert str(member) == f"{member}" == format(member, "") == text
        assert json.dumps(member) == json.dumps(text)
        assert json.dumps({member: [member]}) == json.dumps({text: [text]})
        assert enum(text) is member
        assert {text: 1}[member] == 1 and {member: 1}[text] == 1  # plain-string lookups work


def test_values_are_unique_within_each_enum() -> None:
    # A repeated value makes an alias, which iteration and len() skip: count the names.
    for enum in ENUMS:
        assert len(enum.__members__) == len(enum), enum.__name__
