"""Running expectations over the default scenario: each criterion judged, the excerpt that
explains a failure, groups pair by pair, bad names and rule ids as located errors."""

from __future__ import annotations

import pytest

from netpath.checks.report import Report
from netpath.load.errors import SpecErrors
from tests.checks.conftest import CheckFn, FakeLint, fake_finding


def _only(report: Report) -> tuple[bool, str | None, tuple[str, ...]]:
    (result,) = report.expectations
    first = result.pairs[0]
    return result.passed, first.problem, first.excerpt


def test_reachable_holds(check: CheckFn, no_lint: None) -> None:
    report = check([{"from": "default/pod-a", "to": "backend-service", "port": 8080,
                     "reachable": True}])
    (result,) = report.expectations
    assert result.passed and not report.failed()
    (pair,) = result.pairs
    assert (pair.source, pair.destination, pair.port, pair.verdict, pair.code, pair.problem,
            pair.excerpt) == ("default/pod-a", "backend-service", 8080, "reachable", None,
                              None, ())
    assert (result.source, result.destination, result.expected, result.path) == (
        "default/pod-a", "backend-service", "reachable",
        ("netpath-expect.yaml", "expectations", 0))


def test_a_block_where_reachable_was_expected_shows_the_blocking_step(
        check: CheckFn, no_lint: None) -> None:
    passed, problem, excerpt = _only(check([{"from": "node-1", "to": "orders-db", "port": 22,
                                             "reachable": True}]))
    assert not passed
    assert problem == ("blocked: SG_INGRESS_DENIED at step 6 (security-group sg-db): no inbound "
                       "rule of sg-db on orders-db allows tcp/22 from 10.0.10.100 to 10.0.20.50")
    assert excerpt == (
        "  6  security-group sg-db  deny  no inbound rule of sg-db on orders-db allows tcp/22 "
        "from 10.0.10.100 to 10.0.20.50",
        "     blocked (SG_INGRESS_DENIED)",
        "     fix: connect to port 5432: orders-db listens on nothing else, so a rule for tcp/22 "
        "would not help",
    )


def test_reachable_where_blocked_was_expected_shows_the_path(check: CheckFn,
                                                              no_lint: None) -> None:
    passed, problem, excerpt = _only(check([{"from": "node-1", "to": "orders-db",
                                             "port": 5432, "reachable": False}]))
    assert not passed and problem == "reachable, expected blocked"
    assert excerpt[0] == ("crossed: node-1 -> sg-node -> rt-private -> prod-default-nacl -> "
                          "sg-db -> orders-db")
    assert excerpt[1].startswith("  7  database orders-db  deliver")


def test_code(check: CheckFn, no_lint: None) -> None:
    report = check([{"from": "internet", "to": "orders-db", "port": 5432,
                     "code": "NO_PUBLIC_IP"},
                    {"from": "internet", "to": "orders-db", "port": 5432, "code": "NO_ROUTE"}])
    good, bad = report.expectations
    assert good.passed and good.expected == "blocked (NO_PUBLIC_IP)"
    assert not bad.passed
    problem = bad.pairs[0].problem
    assert problem is not None and problem.startswith(
        "blocked by NO_PUBLIC_IP, expected NO_ROUTE: orders-db (10.0.20.50) has no public IP")
    assert bad.pairs[0].excerpt[-1].startswith("     fix: put orders-db behind")


def test_via_and_not_via(check: CheckFn, no_lint: None) -> None:
    report = check([
        # hop names, component kinds, one name of a hop that names several
        {"from": "default/pod-a", "to": "backend-service", "port": 8080, "reachable": True,
         "via": ["kube-proxy", "default/secure-backend", "node-1"], "not_via": ["sg-db"]},
        {"from": "node-1", "to": "orders-db", "port": 5432, "reachable": True,
         "via": ["nat-a"]},
        {"from": "node-1", "to": "orders-db", "port": 5432, "reachable": True,
         "via": ["nat-b"]},
        {"from": "internet", "to": "myapp.example.com", "reachable": True,
         "not_via": ["igw-prod"]},
    ])
    holds, considered, never, crosses = report.expectations
    assert holds.passed
    # nat-a was considered at the route table (a less specific route) and not taken
    assert considered.pairs[0].problem == "the path does not cross 'nat-a'"
    assert considered.pairs[0].excerpt[0] == (
        "  3  route-table rt-private  forward  10.0.0.0/16 -> local (also matched: "
        "0.0.0.0/0 -> nat-a)")
    assert considered.pairs[0].excerpt[1].startswith("     at scenarios/three-tier/netpath.yaml:")
    # nothing mentions nat-b: every name crossed
    assert never.pairs[0].excerpt == (
        "crossed: node-1 -> sg-node -> rt-private -> prod-default-nacl -> sg-db -> orders-db",)
    assert crosses.pairs[0].problem == "the path crosses 'igw-prod' at step 4"
    assert crosses.pairs[0].excerpt[0].startswith("  4  internet-gateway igw-prod  translate")


