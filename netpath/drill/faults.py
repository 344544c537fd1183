"""Find the fault: break ONE thing in a working network, and prove it broke (and mends).

`inject` takes a network and a query that is reachable on it, lists the faults its trace
suggests (each a change to the model, never to the engine), applies them in a random order,
re-prepares the network and traces again: the first fault that makes the query fail with a
code it must cause, where it says (`stops_as_stated`), wins. `repairs` applies the fault's
described fix to the broken model and proves the query passes again.

The faults (FAULT_KINDS):
- route-removed: the route the path used to a gateway (NAT, internet gateway, peering...) is
  deleted from its route table;
- sg-rule-removed: the security group rule that allowed the flow is deleted;
- pod-relabelled: a pod's label changes, so the Service (or the NetworkPolicy rule) that
  selected it no longer does;
- nacl-no-ephemeral: a NACL on the path becomes a custom one that allows the request's ports
  but not the ephemeral ports the replies go to;
- endpoint-stopped: the pods behind a Service are no longer ready;
- dns-egress-removed: the egress rule that let a pod reach the cluster DNS is removed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace
from random import Random

from netpath.engine import prepare, trace
from netpath.engine.errors import QueryError
from netpath.engine.network import Network
from netpath.engine.network_policy import first_match
from netpath.engine.network_policy_fix import dns_server
from netpath.engine.trace import Query, Trace
from netpath.model.addr import ANY_PREFIX, PortRange
from netpath.model.kubernetes import Cluster, NetworkPolicy, Pod
from netpath.model.paths import SpecPath
from netpath.model.record import record
from netpath.model.resources import Model, NaclRule, NetworkAcl, RouteTable, SecurityGroup

FAULT_KINDS = ("route-removed", "sg-rule-removed", "pod-relabelled", "nacl-no-ephemeral",
               "endpoint-stopped", "dns-egress-removed")
ROUTED = ("nat-gateway", "internet-gateway", "vpc-peering", "transit-gateway", "vpc-endpoint",
          "network-interface")
EPHEMERAL_ALL = PortRange(1024, 65535)  # every client's range: Linux, NAT, ELB, Windows...

Change = Callable[[Model], Model]


class NoFault(Exception):
    """No fault applies to this query (or none makes it fail for its stated reason)."""


@record
class Fault:
    kind: str  # one of FAULT_KINDS
    component: str  # the broken component as traces name it: "route-table rt-private"
    description: str  # what netpath changed, in words
    fix: str  # the fix, in words
    apply: Change  # the fault, as a change to the model
    repair: Change  # the described fix, as a change to the (broken) model
    expect: tuple[str, ...]  # the codes the fault must cause
    keywords: tuple[str, ...] = ()  # words of which a free-text fix must hold one
    # Components that are part of the story, never offered as distractors: the Service whose
    # selector no longer matches the relabelled pod, the other groups of the interface...
    related: tuple[str, ...] = ()
    at: tuple[str, ...] = ()  # where the broken trace must stop, for the stated reason (any)
    code: str = ""  # the code the broken trace shows (set by `inject`)

    @property
    def name(self) -> str:
        """The component's name without its kind: `rt-private`."""
        return self.component.split(" ", 1)[1]


def inject(network: Network, query: Query, rng: Random, *,
           kinds: Collection[str] | None = None) -> tuple[Fault, Network, Trace, Trace]:
    """(the fault, the broken network, the trace before, the trace after). Raises NoFault."""
    before = trace(network, query)
    if not before.reachable:
        raise NoFault(f"{query.source} -> {query.destination} is already blocked")
    by_kind: dict[str, list[Fault]] = {}
    for fault in candidates(network, before):
        if kinds is None or fault.kind in kinds:
            by_kind.setdefault(fault.kind, []).append(fault)
    order = sorted(by_kind)
    rng.shuffle(order)
    for kind in order:
        faults = by_kind[kind]
        rng.shuffle(faults)
        for fault in faults:
            broken = prepare(fault.apply(network.model))
            try:
                after = trace(broken, query)
            except QueryError:
                continue
            if stops_as_stated(fault, after):
                assert after.blocked_by is not None
                return replace(fault, code=after.blocked_by.code), broken, before, after
    raise NoFault(f"no fault makes {query.source} -> {query.destination} fail")


def stops_as_stated(fault: Fault, after: Trace) -> bool:
    """The broken trace stops with one of the fault's codes, where the fault says."""
    blocked = after.blocked_by
    if blocked is None or blocked.code not in fault.expect:
        return False
    stopped = {f"{blocked.component} {name.strip()}" for name in blocked.name.split(",")}
    return not fault.at or bool(stopped & set(fault.at))


