"""Services of type LoadBalancer: an NLB or a Classic Load Balancer.

Which one (docs/kubernetes.md, "AWS load balancers from Kubernetes"):

- `service.beta.kubernetes.io/aws-load-balancer-type: external` (or the older `nlb-ip`): an NLB
  of the AWS Load Balancer Controller; `aws-load-balancer-scheme` (internal by default),
  `aws-load-balancer-nlb-target-type` instance (default) or ip. Since controller v2.6 it has a
  frontend security group (the listener ports from `load-balancer-source-ranges`) and the
  cluster's shared backend group;
- `aws-load-balancer-type: nlb`: an NLB as Kubernetes' in-tree AWS provider makes it:
  internet-facing unless `aws-load-balancer-internal: "true"` (or a scheme annotation),
  instance targets, no security group on the NLB;
- no type: the in-tree provider's Classic Load Balancer: internet-facing unless
  `aws-load-balancer-internal: "true"`, instance targets, a security group of its own which
  node groups let in for every protocol.

One listener per Service port (UDP ports on an NLB only), each forwarding to the target group of
that port: the NodePort on every node (instance) or the ready pod IPs (ip). A name that is a
load balancer of the spec already is used as written.
"""

from __future__ import annotations

from netpath.model.addr import ANY_PREFIX, Prefix
from netpath.model.kubernetes import Cluster, Service, ServicePort
from netpath.model.paths import SpecPath
from netpath.model.resources import Listener, LoadBalancer, SgRule
from netpath.sources.kubernetes.lb_controller.infra import (
    CONTROLLER_RULE_DESCRIPTION,
    Synth,
    annotation_path,
    load_balancer_name,
    make_target_group,
    new_group,
    node_enis,
    open_on_target,
    placement,
    rule,
    target_enis_groups,
)

S = "service.beta.kubernetes.io/"
IN_TREE_RULE_DESCRIPTION = "kubernetes.io/rule/nlb/client"
_CONTROLLER_TYPES = ("external", "nlb-ip")


def service_load_balancer(s: Synth, cluster: Cluster, service: Service) -> str | None:
    """Make the load balancer of a LoadBalancer Service; its name, or None after an error."""
    assert cluster.vpc is not None
    annotations = service.annotations
    kind = annotations.get(S + "aws-load-balancer-type", "")
    network = kind in ("nlb", *_CONTROLLER_TYPES)
    target_type = "ip" if kind == "nlb-ip" else \
        annotations.get(S + "aws-load-balancer-nlb-target-type", "instance")
    if not network:
        target_type = "instance"  # the in-tree provider registers instances only
    controller = kind in _CONTROLLER_TYPES or (network and target_type == "ip")
    scheme = _scheme(s, service, controller)
    if scheme is None or not _valid_target_type(s, cluster, service, target_type):
        return None
    scope = [cluster.name] if len(s.model.clusters) > 1 else []  # clusters may share names
    name = annotations.get(S + "aws-load-balancer-name") or load_balancer_name(
        [*scope, service.namespace, service.name], "-nlb" if network else "-clb")
    if name in s.model.load_balancers:
        s.notes.append(f"Service {service.key}: uses the spec's load balancer {name} as written")
        return name
    if not s.claim(name, "load balancer", service.path,
                   f"set {S}aws-load-balancer-name to another name"):
        return None
    listeners, groups_used = _listeners(s, cluster, service, network, target_type)
    subnets = placement(s, cluster, scheme, None, service.path, name)
    if not subnets:
        s.error(service.path, f"no {scheme} subnet for {name!r} in VPC {cluster.vpc!r}",
                "set `load_balancer_subnets` on the cluster")
        return None
    ranges = _source_ranges(s, service, scheme, cluster)
    sgs = _security_groups(s, cluster, service, name, network, controller, listeners, ranges)
    if sgs is None:
        return None
    enis = node_enis(s, name, cluster.vpc, subnets, scheme, sgs, service.path)
    lb_type = "network" if network else "classic"
    s.load_balancers[name] = LoadBalancer(name, cluster.vpc, lb_type, scheme, sgs,
                                          tuple(e.name for e in enis), tuple(listeners),
                                          service.path)
    _open_targets(s, cluster, service, name, groups_used, sgs, controller, ranges)
    word = "NLB" if network else "Classic Load Balancer"
    made_by = "the AWS Load Balancer Controller" if controller else "the in-tree provider"
    s.notes.append(f"Service {service.key}: {word} {name} ({scheme}, {target_type} targets, "
                   f"made by {made_by}), listeners "
                   f"{', '.join(f'{x.port}/{x.protocol}' for x in listeners) or 'none'}")
    return name


def _scheme(s: Synth, service: Service, controller: bool) -> str | None:
    annotations = service.annotations
    internal = annotations.get(S + "aws-load-balancer-internal", "").lower() in (
        "true", "0.0.0.0/0")
    # The controller defaults to internal; the in-tree provider to internet-facing.
    default = "internal" if controller or internal else "internet-facing"
    scheme = annotations.get(S + "aws-load-balancer-scheme", default)
    if scheme not in ("internal", "internet-facing"):
        s.error(annotation_path(service, S + "aws-load-balancer-scheme"),
                f"scheme {scheme!r} is neither 'internal' nor 'internet-facing'")
        return None
    return scheme


def _valid_target_type(s: Synth, cluster: Cluster, service: Service, target_type: str) -> bool:
    where = annotation_path(service, S + "aws-load-balancer-nlb-target-type")
    if target_type not in ("instance", "ip"):
        s.error(where, f"nlb-target-type {target_type!r} is neither 'instance' nor 'ip'")
        return False
    if target_type == "ip" and cluster.overlay:
        s.error(where, f"ip targets are pod IPs, which the {cluster.cni} overlay keeps out of "
                "the VPC", "use instance targets, or the VPC CNI")
        return False
    return True


