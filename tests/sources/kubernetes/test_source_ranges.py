"""Who may reach a LoadBalancer Service's load balancer (netpath/sources/kubernetes/
source_ranges.py): `spec.loadBalancerSourceRanges` first, else the legacy annotation, else
everyone; the API server's refusals of both (`ValidateService`)."""

from __future__ import annotations

from ipaddress import IPv4Network
from typing import Any

import pytest

from tests.sources.kubernetes.test_objects import kube, kube_errors

ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"


def service(spec: dict[str, Any] | None = None, annotations: dict[str, str] | None = None,
            kind: str = "LoadBalancer") -> list[dict[str, Any]]:
    meta: dict[str, Any] = {"name": "web"}
    if annotations:
        meta["annotations"] = annotations
    return [{"apiVersion": "v1", "kind": "Service", "metadata": meta,
             "spec": {"type": kind, "selector": {"app": "web"}, "ports": [{"port": 80}],
                      **(spec or {})}}]


@pytest.mark.parametrize(("spec", "annotations", "ranges"), [
    (None, None, None),
    ({"loadBalancerSourceRanges": ["203.0.113.0/24", " 10.0.0.0/8 "]}, None,
     ("203.0.113.0/24", "10.0.0.0/8")),
    # host bits pass (a legacy field, read as ParseCIDRSloppy): the network is what matters
    ({"loadBalancerSourceRanges": ["203.0.113.7/24"]}, None, ("203.0.113.0/24",)),
    # the field wins over the annotation
    ({"loadBalancerSourceRanges": ["203.0.113.0/24"]}, {ANNOTATION: "0.0.0.0/0"},
     ("203.0.113.0/24",)),
    (None, {ANNOTATION: "198.51.100.0/24, 192.0.2.0/24"}, ("198.51.100.0/24", "192.0.2.0/24")),
    # an IPv6 range admits no IPv4 client: restricted, to no IPv4 address
    ({"loadBalancerSourceRanges": ["2001:db8::/64"]}, None, ()),
    ({"loadBalancerSourceRanges": []}, None, None),
])
def test_the_field_then_the_annotation_then_everyone(
        spec: dict[str, Any] | None, annotations: dict[str, str] | None,
        ranges: tuple[str, ...] | None) -> None:
    cluster, _ = kube(service(spec, annotations))
    written = cluster.services["default/web"].source_ranges
    assert written == (None if ranges is None else tuple(IPv4Network(r) for r in ranges))


@pytest.mark.parametrize(("spec", "annotations", "kind", "error"), [
    ({"loadBalancerSourceRanges": ["10.0.0.0/33"]}, None, "LoadBalancer",
     ("spec.loadBalancerSourceRanges[0]", "invalid source range '10.0.0.0/33': must be a "
      "valid CIDR value")),
    ({"loadBalancerSourceRanges": ["office"]}, None, "LoadBalancer",
     ("spec.loadBalancerSourceRanges[0]", "invalid source range 'office'")),
    (None, {ANNOTATION: "10.0.0.0/8,"}, "LoadBalancer",
     (f'metadata.annotations["{ANNOTATION}"]', "invalid source range ''")),
    ({"loadBalancerSourceRanges": ["10.0.0.0/8"]}, None, "NodePort",
     ("spec.loadBalancerSourceRanges", "may only be used when `type` is 'LoadBalancer'")),
    (None, {ANNOTATION: "10.0.0.0/8"}, "ClusterIP",
     (f'metadata.annotations["{ANNOTATION}"]',
      "may only be used when `type` is 'LoadBalancer'")),
])
def test_the_api_server_refuses(spec: dict[str, Any] | None,
                                annotations: dict[str, str] | None, kind: str,
                                error: tuple[str, str]) -> None:
    errors = kube_errors(service(spec, annotations, kind))
    where, words = error
    assert any(e["path"].endswith(where) and words in e["message"] for e in errors), errors


def test_with_an_aws_part_the_field_is_the_load_balancers_security_group() -> None:
    """The in-tree provider's Classic Load Balancer admits the ranges of the field (before, only
    the annotation was read, and the field's ranges were ignored: the whole internet let in)."""
    cluster, model = kube(service({"loadBalancerSourceRanges": ["203.0.113.0/24"]}))
    lb = model.load_balancers[cluster.services["default/web"].load_balancer or ""]
    group = model.security_groups[lb.security_groups[0]]
    assert {str(r.cidr) for r in group.ingress} == {"203.0.113.0/24"}
