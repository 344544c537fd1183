"""Names as the user types them: unknown names are usage errors (with a did-you-mean that works
when typed back), DNS names are looked up, a name that is both a pod and a Service is never
picked silently, and a trace whose destination does not resolve shows no made-up address."""

from __future__ import annotations

from ipaddress import IPv4Address
from typing import Any

import pytest

from netpath.engine import Network, prepare, trace
from netpath.engine.errors import QueryError, UnknownName
from netpath.engine.hops import Query, Trace
from netpath.engine.resolve import resolve_destination, resolve_source
from netpath.engine.resolve_kube import kube_names
from netpath.engine.typed_names import looked_up, spec_knows
from netpath.model.vocabulary import Code, Component
from netpath.sources.loader import load_spec
from tests.engine.casekit import build


@pytest.fixture(scope="module")
def three_tier() -> Network:
    return prepare(load_spec(None).model)


def _pod(name: str, namespace: str, ip: str, node: str, labels: dict[str, str],
         port: int | None = None) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "c", "image": "i"}
    if port is not None:
        container["ports"] = [{"containerPort": port}]
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {"nodeName": node, "containers": [container]}, "status": {"podIP": ip}}


def _service(name: str, namespace: str, ip: str, selector: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name,
                                                                "namespace": namespace},
            "spec": {"clusterIP": ip, "selector": selector, "ports": [{"port": 80}]}}


def two_clusters() -> Network:
    """`kubectl run frontend --expose` in dev of eks-prod (a pod and a Service named frontend),
    a pod of the same name in eks-stage, a client, a Service shop-api whose only pod is the
    client, a pod cache in dev and a Service cache in ops, and a default-deny ingress in
    eks-prod's dev."""
    deny = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "deny-all", "namespace": "dev"},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}
    spec = {"netpath": 1, "clusters": {
        "eks-prod": {"service_cidr": "10.96.0.0/12", "nodes": {"w1": {"ip": "192.168.1.10"}},
                     "manifests": [
                         _pod("frontend", "dev", "10.244.0.5", "w1", {"run": "frontend"}, 80),
                         _service("frontend", "dev", "10.96.0.20", {"run": "frontend"}),
                         _pod("client", "dev", "10.244.0.6", "w1", {"app": "client"}),
                         _pod("other", "ops", "10.244.0.7", "w1", {"app": "other"}),
                         _service("shop-api", "dev", "10.96.0.21", {"app": "client"}),
                         _pod("cache", "dev", "10.244.0.8", "w1", {"app": "cache"}),
                         _service("cache", "ops", "10.96.0.22", {"app": "cache"}),
                         deny]},
        "eks-stage": {"service_cidr": "10.96.0.0/12", "nodes": {"s1": {"ip": "192.168.2.10"}},
                      "manifests": [
                          _pod("frontend", "dev", "10.244.9.5", "s1", {"run": "frontend"})]},
    }}
    return prepare(build(spec))


@pytest.fixture(scope="module")
def clusters() -> Network:
    return two_clusters()


def _addresses(result: Trace) -> set[IPv4Address]:
    packets = [h.packet for h in (*result.hops, *result.return_path)]
    if result.flow is not None:
        packets.append(result.flow)
    return {p.dst_ip for p in packets} | {p.src_ip for p in packets}


# --- unknown names ------------------------------------------------------------------------------

@pytest.mark.parametrize("source", ["pod-a", "node-1", "internet"])
def test_a_misspelt_name_is_a_usage_error_with_a_did_you_mean(three_tier: Network,
                                                              source: str) -> None:
    with pytest.raises(UnknownName) as caught:
        trace(three_tier, Query(source, "backend-servce", 8080))
    assert caught.value.message == "unknown destination 'backend-servce'"
    assert caught.value.hint == "did you mean 'backend-service'?"


def test_a_short_form_the_search_list_completes_is_no_dns_name(three_tier: Network) -> None:
    with pytest.raises(UnknownName, match="'backend-servce.default'"):
        trace(three_tier, Query("pod-a", "backend-servce.default", 8080))


@pytest.mark.parametrize("source, resolver", [("pod-a", "10.100.0.10"), ("node-1", "10.0.0.2"),
                                              ("internet", "203.0.113.53")])