def _listeners(s: Synth, cluster: Cluster, service: Service, network: bool,
               target_type: str) -> tuple[list[Listener], list[tuple[str, int, bool]]]:
    """One listener per Service port; also (target group, port, preserved) per port."""
    listeners: list[Listener] = []
    used: list[tuple[str, int, bool]] = []
    tls_ports = _tls_ports(service)
    for port in service.ports:
        if port.protocol not in ("tcp", "udp") or (port.protocol == "udp" and not network):
            what = "an NLB" if network else "a Classic Load Balancer"
            s.notes.append(f"Service {service.key}: port {port.port}/{port.protocol} gets no "
                           f"listener ({what} does not carry {port.protocol.upper()})")
            continue
        if target_type == "instance" and port.node_port is None:
            s.error(port.path, f"port {port.port} of {service.key!r} has no nodePort for the "
                    "load balancer's instance targets")
            continue
        protocol = port.protocol.upper()
        preserve = _preserve(service, target_type, protocol)
        group = make_target_group(s, cluster, service, port, target_type, protocol, preserve,
                                  port.path)
        if group is None:
            continue
        secure = tls_ports is not None and (not tls_ports or _named(port, tls_ports))
        front = ("TLS" if network else "SSL") if secure and protocol == "TCP" else protocol
        listeners.append(Listener(port.port, front, group.name, port.path))
        used.append((group.name, port.port, preserve))
    return listeners, used


def _tls_ports(service: Service) -> set[str] | None:
    """None without a certificate; else the ports `aws-load-balancer-ssl-ports` names (an
    empty set: every port, the default)."""
    if S + "aws-load-balancer-ssl-cert" not in service.annotations:
        return None
    text = service.annotations.get(S + "aws-load-balancer-ssl-ports", "*")
    return set() if text.strip() == "*" else {x.strip() for x in text.split(",")}


def _named(port: ServicePort, names: set[str]) -> bool:
    return str(port.port) in names or (port.name is not None and port.name in names)


def _preserve(service: Service, target_type: str, protocol: str) -> bool:
    """AWS's defaults (instance: on; ip over UDP: on; ip over TCP/TLS: off) unless the
    target group attributes annotation says preserve_client_ip.enabled."""
    attributes = service.annotations.get(S + "aws-load-balancer-target-group-attributes", "")
    for item in attributes.split(","):
        key, _, value = item.strip().partition("=")
        if key == "preserve_client_ip.enabled":
            return value.strip().lower() == "true"
    return target_type == "instance" or protocol == "UDP"


def _source_ranges(s: Synth, service: Service, scheme: str, cluster: Cluster) -> list[Prefix]:
    """`loadBalancerSourceRanges` (or its annotation, read with the Service), else everyone
    (internet-facing) or the VPC (internal)."""
    if service.source_ranges is None:
        vpc = s.model.vpcs[cluster.vpc or ""]
        return [ANY_PREFIX] if scheme == "internet-facing" else list(vpc.cidrs)
    return list(service.source_ranges)


def _security_groups(s: Synth, cluster: Cluster, service: Service, name: str, network: bool,
                     controller: bool, listeners: list[Listener],
                     ranges: list[Prefix]) -> tuple[str, ...] | None:
    assert cluster.vpc is not None
    if network and not controller:
        return ()  # the in-tree provider's NLBs have no security group
    rules: list[SgRule] = [
        rule("udp" if x.protocol == "UDP" else "tcp", x.port, cidr=c, path=x.path)
        for x in listeners for c in ranges]
    front = new_group(s, f"{name}-sg", cluster.vpc, rules,
                      f"security group of {name} (Service {service.key})", service.path)
    if front is None:
        return None
    if not controller:
        return (front,)
    backend = new_group(s, f"k8s-traffic-{cluster.name}", cluster.vpc, [],
                        "the AWS Load Balancer Controller's shared backend security group",
                        cluster.path)
    return None if backend is None else (front, backend)


def _open_targets(s: Synth, cluster: Cluster, service: Service, lb: str,
                  used: list[tuple[str, int, bool]], sgs: tuple[str, ...], controller: bool,
                  ranges: list[Prefix]) -> None:
    """The inbound rules the target groups' nodes or pods get. From the load balancer's group
    when the target sees the load balancer's address; from the client ranges when the client IP
    is preserved (netpath matches a group reference by address, so it writes the ranges: the
    same effect as the controller's reference to the NLB's group for preserved traffic)."""
    path: SpecPath = service.path
    for group_name, _, preserve in used:
        group = s.target_groups[group_name]
        proto = group.protocol.lower() if group.protocol in ("TCP", "UDP") else "tcp"
        why = f"targets of {group_name} behind {lb}"
        who = "the AWS Load Balancer Controller" if controller else "the in-tree AWS provider"
        for sg, port in target_enis_groups(s, cluster, group):
            if not controller and sgs:  # in-tree Classic: every protocol from the ELB's group
                open_on_target(s, sg, rule("all", None, group=sgs[0], path=path), why, who)
            elif preserve or not sgs:
                # The in-tree provider marks its rules its own way; only the controller's are
                # announced by the trace as the controller's.
                mark = CONTROLLER_RULE_DESCRIPTION if controller else IN_TREE_RULE_DESCRIPTION
                for cidr in ranges:
                    open_on_target(s, sg, rule(proto, port, cidr=cidr, description=mark,
                                               path=path), why, who)
            else:
                open_on_target(s, sg, rule(proto, port, group=sgs[-1],
                                           description=CONTROLLER_RULE_DESCRIPTION,
                                           path=path), why)
