"""ALB listener rules (netpath.engine.listener_rules): the wildcard matcher, conditions, priority.

The wildcard matcher is checked against `fnmatch.fnmatchcase` where the two agree: patterns
of `*`, `?` and characters other than `[`/`]`. They differ on `[`: fnmatch reads `[abc]` as a
character class, an ALB as the character itself (tested separately).
"""

from __future__ import annotations

import fnmatch
from dataclasses import replace
from ipaddress import IPv4Address, IPv4Network

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netpath.engine.listener_rules import (
    HttpRequest,
    host_matches,
    match_listener,
    path_matches,
    rule_matches,
    wildcard_match,
)
from netpath.model.resources import Listener, ListenerRule

# A small alphabet makes matches (and near misses) likely.
TEXT = st.text(alphabet="ab/.-", max_size=12)
PATTERN = st.text(alphabet="ab/.-*?", max_size=8)


@settings(max_examples=500, deadline=None)
@given(PATTERN, TEXT)
def test_wildcards_agree_with_fnmatch_without_brackets(pattern: str, text: str) -> None:
    assert wildcard_match(pattern, text) == fnmatch.fnmatchcase(text, pattern)


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_a_pattern_without_wildcards_is_equality(text: str) -> None:
    assert wildcard_match(text, text)
    assert not wildcard_match(text + "a", text)


@settings(max_examples=200, deadline=None)
@given(PATTERN, TEXT)
def test_host_patterns_ignore_case_both_ways(pattern: str, text: str) -> None:
    def norm(name: str) -> str:
        return name.lower().rstrip(".")

    assert host_matches(pattern.upper(), text) == host_matches(pattern, text.upper()) == \
        wildcard_match(norm(pattern), norm(text))


@pytest.mark.parametrize(("pattern", "text", "expected"), [
    ("/api/*", "/api/v1/users", True),  # * crosses "/"
    ("/api/*", "/api", False),  # hence the controller's pair /api and /api/*
    ("/api", "/api/", False),
    ("/v?/*", "/v1/x", True),
    ("/v?/*", "/v10/x", False),
    ("*", "", True),
    ("", "", True),
    ("?", "", False),
    ("/[ab]", "/[ab]", True),  # brackets are plain characters on an ALB...
    ("/[ab]", "/a", False),  # ...where fnmatch would call this a match
    ("*a*a*a*a*a*a*a*a*b", "a" * 60, False),  # no catastrophic backtracking
])
def test_wildcard_cases(pattern: str, text: str, expected: bool) -> None:
    assert wildcard_match(pattern, text) is expected


def test_paths_are_case_sensitive_hosts_are_not() -> None:
    assert not path_matches("/Static/*", "/static/app.js")
    assert host_matches("*.Example.COM", "shop.example.com")
    assert host_matches("*.example.com", "a.b.example.com")  # * spans labels on an ALB


def test_the_request_is_normalised_as_the_alb_sees_it() -> None:
    request = HttpRequest("Shop.Example.com:8443.", "/static/a.js?v=1#top")
    assert (request.host_key, request.path_key) == ("shop.example.com", "/static/a.js")
    assert HttpRequest(None, "static").path_key == "/static"
    assert str(HttpRequest(None)) == "Host (none), path /"


def rule(priority: int, hosts: tuple[str, ...] = (), paths: tuple[str, ...] = (),
         group: str = "tg") -> ListenerRule:
    return ListenerRule(priority, hosts, paths, group, ("rules", priority))


LISTENER = Listener(443, "HTTPS", "tg-default", ("listener",), (
    rule(20, paths=("/static/*",), group="tg-static"),
    rule(5, hosts=("*.shop.example.com",), paths=("/admin", "/admin/*"), group="tg-admin"),
    rule(10, hosts=("api.shop.example.com", "api.example.org"), group="tg-api"),
))


@pytest.mark.parametrize(("host", "path", "group", "explanation"), [
    ("api.shop.example.com", "/", "tg-api",
     "rule 10: host api.shop.example.com or api.example.org -> tg-api"),
    ("API.example.org", "/x", "tg-api",
     "rule 10: host api.shop.example.com or api.example.org -> tg-api"),
    ("api.shop.example.com", "/admin/users", "tg-admin",
     "rule 5: host *.shop.example.com, path /admin or /admin/* -> tg-admin"),
    ("www.shop.example.com", "/static/x.css", "tg-static", "rule 20: path /static/* -> tg-static"),
    ("www.shop.example.com", "/administrator", "tg-default",
     "default action -> tg-default (no rule matched)"),
    (None, "/admin", "tg-default", "default action -> tg-default (no rule matched)"),
])
def test_match_by_priority_with_all_conditions(host: str | None, path: str, group: str,
                                               explanation: str) -> None:
    match = match_listener(LISTENER, HttpRequest(host, path))
    assert (match.target_group, match.explanation) == (group, explanation)