def test_a_dns_name_nobody_answers_is_nxdomain_without_a_made_up_flow(
        three_tier: Network, source: str, resolver: str) -> None:
    result = trace(three_tier, Query(source, "nothere.example.com", 443))
    assert result.blocked_by is not None and result.blocked_by.code == Code.DNS_NXDOMAIN
    assert result.flow is None and result.dst_port == 443
    lookup = result.hops[-1].packet  # what the source really sends: its lookup
    assert (lookup.protocol, str(lookup.dst_ip), lookup.dst_port) == ("udp", resolver, 53)
    assert lookup.src_ip != lookup.dst_ip
    assert "did you mean" not in result.blocked_by.fix  # it shares a domain, nothing more


def test_a_near_miss_of_a_dns_name_says_which_name_answers(three_tier: Network) -> None:
    result = trace(three_tier, Query("node-1", "api.exmaple.com", 443))
    assert result.blocked_by is not None
    assert result.blocked_by.fix.endswith("(did you mean 'api.example.com'?)")


def test_dns_for_unknown_looks_a_misspelling_up(three_tier: Network) -> None:
    result = trace(three_tier, Query("pod-a", "backend-servce", 8080, dns_for_unknown=True))
    assert result.blocked_by is not None and result.blocked_by.code == Code.DNS_NXDOMAIN
    assert IPv4Address("10.0.10.5") not in {h.packet.dst_ip for h in result.hops}


def test_a_name_the_spec_knows_keeps_its_nxdomain(three_tier: Network) -> None:
    """Not a typo: a Service's cluster name asked from outside the cluster."""
    result = trace(three_tier, Query("internet", "backend-service.default", 8080))
    assert result.blocked_by is not None and result.blocked_by.code == Code.DNS_NXDOMAIN


def test_a_short_service_name_from_another_namespace_is_nxdomain_with_its_lesson(
        clusters: Network) -> None:
    result = trace(clusters, Query("ops/other", "shop-api", 80))
    assert result.blocked_by is not None and result.blocked_by.code == Code.DNS_NXDOMAIN
    assert "ask for shop-api.dev" in result.blocked_by.fix


@pytest.mark.parametrize("text, from_pod, from_elsewhere", [
    ("backend-servce", False, False),  # one label: never a DNS question of its own
    ("backend-servce.default", False, True),  # the pod's search list completes it
    ("backend-servce.default.svc", False, True),
    ("10-0-0-9.default.pod", False, True),
    ("backend-servce.default.svc.cluster.local", True, True),  # fully qualified
    ("nothere.example.com", True, True),
    ("api.internal", True, True),  # `internal` is no namespace of the cluster
    ("backend-servce.", False, False),  # one label, even absolute
    ("backend-servce.default.", True, True),  # absolute: no search list
    ("bad..name", False, False),
    ("white space.com", False, False),
])
def test_what_is_a_dns_name_to_look_up(three_tier: Network, text: str, from_pod: bool,
                                       from_elsewhere: bool) -> None:
    cluster = three_tier.model.clusters["eks-prod"]
    assert looked_up(cluster, text) is from_pod
    assert looked_up(None, text) is from_elsewhere


@pytest.mark.parametrize("text, known", [
    ("backend-service", True), ("backend-service.default", True),
    ("backend-service.default.svc", True), ("backend-service.default.svc.cluster.local", True),
    ("backend-service.kube-system", True),  # a Service of that name, asked in the wrong place
    ("backend-servce.default.svc.cluster.local", False), ("api.example.com", True),
    ("API.example.com.", True), ("myapp.example.com", True), ("api.exmaple.com", False),
    ("backend-service.example.com", False),
])
def test_what_the_spec_knows_as_a_dns_name(three_tier: Network, text: str, known: bool) -> None:
    assert spec_knows(three_tier, text) is known


# --- did-you-mean -------------------------------------------------------------------------------