def test_source_ip_seen(check: CheckFn, no_lint: None) -> None:
    report = check([
        {"from": "default/pod-a", "to": "api.example.com", "reachable": True,
         "source_ip_seen": "198.51.100.10"},
        {"from": "default/pod-a", "to": "backend-service", "port": 8080, "reachable": True,
         "source_ip_seen": "10.0.10.5"},
        {"from": "default/pod-a", "to": "api.example.com", "reachable": True,
         "source_ip_seen": "10.0.10.5"},
    ])
    nat, direct, wrong = report.expectations
    assert nat.passed and direct.passed and not wrong.passed
    assert wrong.pairs[0].problem == ("api.example.com sees 198.51.100.10 as the source, "
                                      "expected 10.0.10.5")
    # the translations on the way, then the delivery
    assert [line.split()[2] for line in wrong.pairs[0].excerpt] == [
        "node-1", "nat-a", "igw-prod", "api.example.com"]


def test_groups_trace_every_pair_but_self_and_name_the_broken_ones(check: CheckFn,
                                                                    no_lint: None) -> None:
    report = check([
        {"from": {"namespace": "default"}, "to": {"selector": {"app": "backend"}},
         "port": 8080, "reachable": False},
        {"from": {"subnet": "private-a"}, "to": {"subnet": "db-a"}, "port": 5432,
         "reachable": True},
    ])
    isolated, database = report.expectations
    assert len(isolated.pairs) == 8 * 3 - 3  # a backend pod to itself is left out
    assert not isolated.passed
    assert [(p.source, p.destination) for p in isolated.failures] == [
        ("default/pod-a", "default/backend-0"), ("default/pod-a", "default/backend-1"),
        ("default/pod-a", "default/backend-2")]
    assert isolated.source == "namespace default" and isolated.destination == "pods app=backend"
    assert database.passed and len(database.pairs) == 6


def test_identical_queries_are_judged_once(check: CheckFn, no_lint: None) -> None:
    item = {"from": "node-1", "to": "orders-db", "port": 22, "reachable": True}
    first, second = check([item, {**item, "name": "again"}]).expectations
    assert first.pairs[0] is second.pairs[0]


def test_unknown_names_and_empty_groups_are_located_errors(check: CheckFn,
                                                           no_lint: None) -> None:
    with pytest.raises(SpecErrors) as caught:
        check([{"from": "node-3", "to": "orders-db", "reachable": True},
               {"from": "node-1", "to": "orders-dbb", "reachable": True},
               {"from": {"namespace": "prod"}, "to": "node-1", "reachable": True},
               {"from": "node-1", "to": {"selector": {"app": "fronend"}}, "reachable": True}])
    assert [str(e) for e in caught.value.errors] == [
        "netpath-expect.yaml:3:3: expectations[0].from: unknown source 'node-3' (did you mean "
        "'node-2'?)",
        "netpath-expect.yaml:7:3: expectations[1].to: unknown destination 'orders-dbb' (did "
        "you mean 'orders-db'?)",
        "netpath-expect.yaml:9:3: expectations[2].from: no namespace 'prod'",
        "netpath-expect.yaml:14:3: expectations[3].to: pods app=fronend selects no pod (did "
        "you mean 'app=frontend'?)",
    ]


