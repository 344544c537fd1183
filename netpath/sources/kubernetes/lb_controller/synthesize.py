"""AWS load balancers from Kubernetes objects, as the AWS Load Balancer Controller makes them.

`synthesize_load_balancers(model)` runs at the very end of the build, once the clusters exist:

- an Ingress of class `alb` (or whose IngressClass's controller is `ingress.k8s.aws/alb`) becomes
  an ALB, one per Ingress or one per `alb.ingress.kubernetes.io/group.name`. When
  `load-balancer-name` names a load balancer the spec already has, the Ingress's rules and
  target groups are attached to that one (the spec's own listeners, groups and security groups
  stay as written); otherwise netpath adds the ALB: a node in each subnet, a frontend security
  group for the listen ports, the cluster's shared backend group, and the inbound rules the
  controller adds to node (or pod) groups so that the ALB reaches its targets;
- a Service of type LoadBalancer becomes an NLB or a Classic Load Balancer (`service_lbs`);
- the DNS names in their `status.loadBalancer.ingress` (a dump has them) become public alias
  records of those load balancers (`external`).

The ALB side is `alb`, the shared parts (names, addresses, subnets, security groups,
target groups) `infra`. Every name and address netpath chose is in `Model.notes`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from netpath.load.errors import SpecError
from netpath.model.kubernetes import Cluster, Ingress
from netpath.model.resources import Model
from netpath.sources.kubernetes.lb_controller.alb import ALB_CONTROLLER, A, alb_for_group
from netpath.sources.kubernetes.lb_controller.external import external_addresses
from netpath.sources.kubernetes.lb_controller.infra import Synth, annotation_path
from netpath.sources.kubernetes.lb_controller.service_lbs import service_load_balancer

__all__ = ["synthesize_load_balancers", "load_balancer_subnets", "is_alb_ingress"]


def synthesize_load_balancers(
    model: Model, lb_subnets: Mapping[str, Mapping[str, Sequence[str]]] | None = None
) -> tuple[Model, list[SpecError]]:
    """The model with the load balancers of every cluster's Ingresses and LoadBalancer
    Services added (and `Ingress.load_balancer` / `Service.load_balancer` set), and the errors.

    `lb_subnets` maps a cluster to scheme -> subnet names (the cluster's
    `load_balancer_subnets`); a cluster or scheme left out gets subnets discovered."""
    s = Synth.start(model, lb_subnets or {})
    clusters: dict[str, Cluster] = {}
    records = dict(model.dns_records)
    taken = {host.ip for host in model.internet_hosts.values()}
    for name in sorted(model.clusters):
        cluster = model.clusters[name]
        managed = [i for i in cluster.ingresses.values() if is_alb_ingress(i)]
        services = [v for v in cluster.services.values() if v.type == "LoadBalancer"]
        if cluster.vpc is None or cluster.vpc not in model.vpcs:
            if managed or services:
                s.notes.append(f"cluster {name} has no AWS part: its Ingresses and "
                               "LoadBalancer Services get no AWS load balancer")
            clusters[name], added = external_addresses(cluster, records, taken)
            records.update(added)
            continue
        ingresses = dict(cluster.ingresses)
        for members in ingress_groups(s, managed):
            lb = alb_for_group(s, cluster, members)
            for ingress in members:
                if lb is not None:
                    ingresses[ingress.key] = replace(ingress, load_balancer=lb)
        by_key = dict(cluster.services)
        for service in sorted(services, key=lambda v: v.key):
            lb = service_load_balancer(s, cluster, service)
            if lb is not None:
                by_key[service.key] = replace(service, load_balancer=lb)
        clusters[name], added = external_addresses(
            replace(cluster, ingresses=ingresses, services=by_key), records)
        records.update(added)
    built = replace(
        model,
        dns_records=records,
        load_balancers={**model.load_balancers, **s.load_balancers},
        target_groups={**model.target_groups, **s.target_groups},
        enis={**model.enis, **s.enis},
        security_groups=s.security_groups,
        clusters=clusters,
        notes=(*model.notes, *s.notes),
    )
    return built, s.errors


def load_balancer_subnets(data: Mapping[str, Any]) -> dict[str, dict[str, tuple[str, ...]]]:
    """Each cluster's `load_balancer_subnets` (scheme -> subnet names) from the spec document,
    for `synthesize_load_balancers` (the cluster model does not carry them)."""
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    clusters = data.get("clusters")
    for name, entry in (clusters.items() if isinstance(clusters, Mapping) else ()):
        written = entry.get("load_balancer_subnets") if isinstance(entry, Mapping) else None
        if isinstance(written, Mapping):
            out[str(name)] = {str(scheme): tuple(str(x) for x in subnets)
                              for scheme, subnets in written.items()
                              if isinstance(subnets, (list, tuple))}
    return out


def is_alb_ingress(ingress: Ingress) -> bool:
    if ingress.controller is not None:
        return ingress.controller == ALB_CONTROLLER
    return ingress.ingress_class == "alb"


def ingress_groups(s: Synth, ingresses: list[Ingress]) -> list[list[Ingress]]:
    """Ingresses sharing `group.name` share an ALB; any other Ingress has its own. Members in
    the controller's order: `group.order` (default 0), then namespace/name."""
    groups: dict[str, list[tuple[int, str, Ingress]]] = {}
    for ingress in ingresses:
        group = ingress.annotations.get(A + "group.name")
        key = f"group {group}" if group else f"ingress {ingress.key}"
        order = 0
        text = ingress.annotations.get(A + "group.order")
        if text is not None:
            try:
                order = int(text)
            except ValueError:
                s.error(annotation_path(ingress, A + "group.order"),
                        f"group.order {text!r} is not a number")
        groups.setdefault(key, []).append((order, ingress.key, ingress))
    return [[i for _, _, i in sorted(groups[k], key=lambda m: m[:2])] for k in sorted(groups)]


