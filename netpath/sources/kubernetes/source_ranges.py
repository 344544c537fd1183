"""Who may reach a LoadBalancer Service's load balancer: `spec.loadBalancerSourceRanges`, else the
`service.beta.kubernetes.io/load-balancer-source-ranges` annotation (comma-separated), else
everyone. The field wins over the annotation, as the cloud providers and kube-proxy read them
(k8s.io/cloud-provider `servicehelper.GetLoadBalancerSourceRanges`).

The API server (`ValidateService`) refuses either on a Service that is not of type LoadBalancer,
and every value that is not a CIDR once trimmed of spaces (a legacy field: host bits and leading
zeros pass, with a warning).
"""

from __future__ import annotations

from ipaddress import IPv4Network

from netpath.model.addr import Prefix
from netpath.sources.kubernetes.fields import Reader
from netpath.sources.kubernetes.validation import CIDR_ERROR, parse_cidr

ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"
_ONLY_LOAD_BALANCER = "may only be used when `type` is 'LoadBalancer'"


def source_ranges(r: Reader, kind: str) -> tuple[Prefix, ...] | None:
    """The IPv4 ranges a LoadBalancer Service admits; None: everyone (nothing written).
    An IPv6 range admits no IPv4 client, so a list of IPv6 ranges only admits none."""
    spec = r.sub("spec")
    written = spec.strings("loadBalancerSourceRanges")
    if written:
        if kind != "LoadBalancer":
            spec.error("loadBalancerSourceRanges", _ONLY_LOAD_BALANCER)
        ranges = [_range(spec, index, text) for index, text in enumerate(written)]
        return tuple(p for p in ranges if p is not None)
    annotations = r.sub("metadata").sub("annotations")
    text = annotations.data.get(ANNOTATION)
    if not isinstance(text, str):
        return None
    if kind != "LoadBalancer":
        annotations.error(ANNOTATION, _ONLY_LOAD_BALANCER)
    items = text.strip().split(",") if text.strip() else []
    if not items:
        return None
    ranges = [_range(annotations, ANNOTATION, item) for item in items]
    return tuple(p for p in ranges if p is not None)


def _range(reader: Reader, key: str | int, text: str) -> Prefix | None:
    """One value, trimmed as the API server trims it: its IPv4 network, None for IPv6 or an
    invalid value (reported)."""
    value = text.strip()
    network, _ = parse_cidr(value)
    if network is None:
        where = reader.at("loadBalancerSourceRanges", key) if isinstance(key, int) \
            else reader.at(key)
        reader.ctx.error(where, f"invalid source range {value!r}: {CIDR_ERROR}")
        return None
    return network if isinstance(network, IPv4Network) else None