def repairs(fault: Fault, broken: Network, query: Query) -> bool:
    """Whether the fault's described fix, applied to the broken model, lets the query pass."""
    return trace(prepare(fault.repair(broken.model)), query).reachable


def candidates(network: Network, before: Trace) -> list[Fault]:
    """Every fault the trace suggests, in path order (deduplicated)."""
    found: dict[tuple[str, str, str], Fault] = {}
    for maker in (_routes, _security_groups, _labels, _nacls, _endpoints, _dns):
        for fault in maker(network, before):
            found.setdefault((fault.kind, fault.component, fault.description), fault)
    return list(found.values())


def _set(collection: str, item: RouteTable | SecurityGroup | NetworkAcl) -> Change:
    """A change that puts `item` in the model's `collection` (by its name)."""
    def change(model: Model) -> Model:
        items: dict[str, object] = {**getattr(model, collection), item.name: item}
        return replace(model, **{collection: items})  # type: ignore[arg-type]
    return change


# --- routes ------------------------------------------------------------------------------------


def _routes(network: Network, before: Trace) -> list[Fault]:
    faults: list[Fault] = []
    for hop in (*before.hops, *before.return_path):
        if hop.component != "route-table" or hop.rule is None or hop.rule.path is None:
            continue
        table = network.model.route_tables.get(hop.name)
        if table is None:
            continue
        at = next((i for i, r in enumerate(table.routes)
                   if r.path == hop.rule.path and str(r) == hop.rule.text), None)
        if at is None or table.routes[at].target_kind not in ROUTED:
            continue
        route = table.routes[at]
        without = replace(table, routes=table.routes[:at] + table.routes[at + 1:])
        # NAT gateways in the table's subnets stop too: their way to the internet is gone.
        nats = [f"nat-gateway {n.name}" for n in network.model.nat_gateways.values()
                if network.model.subnets[n.subnet].route_table == table.name]
        faults.append(Fault(
            kind="route-removed", component=f"route-table {table.name}",
            description=f"removed the route {route} from {table.name}",
            fix=f"add the route {route} back to {table.name}",
            apply=_set("route_tables", without), repair=_set("route_tables", table),
            expect=("NO_ROUTE", "NO_RETURN_ROUTE", "NAT_NO_INTERNET_ROUTE"),
            keywords=("route", route.target, route.destination_text),
            at=(f"route-table {table.name}", *nats)))
    return faults


# --- security groups ---------------------------------------------------------------------------


def _security_groups(network: Network, before: Trace) -> list[Fault]:
    faults: list[Fault] = []
    for hop in before.hops:
        if hop.component != "security-group" or hop.action != "allow" or hop.rule is None:
            continue
        group = network.model.security_groups.get(hop.name)
        if group is None:
            continue
        for direction in ("ingress", "egress"):
            rules = getattr(group, direction)
            at = next((i for i, r in enumerate(rules) if str(r) == hop.rule.text
                       and (hop.rule.path is None or r.path == hop.rule.path)), None)
            if at is None or (hop.rule.path is None and not group.egress_is_default):
                continue
            rule = rules[at]
            word = "inbound" if direction == "ingress" else "outbound"
            broken = replace(group, **{direction: rules[:at] + rules[at + 1:]})
            if direction == "egress" and group.egress_is_default:
                broken = replace(broken, egress_is_default=False)
            # The interface's other groups: a rule added to any of them would do too.
            eni = network.eni_at(group.vpc, hop.packet.dst_ip if direction == "ingress"
                                 else hop.packet.src_ip)
            others = [g for g in (eni.security_groups if eni else ()) if g != group.name]
            faults.append(Fault(
                kind="sg-rule-removed", component=f"security-group {group.name}",
                description=f"deleted the {word} rule {rule} of {group.name}",
                fix=f"add the {word} rule {rule} back to {group.name}",
                apply=_set("security_groups", broken), repair=_set("security_groups", group),
                expect=("SG_INGRESS_DENIED", "SG_EGRESS_DENIED"),
                keywords=(word, direction, "allow"),
                related=tuple(f"security-group {g}" for g in others),
                at=tuple(f"security-group {g}" for g in (group.name, *others))))
            break
    return faults


# --- Kubernetes: labels, endpoints, DNS egress ---------------------------------------------------


def _set_pods(cluster: str, pods: dict[str, Pod]) -> Change:
    def change(model: Model) -> Model:
        current = model.clusters[cluster]
        updated = replace(current, pods={**current.pods, **pods})
        return replace(model, clusters={**model.clusters, cluster: updated})
    return change