def test_no_suggestion_is_the_name_typed(clusters: Network) -> None:
    with pytest.raises(QueryError) as caught:
        resolve_source(clusters, "shop-api")  # a Service: it opens no connections
    assert "is a Service" in caught.value.message
    assert caught.value.hint == "trace from one of its pods: dev/client"
    with pytest.raises(UnknownName) as unknown:
        resolve_source(clusters, "Shop-api")
    assert "shop-api" not in (unknown.value.hint or "")  # no source has that name


def test_things_that_open_no_connections_say_so(three_tier: Network) -> None:
    with pytest.raises(QueryError, match="'nat-a' is a NAT gateway"):
        resolve_source(three_tier, "nat-a")


@pytest.mark.parametrize("typed", ["eks-prod:dev/client", "eks-prod/dev/client", "dev/client",
                                   "client", "pod/dev/client", "pod/eks-prod:dev/client"])
def test_every_pod_form_is_accepted(clusters: Network, typed: str) -> None:
    found = resolve_source(clusters, typed)
    assert found.pod is not None and found.pod.key == "dev/client"
    assert found.cluster == "eks-prod"


def _names_in(message: str) -> list[str]:
    return [word.strip("',?()") for word in message.replace(",", " ").split()
            if "/" in word]


BOTH = "pods and a Service (pod eks-prod/dev/frontend, pod eks-stage/dev/frontend, Service " \
    "eks-prod/dev/frontend)"


@pytest.mark.parametrize("source, typed, error", [
    (None, "frontend", "'frontend' names several pods (pod eks-prod/dev/frontend, pod "
                       "eks-stage/dev/frontend)"),
    ("eks-stage/dev/frontend", "dev/frontend", f"'dev/frontend' names {BOTH}"),
    # a pod of eks-stage: no Service of its cluster has the name, so it is no DNS question
    ("eks-stage/dev/frontend", "frontend", f"'frontend' names {BOTH}"),
])
def test_an_ambiguous_name_lists_names_that_each_mean_one_thing(
        clusters: Network, source: str | None, typed: str, error: str) -> None:
    client = resolve_source(clusters, "client")
    with pytest.raises(QueryError) as caught:
        if source is None:
            resolve_source(clusters, typed)
        else:
            resolve_destination(clusters, typed, resolve_source(clusters, source))
    assert caught.value.message == error
    offered = _names_in(caught.value.hint or "")
    assert len(offered) == len(error.split("(")[1].split(", "))
    for name in offered:  # each one, typed back, means one pod or one Service
        assert kube_names(clusters, name).count == 1, name
        assert resolve_destination(clusters, name, client)[0] is not None


def test_the_suggested_names_of_the_issue_are_accepted(clusters: Network) -> None:
    assert kube_names(clusters, "eks-prod:dev/frontend").count == 2  # the pod and the Service
    assert kube_names(clusters, "pod/eks-prod:dev/frontend").pods[0].cluster == "eks-prod"
    assert kube_names(clusters, "service/dev/frontend").services[0][0] == "eks-prod"


@pytest.mark.parametrize("source, suggested", [
    ("internet", None),  # `frontend` names two pods and a Service: no name near enough works
    ("client", "frontend"),  # from a pod of dev, DNS answers it: the Service
])
def test_a_suggestion_never_names_something_that_would_be_refused(
        clusters: Network, source: str, suggested: str | None) -> None:
    asking = resolve_source(clusters, source)
    with pytest.raises(UnknownName) as caught:
        resolve_destination(clusters, "frontnd", asking)
    assert caught.value.suggestion == (f"did you mean {suggested!r}?" if suggested else None)
    if suggested is not None:
        assert resolve_destination(clusters, suggested, asking)[0] is not None


# --- a pod and a Service of one name ------------------------------------------------------------

def test_from_a_pod_a_bare_name_is_what_dns_answers_with_a_note(clusters: Network) -> None:
    result = trace(clusters, Query("client", "frontend", 80))
    assert result.flow is not None and str(result.flow.dst_ip) == "10.96.0.20"  # the ClusterIP
    dns = result.hops[0]
    assert dns.component == Component.DNS and dns.note is not None
    assert "frontend is also the name of pod pod/eks-prod/dev/frontend" in dns.note
    assert "name it pod/eks-prod/dev/frontend" in dns.note


