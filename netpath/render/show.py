"""`netpath show`: the model as a tree, so a person can check that netpath read the spec the
way they meant it (which subnets are public, which addresses were assigned, what sits where).

    VPC prod  10.0.0.0/16  us-east-1
    ├── subnet public-a  10.0.1.0/24  us-east-1a  public
    │   route table rt-public, network ACL nacl-default (implicit: allows all)
    │   ├── NAT gateway nat-a  10.0.1.20  Elastic IP 198.51.100.10
    │   └── load balancer web-alb (ALB) node  10.0.1.10  public 198.51.100.20  [sg-alb]
    ...
    gateways / peerings / transit gateways / DNS records / internet hosts
    cluster eks-prod  VPC prod  aws-vpc-cni  NetworkPolicy not enforced ...
    ├── node node-1  10.0.10.100  instance node-1
    │   └── pod default/pod-a  10.0.10.5  app=frontend
    ├── Services / NetworkPolicies / Ingresses / SecurityGroupPolicies / namespaces / ignored
    notes

A subnet is public when its route table routes something to an internet gateway: that is the
AWS definition, whatever the subnet is called.

Every piece of text goes through `_line` (or `_dim`), which passes it through `visible`: a
description, a name, a note or an ignored file never brings its own line breaks or escape
sequences; the line breaks here are the tree's.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from rich.console import Console, RenderableType
from rich.text import Span, Text
from rich.tree import Tree

from netpath.model.kubernetes import Cluster, NetworkPolicy, Pod, Service
from netpath.model.resources import Eni, Model, Subnet, Vpc
from netpath.model.visible import visible
from netpath.model.vocabulary import Code, EniOwner
from netpath.render.text import emit


def render_model(model: Model, console: Console,
                 without_ip: Collection[tuple[str, str]] = ()) -> None:
    """`without_ip`: (cluster, pod key) of the pods the VPC CNI cannot give an address; they
    are shown without one (their spec address is netpath's placeholder, never real)."""
    out: list[RenderableType] = []
    if model.description:
        out.append(_line((model.description, "bold")))
    out.extend(vpc_tree(model, vpc) for vpc in model.vpcs.values())
    for section in (
        _gateways(model),
        _peerings(model),
        _transit_gateways(model),
        _dns(model),
        _internet_hosts(model),
        *(cluster_tree(c, without_ip) for c in model.clusters.values()),
        _notes(model),
    ):
        if section is not None:
            out.append(section)
    # A blank line between the top-level trees: each VPC and section reads as its own block.
    spaced: list[RenderableType] = []
    for renderable in out:
        if spaced:
            spaced.append(Text())
        spaced.append(renderable)
    emit(console, spaced)


def _line(*parts: str | tuple[str, str] | None) -> Text:
    """Join the non-empty parts with two spaces (tuples are (text, style)), each escaped
    (`visible`): the Text that appending them would make, built at once (a large cluster has a
    line per pod)."""
    chunks: list[str] = []
    spans: list[Span] = []
    at = 0
    for part in parts:
        if not part:
            continue
        if at:  # as `if text:` when appending: nothing written yet, no separator
            chunks.append("  ")
            at += 2
        text, style = part if isinstance(part, tuple) else (part, "")
        text = visible(text)
        if style and text:
            spans.append(Span(at, at + len(text), style))
        chunks.append(text)
        at += len(text)
    return Text("".join(chunks), spans=spans)


def _dim(text: str) -> Text:
    return _line((text, "dim"))


def _section(title: str, items: Iterable[Text]) -> Tree | None:
    children = list(items)
    if not children:
        return None
    tree = Tree(Text(title, style="bold"))
    for child in children:
        tree.add(child)
    return tree


def vpc_tree(model: Model, vpc: Vpc) -> Tree:
    cidrs = ", ".join(str(c) for c in vpc.cidrs)
    tree = Tree(_line(("VPC " + vpc.name, "bold"), cidrs, vpc.region))
    if vpc.internet_gateway:
        tree.add(_line(f"internet gateway {vpc.internet_gateway}"))
    enis_by_subnet: dict[str, list[Eni]] = {}
    for eni in model.enis.values():
        enis_by_subnet.setdefault(eni.subnet, []).append(eni)
    for subnet in model.subnets.values():
        if subnet.vpc == vpc.name:
            branch = tree.add(_subnet_label(model, subnet))
            for eni in sorted(enis_by_subnet.get(subnet.name, []), key=lambda e: e.private_ip):
                branch.add(_eni_label(model, eni))
    tables = [t for t in model.route_tables.values() if t.vpc == vpc.name]
    if tables:
        branch = tree.add(Text("route tables", style="bold"))
        for table in tables:
            routes = ", ".join(str(r) for r in table.routes) or "local only"
            main = " (main)" if table.main else ""
            branch.add(_line((table.name + main, "bold"), routes))
    balancers = [b for b in model.load_balancers.values() if b.vpc == vpc.name]
    if balancers:
        branch = tree.add(Text("load balancers", style="bold"))
        for lb in balancers:
            node = branch.add(_line((lb.name, "bold"), f"{lb.kind_word} {lb.scheme}"))
            for listener in lb.listeners:
                node.add(_listener_label(model, listener.port, listener.protocol,
                                         listener.target_group))
    groups = [g.name for g in model.security_groups.values() if g.vpc == vpc.name]
    if groups:
        tree.add(_line(("security groups", "bold"), ", ".join(groups)))
    return tree


def _subnet_label(model: Model, subnet: Subnet) -> Text:
    public = model.is_public(subnet)
    label = _line(
        (f"subnet {subnet.name}", "bold"),
        str(subnet.cidr),
        subnet.az,
        ("public", "yellow") if public else ("private", "green"),
    )
    main = " (main)" if subnet.route_table_is_main else ""
    nacl = model.network_acls.get(subnet.network_acl)
    implicit = " (implicit: allows all)" if nacl is not None and nacl.implicit else ""
    label.append("\n")
    label.append_text(_dim(f"route table {subnet.route_table}{main}, "
                           f"network ACL {subnet.network_acl}{implicit}"))
    return label


def _eni_label(model: Model, eni: Eni) -> Text:
    owner = _owner_words(model, eni)
    public = eni.public_ip
    if (public is None and eni.owner_kind == EniOwner.NAT_GATEWAY
            and eni.owner in model.nat_gateways):
        public = model.nat_gateways[eni.owner].elastic_ip
    groups = f"[{', '.join(eni.security_groups)}]" if eni.security_groups else None
    return _line(
        (owner, "bold"),
        str(eni.private_ip),
        f"public {public}" if public is not None else None,
        groups,
        ("source/destination check off", "yellow") if not eni.source_dest_check else None,
    )


def _owner_words(model: Model, eni: Eni) -> str:
    kind, owner = eni.owner_kind, eni.owner
    if kind == EniOwner.INSTANCE:
        instance = model.instances.get(owner)
        primary = instance is None or not instance.enis or instance.enis[0] == eni.name
        return f"instance {owner}" + ("" if primary else f" ({eni.name})")
    if kind == EniOwner.DATABASE and owner in model.databases:
        db = model.databases[owner]
        return f"database {owner} ({db.engine}, port {db.port})"
    if kind == EniOwner.LOAD_BALANCER and owner in model.load_balancers:
        return f"load balancer {owner} ({model.load_balancers[owner].kind_word}) node"
    if kind == EniOwner.NAT_GATEWAY and owner in model.nat_gateways:
        return f"NAT gateway {owner} ({model.nat_gateways[owner].connectivity})"
    if kind == EniOwner.VPC_ENDPOINT and owner in model.endpoints:
        return f"endpoint {owner} ({model.endpoints[owner].service})"
    if kind == EniOwner.NETWORK_INTERFACE:
        return f"interface {eni.name}" + (f" (attached to {owner})" if owner != eni.name else "")
    return f"{kind} {owner}"


def _listener_label(model: Model, port: int, protocol: str, target_group: str | None) -> Text:
    if target_group is None:
        return _line(f"{port}/{protocol}", ("no target group", "red"))
    group = model.target_groups.get(target_group)
    if group is None:
        return _line(f"{port}/{protocol} -> {target_group}")
    targets = ", ".join(
        f"{t.target}:{t.port}" + ("" if t.healthy else " (unhealthy)") for t in group.targets
    )
    return _line(f"{port}/{protocol} -> {group.name} ({group.target_type} targets)",
                 targets or ("no targets", "red"))


def _gateways(model: Model) -> Tree | None:
    items: list[Text] = []
    for igw in model.internet_gateways.values():
        items.append(_line((f"internet gateway {igw.name}", "bold"), f"VPC {igw.vpc}"))
    for nat in model.nat_gateways.values():
        eip = f"Elastic IP {nat.elastic_ip}" if nat.elastic_ip is not None else "no Elastic IP"
        items.append(_line((f"NAT gateway {nat.name}", "bold"), f"subnet {nat.subnet}",
                           nat.connectivity, str(nat.private_ip), eip))
    for ep in model.endpoints.values():
        if ep.type == "gateway":
            where = f"prefix list {ep.prefix_list}, route tables {', '.join(ep.route_tables)}"
        else:
            dns = f"private DNS {', '.join(ep.dns_names)}" if ep.private_dns else "no private DNS"
            where = f"{len(ep.enis)} interface(s), {dns}"
        items.append(_line((f"{ep.type} endpoint {ep.name}", "bold"), ep.service, where,
                           f"policy {ep.policy}"))
    return _section("gateways", items)


def _peerings(model: Model) -> Tree | None:
    return _section("peerings", (
        _line((p.name, "bold"), f"{p.requester} <-> {p.accepter}",
              (p.status, "green" if p.status == "active" else "red"))
        for p in model.peerings.values()
    ))


def _transit_gateways(model: Model) -> Tree | None:
    if not model.transit_gateways:
        return None
    tree = Tree(Text("transit gateways", style="bold"))
    for tgw in model.transit_gateways.values():
        node = tree.add(_line((tgw.name, "bold"), tgw.region))
        for name in tgw.attachments:
            att = model.tgw_attachments.get(name)
            if att is not None:
                node.add(_line(f"attachment {att.name}", f"VPC {att.vpc}",
                               f"subnets {', '.join(att.subnets)}"))
        for name in tgw.route_tables:
            table = model.tgw_route_tables.get(name)
            if table is None:
                continue
            branch = node.add(_line(f"route table {table.name}",
                                    f"associations {', '.join(table.associations) or '-'}",
                                    f"propagations {', '.join(table.propagations) or '-'}"))
            for route in table.routes:
                branch.add(_line(str(route), route.origin))
    return tree


def _dns(model: Model) -> Tree | None:
    def zone(vpcs: tuple[str, ...]) -> str:
        return f"private to {', '.join(vpcs)}" if vpcs else "public"

    return _section("DNS records", (
        _line((r.name, "bold"), r.type, ", ".join(r.values), zone(r.private_vpcs))
        for r in model.dns_records.values()
    ))


def _internet_hosts(model: Model) -> Tree | None:
    return _section("internet hosts", (
        _line((h.name, "bold"), str(h.ip),
              "ports " + (", ".join(str(p) for p in h.ports) if h.ports else "all"))
        for h in model.internet_hosts.values()
    ))


def _notes(model: Model) -> Tree | None:
    return _section("notes", (_dim(note) for note in model.notes))


# --- Kubernetes clusters ---------------------------------------------------------------------


def _labels(labels: Iterable[tuple[str, str]]) -> str:
    return ",".join(f"{k}={v}" for k, v in labels)


def _chosen(assigned: tuple[str, ...]) -> tuple[str, str] | None:
    words = {"ip": "IP", "node": "node", "cluster_ip": "ClusterIP", "node_port": "NodePort"}
    chosen = [words.get(a, a) for a in assigned if a != "implicit"]
    if "implicit" in assigned:  # not in the files at all: the standard CoreDNS
        return "(implicit: not in the files" + (
            f"; {', '.join(chosen)} chosen by netpath)" if chosen else ")"), "dim"
    if not chosen:
        return None
    return "(" + ", ".join(chosen) + " chosen by netpath)", "dim"


def cluster_tree(cluster: Cluster, without_ip: Collection[tuple[str, str]] = ()) -> Tree:
    if cluster.enforces_network_policy:
        enforcement: tuple[str, str] = ("NetworkPolicy enforced", "green")
    else:
        enforcement = ("NetworkPolicy not enforced", "yellow")
    tree = Tree(_line(
        (f"cluster {cluster.name}", "bold"),
        f"VPC {cluster.vpc}" if cluster.vpc else "Kubernetes only (flat pod network)",
        cluster.cni + (f" (pod CIDR {cluster.pod_cidr})" if cluster.pod_cidr else ""),
        enforcement,
        f"service CIDR {cluster.service_cidr}",
        f"DNS {cluster.dns_ip} {cluster.dns_domain}",
    ))
    pods: dict[str, list[Pod]] = {}
    for pod in cluster.pods.values():
        pods.setdefault(pod.node, []).append(pod)
    for node in cluster.nodes.values():
        where = f"instance {node.instance}" if node.instance else None
        branch = tree.add(_line((f"node {node.name}", "bold"), str(node.ip), where,
                                f"pod CIDR {node.pod_cidr}" if node.pod_cidr else None))
        for pod in pods.get(node.name, []):
            branch.add(_pod_label(pod, (cluster.name, pod.key) in without_ip))
    for title, items in (
        ("Services", [_service_label(s) for s in cluster.services.values()]),
        ("NetworkPolicies", [_policy_label(p) for p in cluster.network_policies.values()]),
        ("Ingresses", [_line((i.key, "bold"), f"class {i.ingress_class or '-'}",
                             f"controller {i.controller or 'unknown'}",
                             ", ".join(f"{r.host or '*'}{p.path} -> {p.backend.service}:"
                                       f"{p.backend.port}" for r in i.rules for p in r.paths))
                       for i in cluster.ingresses.values()]),
        ("SecurityGroupPolicies", [_line((f"{p.namespace}/{p.name}", "bold"),
                                         f"pods {p.pod_selector}",
                                         ", ".join(p.security_groups))
                                   for p in cluster.security_group_policies.values()]),
    ):
        section = _section(title, items)
        if section is not None:
            tree.add(section)
    tree.add(_line(("namespaces", "bold"), ", ".join(cluster.namespaces)))
    inferred = _section("inferred (no netpath spec says it)",
                        (_dim(str(i)) for i in cluster.inferences))
    if inferred is not None:
        tree.add(inferred)
    ignored = _section("ignored (kinds netpath does not model, Helm test hooks)",
                       (_dim(item) for item in cluster.ignored))
    if ignored is not None:
        tree.add(ignored)
    return tree


def _pod_label(pod: Pod, no_ip: bool = False) -> Text:
    address: str | tuple[str, str] = str(pod.ip) + (" (host network)" if pod.host_network
                                                     else "")
    return _line(
        (f"pod {pod.key}", "bold"),
        (f"no IP ({Code.NO_POD_IP}: netpath capacity)", "red") if no_ip else address,
        _labels(pod.labels.items()),
        pod.owner,
        None if pod.ready else ("not ready", "red"),
        f"[{', '.join(pod.security_groups)}]" if pod.security_groups else None,
        _chosen(tuple(a for a in pod.assigned if not (no_ip and a == "ip"))),
    )


def _service_label(service: Service) -> Text:
    if service.type == "ExternalName":
        address = f"-> {service.external_name}"
    else:
        address = str(service.cluster_ip) if service.cluster_ip else "headless"
    ports = ", ".join(
        f"{p.port}/{p.protocol} -> {p.target_port}"
        + (f" (nodePort {p.node_port})" if p.node_port else "") for p in service.ports)
    if service.selector is not None:
        backs = f"selector {_labels(service.selector.items())}"
    else:
        backs = f"{len(service.endpoints)} written endpoint(s)"
    return _line((service.key, "bold"), service.type, address, ports or "no ports", backs,
                 _chosen(service.assigned))


def _policy_label(policy: NetworkPolicy) -> Text:
    rules = []
    for word, found in (("Ingress", policy.ingress), ("Egress", policy.egress)):
        if word in policy.policy_types:
            count = f"{len(found)} rule(s)" if found else "no rules: denies all"
            rules.append(f"{word.lower()} {count}")
    return _line((policy.key, "bold"), f"pods {policy.pod_selector}", "; ".join(rules))