def _served(network: Network, before: Trace) -> list[tuple[Cluster, str, Pod]]:
    """(cluster, Service key, the pod the trace followed) for each Service on the path."""
    found: list[tuple[Cluster, str, Pod]] = []
    hops = before.hops
    for i, hop in enumerate(hops):
        if hop.component != "service":
            continue
        target = next((h for h in hops[i + 1:] if h.component == "pod" and h.action == "deliver"
                       and h.connection == hop.connection), None)
        if target is None:
            continue
        for cluster in network.model.clusters.values():
            if hop.name in cluster.services and target.name in cluster.pods:
                found.append((cluster, hop.name, cluster.pods[target.name]))
                break
    return found


def _labels(network: Network, before: Trace) -> list[Fault]:
    faults: list[Fault] = []
    for cluster, key, pod in _served(network, before):
        service = cluster.services[key]
        if not service.selector:
            continue
        label, value = sorted(service.selector.items())[0]
        selected = {k: p for k, p in cluster.pods.items() if p.namespace == service.namespace
                    and all(p.labels.get(a) == b for a, b in service.selector.items())}
        moved = {k: replace(p, labels={**p.labels, label: f"{value}-v2"})
                 for k, p in selected.items()}
        names = ", ".join(sorted(selected))
        faults.append(Fault(
            kind="pod-relabelled", component=f"pod {pod.key}",
            description=(f"changed the label {label}={value} to {label}={value}-v2 on {names}: "
                         f"Service {key} selects {label}={value}, so it selects none of them"),
            fix=f"label {pod.key} {label}={value} again (or make {key}'s selector match)",
            apply=_set_pods(cluster.name, moved), repair=_set_pods(cluster.name, selected),
            expect=("SERVICE_NO_ENDPOINTS",), keywords=("label", "selector", f"{label}={value}"),
            related=(f"service {key}",), at=(f"service {key}",)))
    faults += _policy_labels(network, before)
    return faults


def _policy_labels(network: Network, before: Trace) -> list[Fault]:
    """The pod at the other end of a NetworkPolicy rule's podSelector gets another label."""
    faults: list[Fault] = []
    kube = network.kube
    for hop in before.hops:
        if hop.component != "network-policy" or hop.rule is None or hop.action != "allow":
            continue
        words = hop.rule.text.rsplit(" ", 3)
        if len(words) != 4 or words[1] not in ("ingress", "egress"):
            continue
        direction = words[1]
        mine, theirs = ((hop.packet.dst_ip, hop.packet.src_ip) if direction == "ingress"
                        else (hop.packet.src_ip, hop.packet.dst_ip))
        for cluster in network.model.clusters.values():
            pod = kube.pods_by_ip.get((cluster.name, int(mine)))
            peer = kube.pods_by_ip.get((cluster.name, int(theirs)))
            policy = cluster.network_policies.get(words[0])
            if pod is None or peer is None or policy is None:
                continue
            index = kube.policy_indexes[cluster.name]
            match = first_match(index, direction, pod, (policy,), theirs, peer,  # type: ignore[arg-type]
                                hop.packet.protocol, hop.packet.dst_port)
            if match is None or match.peer < 0:
                continue
            selector = match.rule_obj.peers[match.peer].pod_selector
            if selector is None or not selector.match_labels:
                continue
            label, value = selector.match_labels[0]
            moved = replace(peer, labels={**peer.labels, label: f"{value}-v2"})
            word = "from" if direction == "ingress" else "to"
            faults.append(Fault(
                kind="pod-relabelled", component=f"pod {peer.key}",
                description=(f"changed the label {label}={value} to {label}={value}-v2 on "
                             f"{peer.key}: {policy.key} admits {direction} {word} pods "
                             f"{label}={value} only"),
                fix=f"label {peer.key} {label}={value} again (or widen {policy.key}'s rule)",
                apply=_set_pods(cluster.name, {peer.key: moved}),
                repair=_set_pods(cluster.name, {peer.key: peer}),
                expect=("NETPOL_INGRESS_DENIED" if direction == "ingress"
                        else "NETPOL_EGRESS_DENIED",),
                keywords=("label", "selector", f"{label}={value}"),
                related=(f"network-policy {policy.key}",),
                at=(f"network-policy {policy.key}",)))
            break
    return faults