def test_elsewhere_a_pod_and_a_service_of_one_name_are_ambiguous(clusters: Network) -> None:
    with pytest.raises(QueryError, match="names pods and a Service"):
        trace(clusters, Query("client", "dev/frontend", 80))
    to_pod = trace(clusters, Query("client", "pod/eks-prod/dev/frontend", 80))
    to_service = trace(clusters, Query("client", "service/dev/frontend", 80))
    assert to_pod.flow is not None and str(to_pod.flow.dst_ip) == "10.244.0.5"
    assert to_service.flow is not None and str(to_service.flow.dst_ip) == "10.96.0.20"


def test_a_pod_name_that_dns_does_not_answer_from_here_is_ambiguous(clusters: Network) -> None:
    """cache is a pod of dev and a Service of ops: from dev, `cache` does not resolve (the
    search list stays in dev), and the pod may well be meant."""
    with pytest.raises(QueryError) as caught:
        trace(clusters, Query("client", "cache", 80))
    assert caught.value.message.startswith("'cache' names pod dev/cache, and as a DNS name it "
                                           "does not resolve from dev/client")
    assert caught.value.hint == "name the pod dev/cache, or a Service by its DNS name " \
        "(NAME.NAMESPACE)"
    assert trace(clusters, Query("client", "cache.ops", 80)).flow is not None


def test_as_a_source_only_the_pod_can_be_meant(clusters: Network) -> None:
    found = resolve_source(clusters, "pod/eks-prod/dev/frontend")
    assert found.pod is not None and str(found.address) == "10.244.0.5"
    assert resolve_source(clusters, "eks-prod/dev/frontend").address == found.address


# --- a pod to itself ----------------------------------------------------------------------------

def test_a_pod_reaches_itself_directly_and_through_its_own_service(clusters: Network) -> None:
    """dev has a default-deny ingress: client's own Service (shop-api) DNATs back to it."""
    for destination in ("client", "10.244.0.6", "shop-api"):
        result = trace(clusters, Query("client", destination, 80))
        assert result.reachable, destination
        assert _addresses(result) <= {IPv4Address("10.244.0.6"), IPv4Address("10.96.0.21"),
                                      IPv4Address("10.96.0.10")}, destination
    blocked = trace(clusters, Query("client", "pod/eks-prod/dev/frontend", 80))
    assert blocked.blocked_by is not None
    assert blocked.blocked_by.code == Code.NETPOL_INGRESS_DENIED


# --- text that can name nothing (issue 11) ----------------------------------------------------


@pytest.mark.parametrize(("text", "words"), [
    ("999.0.0.1", "is not a valid IPv4 address"),
    ("10.0.0", "is not a valid IPv4 address"),
    ("10.0.0.0/16", "is an address range, not an address"),
    ("::ffff:10.0.10.100", "IPv6 address: netpath models IPv4 only"),
    ("2001:db8::1", "IPv6 address: netpath models IPv4 only"),
    ("a" * 64 + ".example.com", "a label of 64 characters, more than the 63"),
    (".".join(["abcdefghij"] * 40) + ".com", "a DNS name of 443 characters, more than the 253"),
    ("api..example.com", "has an empty label"),
])
def test_text_that_names_nothing_is_a_usage_error_not_nxdomain(
        three_tier: Network, text: str, words: str) -> None:
    """From a pod these were DNS_NXDOMAIN after five lookups; none is a question DNS answers.
    The same holds for a source, and with `dns_for_unknown` (check's `code: DNS_NXDOMAIN`)."""
    source = resolve_source(three_tier, "pod-a")
    for attempt in (lambda: resolve_destination(three_tier, text, source),
                    lambda: resolve_destination(three_tier, text, source, dns_for_unknown=True),
                    lambda: resolve_source(three_tier, text)):
        with pytest.raises(QueryError) as raised:
            attempt()
        assert words in str(raised.value)
        assert not isinstance(raised.value, UnknownName)


def test_a_mapped_ipv6_address_says_its_ipv4_form(three_tier: Network) -> None:
    source = resolve_source(three_tier, "pod-a")
    with pytest.raises(QueryError) as raised:
        resolve_destination(three_tier, "::ffff:10.0.10.100", source)
    assert raised.value.hint == "write 10.0.10.100"
