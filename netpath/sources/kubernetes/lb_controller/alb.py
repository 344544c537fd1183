"""Ingresses of the AWS Load Balancer Controller: their ALB, created or attached.

How Ingress rules become listener rules follows the controller
(pkg/ingress/model_build_listener_rules.go): per listener, Ingresses in group order
(`group.order`, then namespace/name), per Ingress rule its paths with Exact first, then Prefix
longest first, then ImplementationSpecific as written; priorities 1, 2, ... in that order.
Prefix `/api` gives the patterns `/api` and `/api/*` (Prefix matches whole path elements),
Prefix `/` gives `/*`, Exact gives the path, ImplementationSpecific the path as an ALB pattern.
An Ingress host `*.example.com` stays `*.example.com`, which on an ALB also matches deeper
names (a.b.example.com) where Kubernetes means one label: the ALB's behaviour is what runs.
No defaultBackend: the listener's default action is a fixed 404 (no target group).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from netpath.model.addr import Prefix
from netpath.model.kubernetes import Cluster, Ingress, IngressBackend, IngressPath, Service
from netpath.model.paths import SpecPath
from netpath.model.record import record
from netpath.model.resources import Listener, ListenerRule, LoadBalancer, TargetGroup
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

ALB_CONTROLLER = "ingress.k8s.aws/alb"
A = "alb.ingress.kubernetes.io/"
_PATH_ORDER = {"Exact": 0, "Prefix": 1}  # anything else (ImplementationSpecific) comes last


@record
class RuleSpec:
    """A listener rule before its priority is known."""

    hosts: tuple[str, ...]
    paths: tuple[str, ...]
    target_group: str
    path: SpecPath


@record
class AlbPlan:
    name: str
    explicit_name: bool
    scheme: str
    ports: dict[int, str]  # listen port -> HTTP | HTTPS
    port_paths: dict[int, SpecPath]
    rules: dict[int, list[RuleSpec]]  # per listen port, in priority order
    default: str | None
    groups_used: list[tuple[TargetGroup, Ingress]]


def alb_for_group(s: Synth, cluster: Cluster, members: list[Ingress]) -> str | None:
    plan = _plan(s, cluster, members)
    if plan is None:
        return None
    first = members[0]
    if plan.explicit_name and plan.name in s.model.load_balancers:
        return _attach(s, plan, first)
    if plan.name in s.load_balancers:
        s.error(annotation_path(first, A + "load-balancer-name"), f"another Ingress group "
                f"already makes the ALB {plan.name!r}; the controller gives each group its own",
                f"share one {A}group.name, or name the load balancers apart")
        return None
    if not s.claim(plan.name, "ALB", first.path,
                   f"set {A}load-balancer-name to another name"):
        return None
    return _create(s, cluster, plan, members)


def _plan(s: Synth, cluster: Cluster, members: list[Ingress]) -> AlbPlan | None:
    first = members[0]
    names = _agreed(s, members, "load-balancer-name")
    schemes = _agreed(s, members, "scheme")
    if names is None or schemes is None:
        return None
    group = first.annotations.get(A + "group.name")
    scope = [cluster.name] if len(s.model.clusters) > 1 else []  # clusters may share names
    name = names or (load_balancer_name([*scope, group]) if group else
                     load_balancer_name([*scope, first.namespace, first.name]))
    scheme = schemes or "internal"  # the controller's default
    if scheme not in ("internal", "internet-facing"):
        s.error(annotation_path(first, A + "scheme"), f"scheme {scheme!r} is neither "
                "'internal' nor 'internet-facing'")
        return None
    plan = AlbPlan(name, bool(names), scheme, {}, {}, {}, None, [])
    defaults: list[Ingress] = []
    for ingress in members:
        ports = _listen_ports(s, ingress)
        rules = _rules(s, cluster, ingress, plan)  # once: each listen port gets the same rules
        for port, protocol in ports.items():
            if plan.ports.setdefault(port, protocol) != protocol:
                s.error(annotation_path(ingress, A + "listen-ports"), f"port {port} is "
                        f"{protocol} here but {plan.ports[port]} in another Ingress of the "
                        "group")
                continue
            plan.port_paths.setdefault(port, _listen_path(ingress))
            plan.rules.setdefault(port, []).extend(rules)
        if ingress.default_backend is not None:
            defaults.append(ingress)
    if len(defaults) > 1:
        s.error(defaults[1].default_backend.path if defaults[1].default_backend else (),
                f"the group's Ingresses {', '.join(d.key for d in defaults)} each define a "
                "defaultBackend; the controller accepts one per ALB")
    elif defaults and defaults[0].default_backend is not None:
        group_ = _backend_group(s, cluster, defaults[0], defaults[0].default_backend)
        if group_ is not None:
            plan.groups_used.append((group_, defaults[0]))
            plan = replace(plan, default=group_.name)
    return plan


def _agreed(s: Synth, members: list[Ingress], key: str) -> str | None:
    """One value of an annotation across a group ("" when none is set); None after an error."""
    values = {i.annotations[A + key] for i in members if A + key in i.annotations}
    if len(values) > 1:
        s.error(annotation_path(members[-1], A + key), f"the Ingresses of one group disagree "
                f"on {key}: {', '.join(sorted(values))}")
        return None
    return values.pop() if values else ""


def _listen_path(ingress: Ingress) -> SpecPath:
    key = A + "listen-ports"
    return annotation_path(ingress, key) if key in ingress.annotations else ingress.path


def _listen_ports(s: Synth, ingress: Ingress) -> dict[int, str]:
    """`listen-ports`, e.g. '[{"HTTP": 80}, {"HTTPS": 443}]'; default HTTPS 443 when a
    certificate is given, else HTTP 80 (pkg/ingress/model_build_listener.go)."""
    text = ingress.annotations.get(A + "listen-ports")
    if text is None:
        return {443: "HTTPS"} if A + "certificate-arn" in ingress.annotations else {80: "HTTP"}
    where = annotation_path(ingress, A + "listen-ports")
    import json  # only for this annotation: most specs load without reading any JSON

    try:
        entries = json.loads(text)
        ports = {int(port): str(proto) for entry in entries for proto, port in entry.items()}
    except (ValueError, TypeError, AttributeError):
        s.error(where, f"listen-ports {text!r} is not a JSON list like "
                '\'[{"HTTP": 80}, {"HTTPS": 443}]\'')
        return {}
    bad = {p: proto for p, proto in ports.items()
           if proto not in ("HTTP", "HTTPS") or not 1 <= p <= 65535}
    for port, proto in bad.items():
        s.error(where, f"listen port {proto}:{port} must be HTTP or HTTPS on 1-65535")
    return {p: proto for p, proto in ports.items() if p not in bad}


def _rules(s: Synth, cluster: Cluster, ingress: Ingress, plan: AlbPlan) -> list[RuleSpec]:
    out: list[RuleSpec] = []
    for ingress_rule in ingress.rules:
        hosts = (ingress_rule.host,) if ingress_rule.host else ()
        ordered = sorted(enumerate(ingress_rule.paths), key=lambda ip: (
            _PATH_ORDER.get(ip[1].path_type, 2),
            -len(ip[1].path) if ip[1].path_type == "Prefix" else ip[0]))
        for _, ingress_path in ordered:
            patterns = _patterns(s, ingress_path)
            group = _backend_group(s, cluster, ingress, ingress_path.backend)
            if patterns is None or group is None:
                continue
            plan.groups_used.append((group, ingress))
            out.append(RuleSpec(hosts, patterns, group.name, ingress_path.spec_path))
    return out


def _patterns(s: Synth, item: IngressPath) -> tuple[str, ...] | None:
    path = item.path or "/"
    if item.path_type in ("Exact", "Prefix") and any(c in path for c in "*?"):
        s.error(item.spec_path, f"a {item.path_type} path cannot hold wildcards: {path!r}",
                "use pathType ImplementationSpecific for ALB wildcards")
        return None
    if item.path_type == "Prefix":
        if path == "/":
            return ("/*",)
        base = path.rstrip("/")
        return (base, base + "/*")
    return (path,)


def _backend_group(s: Synth, cluster: Cluster, ingress: Ingress,
                   backend: IngressBackend) -> TargetGroup | None:
    service = cluster.services.get(f"{ingress.namespace}/{backend.service}")
    if service is None:
        s.error(backend.path, f"Service {backend.service!r} does not exist in namespace "
                f"{ingress.namespace!r}")
        return None
    port = next((p for p in service.ports if backend.port in (p.port, p.name)), None)
    if port is None:
        ports = ", ".join(str(p.name or p.port) for p in service.ports) or "none"
        s.error(backend.path, f"Service {service.key!r} has no port {backend.port!r} "
                f"(ports: {ports})")
        return None
    # The Service's own annotation wins over the Ingress's, as with the controller.
    target_type = service.annotations.get(A + "target-type") or \
        ingress.annotations.get(A + "target-type") or "instance"
    protocol = _backend_annotation(s, service, ingress, "backend-protocol", BACKEND_PROTOCOLS)
    if protocol is None or _backend_annotation(s, service, ingress, "backend-protocol-version",
                                               BACKEND_PROTOCOL_VERSIONS) is None:
        return None
    if target_type not in ("instance", "ip"):
        s.error(annotation_path(ingress, A + "target-type"), f"target-type {target_type!r} "
                "is neither 'instance' nor 'ip'")
        return None
    if target_type == "instance" and port.node_port is None:
        s.error(backend.path, f"Service {service.key!r} is {service.type}: target-type "
                "instance sends to a NodePort, which it does not have",
                "make it a NodePort Service, or use target-type ip")
        return None
    if target_type == "ip" and cluster.overlay:
        s.error(annotation_path(ingress, A + "target-type"), f"target-type ip sends to pod "
                f"IPs, which the {cluster.cni} overlay keeps out of the VPC",
                "use target-type instance, or the VPC CNI")
        return None
    return make_target_group(s, cluster, service, port, target_type, protocol, False,
                       backend.path)


BACKEND_PROTOCOLS = ("HTTP", "HTTPS")
BACKEND_PROTOCOL_VERSIONS = ("HTTP1", "HTTP2", "GRPC")


def _backend_annotation(s: Synth, service: Service, ingress: Ingress, key: str,
                        allowed: tuple[str, ...]) -> str | None:
    """The Service's annotation, else the Ingress's, else the first allowed value; None (and an
    error) for a value the controller refuses. `backend-protocol: GRPC` is the classic slip:
    gRPC is a protocol *version* of an HTTPS target group."""
    owner: Service | Ingress = service if A + key in service.annotations else ingress
    value = owner.annotations.get(A + key)
    if value is None:
        return allowed[0]
    if value.upper() in allowed:
        return value.upper()
    hint = "use backend-protocol: HTTPS with backend-protocol-version: GRPC" \
        if value.upper() == "GRPC" and key == "backend-protocol" else \
        f"one of {', '.join(allowed)}"
    s.error(annotation_path(owner, A + key), f"{key} {value!r} is not one the AWS Load "
            f"Balancer Controller accepts ({', '.join(allowed)})", hint)
    return None


def _listeners(plan: AlbPlan, ingress: Ingress, first_priority: Mapping[int, int],
               ssl_redirect: bool) -> dict[int, Listener]:
    out = {}
    for port in sorted(plan.ports):
        # With ssl-redirect the controller gives HTTP listeners a redirect and no rules.
        redirect = ssl_redirect and plan.ports[port] == "HTTP"
        specs = [] if redirect else plan.rules.get(port, [])
        start = first_priority.get(port, 1)
        rules = tuple(ListenerRule(start + i, r.hosts, r.paths, r.target_group, r.path)
                      for i, r in enumerate(specs))
        out[port] = Listener(port, plan.ports[port], None if redirect else plan.default,
                             plan.port_paths.get(port, ingress.path), rules)
    return out


def _create(s: Synth, cluster: Cluster, plan: AlbPlan, members: list[Ingress]) -> str | None:
    assert cluster.vpc is not None
    first, vpc = members[0], cluster.vpc
    written = first.annotations.get(A + "subnets")
    subnets = placement(s, cluster, plan.scheme, [x.strip() for x in written.split(",")]
                        if written else None, annotation_path(first, A + "subnets"),
                        plan.name)
    if not subnets:
        s.error(first.path, f"no {plan.scheme} subnet for the ALB {plan.name!r} in VPC {vpc!r}",
                "set `load_balancer_subnets` on the cluster or the subnets annotation")
        return None
    if len({x.az for x in subnets}) < 2:
        s.notes.append(f"{plan.name}: an ALB needs subnets in two Availability Zones; the "
                       "controller would refuse this one, netpath models it anyway")
    groups = _alb_security_groups(s, cluster, plan, members)
    if groups is None:
        return None
    enis = node_enis(s, plan.name, vpc, subnets, plan.scheme, groups, first.path)
    redirect = any(A + "ssl-redirect" in i.annotations for i in members)
    listeners = _listeners(plan, first, {}, redirect)
    s.load_balancers[plan.name] = LoadBalancer(plan.name, vpc, "application", plan.scheme,
                                               groups, tuple(e.name for e in enis),
                                               tuple(listeners.values()), first.path)
    _open_targets(s, cluster, plan, groups)
    _describe(s, plan, members, listeners, redirect)
    return plan.name


def _alb_security_groups(s: Synth, cluster: Cluster, plan: AlbPlan,
                         members: list[Ingress]) -> tuple[str, ...] | None:
    """The frontend group (the listen ports from `inbound-cidrs`, default 0.0.0.0/0), or the
    groups named by `security-groups`; and the cluster's shared backend group, which node and
    pod groups let in (when the controller manages those rules: by default, or with
    `manage-backend-security-group-rules: "true"` beside `security-groups`)."""
    assert cluster.vpc is not None
    first = members[0]
    custom = first.annotations.get(A + "security-groups")
    manage = custom is None or \
        first.annotations.get(A + "manage-backend-security-group-rules") == "true"
    groups: list[str] = []
    if custom is not None:
        for name in (x.strip() for x in custom.split(",") if x.strip()):
            if name not in s.model.security_groups:
                s.error(annotation_path(first, A + "security-groups"),
                        f"security group {name!r} does not exist")
                return None
            groups.append(name)
    else:
        cidrs: list[Prefix] = []
        for ingress in members:
            for text in ingress.annotations.get(A + "inbound-cidrs", "0.0.0.0/0").split(","):
                try:
                    cidrs.append(Prefix(text.strip()))
                except ValueError:
                    s.error(annotation_path(ingress, A + "inbound-cidrs"),
                            f"{text.strip()!r} is not an IPv4 CIDR")
        rules = [rule("tcp", port, cidr=c, path=plan.port_paths[port])
                 for port in sorted(plan.ports) for c in dict.fromkeys(cidrs)]
        made = new_group(s, f"{plan.name}-sg", cluster.vpc, rules,
                         f"frontend security group of {plan.name}", first.path)
        if made is None:
            return None
        groups.append(made)
    if manage:
        backend = new_group(s, f"k8s-traffic-{cluster.name}", cluster.vpc, [],
                            "the AWS Load Balancer Controller's shared backend security group",
                            cluster.path)
        if backend is None:
            return None
        groups.append(backend)
    return tuple(groups)


def _open_targets(s: Synth, cluster: Cluster, plan: AlbPlan, groups: tuple[str, ...]) -> None:
    backend = f"k8s-traffic-{cluster.name}"
    if backend not in groups:
        return  # `security-groups` without managed backend rules: the user opens the targets
    for group, ingress in plan.groups_used:
        for sg, port in target_enis_groups(s, cluster, group):
            open_on_target(s, sg, rule("tcp", port, group=backend,
                                       description=CONTROLLER_RULE_DESCRIPTION,
                                       path=ingress.path),
                           f"targets of {group.name} behind {plan.name}")


def _attach(s: Synth, plan: AlbPlan, first: Ingress) -> str | None:
    """The Ingress names a load balancer the spec has: add its rules (after the written ones)
    and, with a defaultBackend, its default action; listeners, groups and addresses stay."""
    lb = s.load_balancers.get(plan.name) or s.model.load_balancers[plan.name]
    if lb.type != "application":
        s.error(annotation_path(first, A + "load-balancer-name"), f"{plan.name!r} is a "
                f"{lb.kind_word}; an Ingress needs an ALB (type application)")
        return None
    written = {x.port: x for x in lb.listeners}
    for port, protocol in plan.ports.items():
        if port in written and written[port].protocol != protocol:
            s.error(_listen_path(first), f"listener {port} of {plan.name!r} is "
                    f"{written[port].protocol}, but the Ingress listens with {protocol}")
            return None
    starts = {p: max((r.priority for r in written[p].rules), default=0) + 1
              for p in plan.ports if p in written}
    made = _listeners(plan, first, starts, False)
    merged = dict(written)
    for port, listener in made.items():
        old = written.get(port)
        if old is None:
            merged[port] = listener
            s.notes.append(f"{plan.name}: listener {port}/{listener.protocol} added for "
                           f"Ingress {first.key}")
            continue
        default = plan.default or old.target_group
        merged[port] = replace(old, target_group=default, rules=(*old.rules, *listener.rules))
    s.load_balancers[plan.name] = replace(lb, listeners=tuple(merged[p] for p in sorted(merged)))
    s.notes.append(f"Ingress {first.key}: rules attached to the spec's load balancer "
                   f"{plan.name} (its security groups are as written)")
    return plan.name


def _describe(s: Synth, plan: AlbPlan, members: list[Ingress], listeners: dict[int, Listener],
              redirect: bool) -> None:
    who = ", ".join(i.key for i in members)
    parts = []
    for port, listener in listeners.items():
        action = listener.target_group or ("redirect to HTTPS" if redirect and
                                           listener.protocol == "HTTP" else "fixed 404")
        parts.append(f"{port}/{listener.protocol} ({len(listener.rules)} rules, default "
                     f"{action})")
    s.notes.append(f"Ingress {who}: ALB {plan.name} ({plan.scheme}), listeners "
                   f"{'; '.join(parts) or 'none'}")
    for port, listener in listeners.items():
        https_without_cert = listener.protocol == "HTTPS" and not any(
            A + "certificate-arn" in i.annotations or i.tls_hosts for i in members)
        if https_without_cert:
            s.notes.append(f"{plan.name}: listener {port} is HTTPS but no certificate-arn or "
                           "tls host is given; the controller would find no certificate")