def _endpoints(network: Network, before: Trace) -> list[Fault]:
    faults: list[Fault] = []
    for cluster, key, pod in _served(network, before):
        service = cluster.services[key]
        if not service.selector:
            continue
        selected = {k: p for k, p in cluster.pods.items() if p.namespace == service.namespace
                    and all(p.labels.get(a) == b for a, b in service.selector.items())}
        stopped = {k: replace(p, ready=False) for k, p in selected.items()}
        names = ", ".join(sorted(selected))
        faults.append(Fault(
            kind="endpoint-stopped", component=f"pod {pod.key}",
            description=(f"stopped the endpoints of Service {key}: {names} "
                         f"{'is' if len(selected) == 1 else 'are'} not ready (a failing "
                         "readiness probe)"),
            fix=f"make {pod.key} ready again (fix its readiness probe, or restart it)",
            apply=_set_pods(cluster.name, stopped), repair=_set_pods(cluster.name, selected),
            expect=("SERVICE_NO_ENDPOINTS",), keywords=("ready", "readiness", "restart", "start"),
            related=(f"service {key}",), at=(f"service {key}",)))
    return faults


def _dns(network: Network, before: Trace) -> list[Fault]:
    if not before.hops or before.hops[0].component != "dns":
        return []
    sender = next((h for h in before.hops if h.action == "send"), None)
    if sender is None or sender.component != "pod":
        return []
    for cluster in network.model.clusters.values():
        pod = cluster.pods.get(sender.name)
        if pod is None:
            continue
        index = network.kube.policy_indexes[cluster.name]
        policies = index.selecting(pod, "egress")
        if not policies or not index.enforced:
            return []
        ip, server = dns_server(index)
        match = first_match(index, "egress", pod, policies, ip, server, "udp", 53)
        if match is None:
            return []
        policy = match.policy
        rule = match.rule_obj
        kept = tuple(p for p in rule.ports if p.port != 53 and p.port != "dns")
        if kept:
            egress = tuple(replace(r, ports=kept) if r is rule else r for r in policy.egress)
        else:  # a rule for DNS only: it goes
            egress = tuple(r for r in policy.egress if r is not rule)
        broken = replace(policy, egress=egress)
        return [Fault(
            kind="dns-egress-removed", component=f"network-policy {policy.key}",
            description=(f"removed the DNS allowance (udp/53, tcp/53 to the cluster DNS) from "
                         f"{policy.key}'s egress rule {match.rule + 1}"),
            fix=f"allow udp/53 and tcp/53 to the cluster DNS pods again in {policy.key}'s egress",
            apply=_set_policy(cluster.name, broken), repair=_set_policy(cluster.name, policy),
            expect=("NETPOL_EGRESS_DENIED",), keywords=("53", "dns"),
            at=(f"network-policy {pod.key}",))]  # the lookup stops, at the asking pod
    return []


def _set_policy(cluster: str, policy: NetworkPolicy) -> Change:
    def change(model: Model) -> Model:
        current = model.clusters[cluster]
        updated = replace(current, network_policies={**current.network_policies,
                                                      policy.key: policy})
        return replace(model, clusters={**model.clusters, cluster: updated})
    return change


# --- network ACLs ------------------------------------------------------------------------------


def _nacls(network: Network, before: Trace) -> list[Fault]:
    if before.query.protocol not in ("tcp", "udp"):
        return []
    ports: dict[str, set[int]] = {}
    for hop in before.hops:
        if hop.component == "network-acl" and hop.packet.dst_port is not None:
            ports.setdefault(hop.name, set()).add(hop.packet.dst_port)
    faults: list[Fault] = []
    protocol = before.query.protocol
    for name, used in ports.items():
        acl = network.model.network_acls.get(name)
        if acl is None:
            continue
        listed = sorted(used)

        def rules(direction: str, extra: bool, acl_path: SpecPath = acl.path,
                  listed: list[int] = listed) -> tuple[NaclRule, ...]:
            made = [NaclRule(100 + 10 * i, "allow", protocol, PortRange(p, p), ANY_PREFIX,
                             (*acl_path, direction, i)) for i, p in enumerate(listed)]
            if extra:
                made.append(NaclRule(200, "allow", protocol, EPHEMERAL_ALL, ANY_PREFIX,
                                     (*acl_path, direction, len(listed))))
            return tuple(made)

        custom = replace(acl, inbound=rules("inbound", False), outbound=rules("outbound", False),
                         is_default=False, implicit=False)
        fixed = replace(custom, inbound=rules("inbound", True), outbound=rules("outbound", True))
        shown = ", ".join(f"{protocol}/{p}" for p in listed)
        faults.append(Fault(
            kind="nacl-no-ephemeral", component=f"network-acl {name}",
            description=(f"made {name} a custom network ACL that allows only {shown} in and "
                         "out: nothing for the ephemeral ports the replies go to"),
            fix=(f"allow the ephemeral ports 1024-65535 in {name} (both directions) for the "
                 "replies: NACLs are stateless"),
            apply=_set("network_acls", custom), repair=_set("network_acls", fixed),
            expect=("NACL_RETURN_DENIED",), keywords=("ephemeral", "1024", "32768"),
            at=(f"network-acl {name}",)))
    return faults