def test_an_expectation_naming_nothing_the_spec_has_is_an_error_not_a_pass(
        check: CheckFn, no_lint: None) -> None:
    """Each of these held before as `reachable: false` (DNS_NXDOMAIN), or as a `not_via`
    that no path can cross."""
    with pytest.raises(SpecErrors) as caught:
        check([{"from": "pod-a", "to": "backend-servce", "port": 8080, "reachable": False},
               {"from": "pod-a", "to": "nothere.example.com", "reachable": False},
               {"from": "node-1", "to": "api.exmaple.com", "reachable": False},
               {"from": "node-1", "to": "zzzqqq", "reachable": False},
               {"from": "node-1", "to": "orders-db", "reachable": True, "not_via": ["nat-b"]}])
    ask = "to expect a name that does not resolve, say code: DNS_NXDOMAIN"
    assert [str(e) for e in caught.value.errors] == [
        "netpath-expect.yaml:4:3: expectations[0].to: unknown destination 'backend-servce' "
        "(did you mean 'backend-service'?)",
        "netpath-expect.yaml:8:3: expectations[1].to: 'nothere.example.com' is not in the "
        f"spec (no record, internet host or Service has that name), so it does not resolve "
        f"({ask})",
        "netpath-expect.yaml:11:3: expectations[2].to: 'api.exmaple.com' is not in the spec "
        "(no record, internet host or Service has that name), so it does not resolve (did you "
        "mean 'api.example.com'? To expect a name that does not resolve, say code: "
        "DNS_NXDOMAIN)",
        "netpath-expect.yaml:14:3: expectations[3].to: unknown destination 'zzzqqq' (give a "
        "name from the spec (an instance, a database, a pod, a Service...), an IP address, a "
        f"DNS name with its domain (api.example.com) or `internet`; {ask})",
        "netpath-expect.yaml:20:5: expectations[4].not_via[0]: 'nat-b' names no component of "
        "the spec that a path can cross (did you mean 'nat-a'?)",
    ]


def test_code_dns_nxdomain_expects_a_name_that_does_not_resolve(check: CheckFn,
                                                                 no_lint: None) -> None:
    report = check([{"from": "pod-a", "to": "backend-servce", "port": 8080,
                     "code": "DNS_NXDOMAIN"},
                    {"from": "pod-a", "to": "nothere.example.com", "code": "DNS_NXDOMAIN"},
                    {"from": "node-1", "to": "zzzqqq", "code": "DNS_NXDOMAIN"},
                    {"from": "node-1", "to": "api.example.com", "code": "DNS_NXDOMAIN"}])
    passed = [r.passed for r in report.expectations]
    assert passed == [True, True, True, False]  # api.example.com does resolve
    assert [p.code for r in report.expectations[:3] for p in r.pairs] == ["DNS_NXDOMAIN"] * 3


def test_a_name_the_spec_has_keeps_its_nxdomain_verdict(check: CheckFn, no_lint: None) -> None:
    """A Service's cluster name asked from the internet: the spec has the Service, and that it
    does not resolve there is worth expecting."""
    report = check([{"from": "internet", "to": "backend-service.default", "port": 8080,
                     "reachable": False}])
    assert report.expectations[0].passed
    assert report.expectations[0].pairs[0].code == "DNS_NXDOMAIN"


def test_ignore_ids_are_checked_against_the_registry(check: CheckFn,
                                                     fake_lint: FakeLint) -> None:
    with pytest.raises(SpecErrors) as caught:
        check([], top={"ignore": ["NP01", "SG001"]}, ignore=("XX999", "NS001"))
    assert [str(e) for e in caught.value.errors] == [
        "--ignore XX999: unknown lint rule id (the rules are NP001, SG001, NS001)",
        "netpath-expect.yaml:3:3: ignore[0]: unknown lint rule id 'NP01' (did you mean "
        "'NP001'?)",
    ]
    report = check([], top={"ignore": ["SG001"]},
                   ignore=("namespace.no-default-deny", "SG001"))
    assert report.ignored_rules == ("SG001", "NS001")  # names become ids, each once
    assert fake_lint.ignored[-1] == ("SG001", "NS001")


def test_findings_and_strictness(check: CheckFn, fake_lint: FakeLint) -> None:
    fake_lint.findings = [fake_finding("NP001", "warning", ("vpcs", "prod")),
                          fake_finding("NS001", "info", ("vpcs", "prod"))]
    report = check([])
    assert [f.rule for f in report.findings] == ["NP001", "NS001"]
    assert [r.id for r in report.rules] == ["NP001", "SG001", "NS001"]
    assert not report.failed() and report.failed(strict=True)
    fake_lint.findings.append(fake_finding("SG001", "error", ("vpcs", "prod")))
    assert check([]).failed()


def test_engine_refusals_are_placed_at_the_side_they_concern(check: CheckFn,
                                                             no_lint: None) -> None:
    with pytest.raises(SpecErrors) as caught:
        check([{"from": "10.9.9.9", "to": "orders-db", "reachable": True},
               {"from": "web-alb", "to": "orders-db", "reachable": True},
               {"from": "node-1", "to": "web-alb", "port": 443, "reachable": True},
               {"from": "node-1", "to": "10.9.9.9", "reachable": False}])
    assert [(e.path[-1], e.message) for e in caught.value.errors] == [
        ("from", "no network interface in the spec has the address 10.9.9.9"),
        ("from", "'web-alb' is a load balancer: it only opens connections to its targets"),
    ]