def test_the_rules_passed_over_are_reported_in_priority_order() -> None:
    match = match_listener(LISTENER, HttpRequest("www.example.com", "/static/a"))
    assert [r.priority for r in match.passed_over] == [5, 10]
    assert match.rule is not None and match.rule.priority == 20


def test_a_listener_without_rules_or_forward() -> None:
    bare = Listener(80, "HTTP", None, ("listener",))
    match = match_listener(bare, HttpRequest("x"))
    assert (match.rule, match.target_group, match.explanation) == (
        None, None, "default action -> a fixed response (no forward)")


def test_a_host_condition_never_matches_a_request_without_host() -> None:
    assert not rule_matches(rule(1, hosts=("*",)), HttpRequest(None))
    assert rule_matches(rule(1, paths=("*",)), HttpRequest(None))


def test_a_source_ip_condition_judges_the_address_the_alb_receives() -> None:
    office = ListenerRule(1, (), ("/admin/*",), "tg-admin", ("rules", 1),
                          (IPv4Network("203.0.113.0/24"), IPv4Network("198.51.100.7/32")))
    listener = Listener(443, "HTTPS", "tg-web", ("listener",), (office,))
    inside = HttpRequest("shop.example.com", "/admin/users", IPv4Address("203.0.113.10"))
    outside = replace(inside, client=IPv4Address("192.0.2.1"))
    assert match_listener(listener, inside).target_group == "tg-admin"
    assert match_listener(listener, outside).target_group == "tg-web"  # AND with the path
    assert match_listener(listener, replace(inside, path="/")).target_group == "tg-web"
    assert not rule_matches(office, replace(inside, client=None))  # no client: no match
    assert match_listener(listener, inside).explanation == (
        "rule 1: path /admin/*, source 203.0.113.0/24 or 198.51.100.7/32 -> tg-admin")


# --- rules written in the spec -------------------------------------------------------------


def _spec_errors(rules: object, lb_type: str = "application") -> list[tuple[str, str]]:
    import yaml

    from netpath.load.schema import validate
    from netpath.model.paths import format_path
    from netpath.sources.netpath_spec.builder import build_model
    from tests.engine.casekit import CASES, deep_merge

    base = yaml.safe_load((CASES / "base.yaml").read_text())
    spec = deep_merge(base, {"vpcs": {
        "prod": {
            "load_balancers": {"lb": {
                "type": lb_type, "subnets": ["public-a"],
                "listeners": {"443": {"protocol": "HTTPS" if lb_type == "application"
                                      else "TCP", "target_group": "tg", "rules": rules}}}},
            "target_groups": {"tg": {"protocol": "HTTP", "port": 80}}},
        "dev": {"target_groups": {"tg-dev": {"protocol": "HTTP", "port": 80}}}}})
    errors = validate(spec)
    if not errors:
        errors = build_model(spec)[1]
    return [(format_path(e.path), e.message) for e in errors]


def test_written_rules_are_checked() -> None:
    where = 'vpcs.prod.load_balancers.lb.listeners["443"].rules'
    assert _spec_errors([
        {"priority": 1, "hosts": ["a.example.com"], "target_group": "tg"},
        {"priority": 1, "paths": ["/b"], "target_group": "tg"},
        {"priority": 2, "target_group": "tg"},
        {"priority": 3, "paths": ["/c"], "target_group": "tg-dev"},
        {"priority": 4, "paths": ["/d"], "target_group": "tgx"},
    ]) == [
        (f"{where}[1].priority", "priority 1 is used twice in this listener; AWS requires "
                                 "each rule's priority to be unique"),
        (f"{where}[2]", "listener rule 2 has no condition: give `hosts`, `paths` or `source_ips`"),
        (f"{where}[3].target_group", "listener rule 3 forwards to target group 'tg-dev' of "
                                     "VPC 'dev', not 'prod'"),
        (f"{where}[4].target_group", "target group 'tgx' does not exist"),
    ]


def test_rules_need_an_application_load_balancer() -> None:
    assert _spec_errors([{"priority": 1, "paths": ["/"], "target_group": "tg"}],
                        lb_type="network") == [
        ('vpcs.prod.load_balancers.lb.listeners["443"].rules',
         "listener rules need an application load balancer, not 'network'")]


def test_the_schema_refuses_a_rule_without_priority() -> None:
    errors = _spec_errors([{"paths": ["/"], "target_group": "tg"}])
    assert errors and errors[0][0] == 'vpcs.prod.load_balancers.lb.listeners["443"].rules[0]'
