"""A generated Kubernetes cluster for benchmarks and scale tests, built as model objects directly
(no manifests, no loader), so the engine can be measured on its own.

    from bench.kube_cluster import make_cluster      # or load this file by path
    cluster = make_cluster(pods=5000, services=1000, policies=500, seed=1)
    model = make_vpc_model(pods=500, services=100, policies=200, seed=1)  # with an AWS part

The shape follows real clusters rather than noise: namespaces per team with `team` and `env`
labels; workloads (web, api, worker, db, cache) whose replicas share labels and differ only in
`pod-template-hash`-style labels; named container ports; CoreDNS in kube-system behind the
cluster DNS Service; a few hostNetwork pods (node agents). Policies are what teams write: a
default-deny per namespace, egress default-deny with a DNS allowance in some, allows between
tiers by podSelector, across namespaces with namespaceSelector AND podSelector, named ports,
endPort ranges, ipBlocks with except, and matchExpressions with all four operators.
Same arguments, same cluster.

`make_vpc_model` puts the same cluster on EC2 nodes of a VPC (a Model, ready for `prepare`): the
nodes spread over three subnets whose NACLs differ, node security groups that leave some ports
closed between nodes, and security groups for pods (SecurityGroupPolicy) on the database pods.
With the VPC CNI (the default) pods take addresses from their node's subnet; with an overlay CNI
they keep the pod CIDR and the nodes must let the tunnel through.
"""

from __future__ import annotations

import random
from dataclasses import replace
from ipaddress import IPv4Address, IPv4Network

from netpath.model.addr import ANY_PREFIX, PortRange
from netpath.model.kubernetes import (
    NAMESPACE_NAME_LABEL,
    Cluster,
    ContainerPort,
    IpBlock,
    LabelSelector,
    Namespace,
    NetpolPeer,
    NetpolPort,
    NetpolRule,
    NetworkPolicy,
    Node,
    Pod,
    Requirement,
    SecurityGroupPolicy,
    Service,
    ServicePort,
)
from netpath.model.resources import (
    Eni,
    Instance,
    Model,
    NaclRule,
    NetworkAcl,
    Route,
    RouteTable,
    SecurityGroup,
    SgRule,
    Subnet,
    Vpc,
)

NAME = "bench"
POD_CIDR = IPv4Network("10.244.0.0/16")
SERVICE_CIDR = IPv4Network("10.100.0.0/16")
DNS_IP = IPv4Address("10.100.0.10")
KINDS = ("web", "api", "worker", "db", "cache")
PORTS = {
    "web": (ContainerPort("http", 8080, "tcp"), ContainerPort("metrics", 9090, "tcp")),
    "api": (ContainerPort("http", 8080, "tcp"), ContainerPort("grpc", 9000, "tcp"),
            ContainerPort("metrics", 9090, "tcp")),
    "worker": (ContainerPort("metrics", 9090, "tcp"),),
    "db": (ContainerPort("postgres", 5432, "tcp"),),
    "cache": (ContainerPort("redis", 6379, "tcp"),),
}
DNS_PORTS = (ContainerPort("dns", 53, "udp"), ContainerPort("dns-tcp", 53, "tcp"))


def _sel(*pairs: tuple[str, str], exprs: tuple[Requirement, ...] = ()) -> LabelSelector:
    return LabelSelector(tuple(pairs), exprs)


def _port(protocol: str, port: int | str | None, end: int | None = None) -> NetpolPort:
    return NetpolPort(protocol, port, end, ())


def _peer(pods: LabelSelector | None = None, namespaces: LabelSelector | None = None,
          block: IpBlock | None = None) -> NetpolPeer:
    return NetpolPeer(pods, namespaces, block, ())


def _rule(peers: tuple[NetpolPeer, ...], ports: tuple[NetpolPort, ...]) -> NetpolRule:
    return NetpolRule(peers, ports, ())


def make_cluster(pods: int, services: int, policies: int, seed: int) -> Cluster:
    rng = random.Random(seed)
    cluster = Cluster(
        name=NAME, vpc=None, cni="calico", enforces_network_policy=True, pod_cidr=POD_CIDR,
        service_cidr=SERVICE_CIDR, dns_ip=DNS_IP, dns_domain="cluster.local",
        external_snat=False, exclude_snat_cidrs=(), kube_proxy_mode="iptables",
        pod_security_group_mode="standard",
    )
    teams = [f"team-{i:02d}" for i in range(max(3, pods // 100))]
    for i, name in enumerate([*teams, "kube-system", "ingress-nginx"]):
        labels = {NAMESPACE_NAME_LABEL: name}
        if name.startswith("team-"):
            labels |= {"team": name, "env": "prod" if i % 3 else "staging"}
        cluster.namespaces[name] = Namespace(name, labels, ("namespaces", name))
    for i in range(max(3, pods // 30)):
        name = f"node-{i:03d}"
        ip = IPv4Address("192.168.0.10") + i
        cluster.nodes[name] = Node(name, ip, None, None, {}, ("nodes", name))
    node_names = sorted(cluster.nodes)
    addresses = (POD_CIDR.network_address + 2 + i for i in range(POD_CIDR.num_addresses - 3))

    def add_pod(namespace: str, name: str, labels: dict[str, str],
                ports: tuple[ContainerPort, ...], host_network: bool = False) -> None:
        node = node_names[len(cluster.pods) % len(node_names)]
        ip = cluster.nodes[node].ip if host_network else next(addresses)
        cluster.pods[f"{namespace}/{name}"] = Pod(
            namespace, name, labels, node, ip, host_network, ports, True, None, (), (),
            ("pods", f"{namespace}/{name}"))

    for i in range(min(2, pods)):
        add_pod("kube-system", f"coredns-{i}", {"k8s-app": "kube-dns"}, DNS_PORTS)
    for i in range(min(pods // 250, len(node_names))):  # node agents on the host network
        add_pod("kube-system", f"node-exporter-{i}", {"app": "node-exporter"},
                (ContainerPort("metrics", 9100, "tcp"),), host_network=True)
    if pods > len(cluster.pods):
        add_pod("ingress-nginx", "controller-0", {"app.kubernetes.io/name": "ingress-nginx"},
                (ContainerPort("http", 80, "tcp"),))
    workloads: list[tuple[str, str, str]] = []  # (namespace, app, kind)
    while len(cluster.pods) < pods:
        k = len(workloads)
        namespace, kind = teams[k % len(teams)], KINDS[(k // len(teams)) % len(KINDS)]
        app = f"{kind}-{k}"
        workloads.append((namespace, app, kind))
        labels = {"app": app, "tier": kind, "version": rng.choice(("v1", "v2")),
                  "pod-template-hash": f"{rng.getrandbits(32):08x}"}
        if rng.random() < 0.1:
            labels["canary"] = "true"
        for r in range(min(rng.randint(1, 8), pods - len(cluster.pods))):
            add_pod(namespace, f"{app}-{r}", labels, PORTS[kind])
    _add_services(cluster, workloads, services)
    _add_policies(cluster, teams, workloads, policies, rng)
    return cluster


def _add_services(cluster: Cluster, workloads: list[tuple[str, str, str]], count: int) -> None:
    if count <= 0:
        return
    dns_ports = (ServicePort("dns", "udp", 53, "dns", None, ()),
                 ServicePort("dns-tcp", "tcp", 53, "dns-tcp", None, ()))
    made = [Service("kube-system", "kube-dns", "ClusterIP", DNS_IP, dns_ports,
                    {"k8s-app": "kube-dns"}, (), None, "Cluster", "Cluster", {}, None, (),
                    ("services", "kube-system/kube-dns"))]
    ip = SERVICE_CIDR.network_address + 11
    i = 0
    while len(made) < count and workloads:
        namespace, app, kind = workloads[i % len(workloads)]
        lap = i // len(workloads)  # past one Service per workload: extra ones (metrics, admin)
        name = app if lap == 0 else f"{app}-{lap}"
        target = PORTS[kind][0]
        ports = (ServicePort(target.name, "tcp", 80 if lap == 0 else 8000 + lap,
                             target.name or target.port, None, ()),)
        made.append(Service(namespace, name, "ClusterIP", ip, ports, {"app": app}, (), None,
                            "Cluster", "Cluster", {}, None, (),
                            ("services", f"{namespace}/{name}")))
        ip += 1
        i += 1
    for service in made:
        cluster.services[service.key] = service


def _add_policies(cluster: Cluster, teams: list[str], workloads: list[tuple[str, str, str]],
                  count: int, rng: random.Random) -> None:
    made: list[NetworkPolicy] = []

    def add(namespace: str, name: str, selector: LabelSelector, types: tuple[str, ...],
            ingress: tuple[NetpolRule, ...] = (), egress: tuple[NetpolRule, ...] = ()) -> None:
        if len(made) < count:
            made.append(NetworkPolicy(namespace, name, selector, types, ingress, egress,
                                      ("networkpolicies", f"{namespace}/{name}")))

    dns = _rule((_peer(_sel(("k8s-app", "kube-dns")),
                       _sel((NAMESPACE_NAME_LABEL, "kube-system"))),),
                (_port("udp", 53), _port("tcp", 53)))
    for i, team in enumerate(teams):
        add(team, "default-deny-ingress", _sel(), ("Ingress",))
        if i % 4 == 0:
            add(team, "default-deny-egress", _sel(), ("Egress",), egress=(dns,))
    ingress_ns = _sel((NAMESPACE_NAME_LABEL, "ingress-nginx"))
    prod = _sel(("env", "prod"))
    outside = IpBlock(IPv4Network("0.0.0.0/0"), (IPv4Network("10.0.0.0/8"),
                                                  IPv4Network("169.254.169.254/32")))
    corporate = IpBlock(IPv4Network("10.0.0.0/8"), (POD_CIDR,))
    pass_no = 0
    while len(made) < count and workloads:
        for namespace, app, kind in workloads:
            if len(made) >= count:
                break
            me = _sel(("app", app))
            name = f"allow-{app}" + (f"-{pass_no}" if pass_no else "")
            choice = (KINDS.index(kind) + pass_no) % 5
            if kind == "db":
                add(namespace, name, me, ("Ingress",), ingress=(_rule(
                    (_peer(_sel(("tier", "api"))),), (_port("tcp", "postgres"),)),))
            elif kind == "cache":
                add(namespace, name, me, ("Ingress",), ingress=(_rule(
                    (_peer(_sel(exprs=(Requirement("tier", "In", ("api", "worker")),))),),
                    (_port("tcp", 6379),)),))
            elif kind == "web":
                add(namespace, name, me, ("Ingress", "Egress"), ingress=(
                    _rule((_peer(namespaces=ingress_ns), _peer(block=corporate)),
                          (_port("tcp", "http"),)),),
                    egress=(_rule((_peer(_sel(("tier", "api"))),), (_port("tcp", 8080),)),
                            dns))
            elif choice % 2 == 0:  # api: from web pods of prod namespaces (one peer: AND)
                add(namespace, name, me, ("Ingress",), ingress=(_rule(
                    (_peer(_sel(("tier", "web")), prod),
                     _peer(_sel(exprs=(Requirement("canary", "DoesNotExist"),
                                       Requirement("version", "NotIn", ("v0",)))))),
                    (_port("tcp", 8080), _port("tcp", 9000, 9100))),))
            else:  # workers and others: egress to the internet minus the metadata service
                add(namespace, name, _sel(exprs=(Requirement("app", "Exists"),
                                                 Requirement("tier", "In", (kind,)))),
                    ("Egress",), egress=(_rule((_peer(block=outside),),
                                               (_port("tcp", 443),)), dns))
            if rng.random() < 0.05 and len(made) < count:  # metrics scraping from anywhere
                add(namespace, f"{name}-metrics", me, ("Ingress",),
                    ingress=(_rule((), (_port("tcp", "metrics"),)),))
        pass_no += 1
    for policy in made:
        cluster.network_policies[policy.key] = policy


# --- the same cluster on the nodes of a VPC ----------------------------------------------------

VPC = "bench-vpc"
VPC_CIDR = IPv4Network("10.0.0.0/16")
NODE_SUBNETS = (("nodes-a", "10.0.16.0/20", "us-east-1a"),
                ("nodes-b", "10.0.32.0/20", "us-east-1b"),
                ("nodes-c", "10.0.48.0/20", "us-east-1c"))
TUNNEL_PROTOCOL = {"calico": "4", "flannel": "udp", "cilium": "udp"}  # IP-in-IP, VXLAN


def make_vpc_model(pods: int, services: int, policies: int, seed: int,
                   cni: str = "aws-vpc-cni") -> Model:
    base = make_cluster(pods, services, policies, seed)
    vpc = Vpc(VPC, (VPC_CIDR,), "us-east-1", None, "rt-nodes", "nacl-default", ("vpcs", VPC))
    local = Route(VPC_CIDR, None, "local", "local", "local", ("vpcs", VPC, "cidr"))
    model = Model(vpcs={VPC: vpc}, route_tables={"rt-nodes": RouteTable(
        "rt-nodes", VPC, (local,), True, ("route_tables", "rt-nodes"))})
    allow_all = NaclRule(100, "allow", "all", None, ANY_PREFIX, ())
    model.network_acls["nacl-default"] = NetworkAcl("nacl-default", VPC, (allow_all,),
                                                    (allow_all,), True, True, ())
    # nodes-b refuses 9000-9100 (grpc, metrics) from nodes-c; nodes-c only sends to ports
    # 1024-65535 (no 80 or 443 out) and takes nothing but tcp in: udp (DNS) replies are lost.
    c_cidr = IPv4Network(NODE_SUBNETS[2][1])
    model.network_acls["nacl-b"] = _nacl("nacl-b", [
        (90, "deny", "tcp", PortRange(9000, 9100), c_cidr),
        (100, "allow", "all", None, ANY_PREFIX)],
        [(100, "allow", "all", None, ANY_PREFIX)])
    model.network_acls["nacl-c"] = _nacl("nacl-c", [
        (100, "allow", "tcp", PortRange(0, 65535), VPC_CIDR)],
        [(100, "allow", "tcp", PortRange(1024, 65535), ANY_PREFIX)])
    for (name, cidr, az), acl in zip(NODE_SUBNETS, ("nacl-default", "nacl-b", "nacl-c"),
                                     strict=True):
        model.subnets[name] = Subnet(name, VPC, IPv4Network(cidr), az, "rt-nodes", acl, True,
                                     ("subnets", name))
    # Between nodes: tcp above 1024 and 443, udp 53, and the overlay's tunnel; tcp 80 stays
    # closed. Database pods get their own group, open to the node group on 5432 only.
    tunnel = TUNNEL_PROTOCOL.get(cni)
    node_rules = [_sg_rule("tcp", PortRange(1025, 65535)), _sg_rule("tcp", PortRange(443, 443)),
                  _sg_rule("udp", PortRange(53, 53))]
    if tunnel is not None:
        node_rules.append(_sg_rule(tunnel, PortRange(8472, 8472) if tunnel == "udp" else None))
    model.security_groups["sg-nodes"] = _group("sg-nodes", node_rules)
    model.security_groups["sg-db-pods"] = _group("sg-db-pods", [_sg_rule("tcp",
                                                                         PortRange(5432, 5432))])
    overlay = cni in TUNNEL_PROTOCOL
    cluster = replace(base, vpc=VPC, cni=cni, enforces_network_policy=True,
                      pod_cidr=base.pod_cidr if overlay else None, nodes={}, pods={})
    node_ips: dict[str, IPv4Address] = {}
    for k, node in enumerate(sorted(base.nodes.values(), key=lambda n: n.name)):
        subnet = model.subnets[NODE_SUBNETS[k % len(NODE_SUBNETS)][0]]
        ip = subnet.cidr.network_address + 10 + k // len(NODE_SUBNETS)
        eni = Eni(f"eni-{node.name}", VPC, subnet.name, ip, None, ("sg-nodes",), "instance",
                  node.name, True, "linux", ("instances", node.name))
        model.enis[eni.name] = eni
        model.instances[node.name] = Instance(node.name, VPC, (eni.name,), "linux",
                                              ("instances", node.name), "m5.4xlarge")
        cluster.nodes[node.name] = replace(node, ip=ip, instance=node.name)
        node_ips[node.name] = ip
    used: dict[str, int] = {}
    for key, pod in base.pods.items():
        ip = node_ips[pod.node]
        if not pod.host_network and not overlay:
            subnet = model.subnets[model.enis[f"eni-{pod.node}"].subnet]
            used[subnet.name] = used.get(subnet.name, 0) + 1
            ip = subnet.cidr.network_address + 256 + used[subnet.name]
        elif not pod.host_network:
            ip = pod.ip
        groups = ("sg-db-pods",) if pod.labels.get("tier") == "db" and not overlay else ()
        cluster.pods[key] = replace(pod, ip=ip, security_groups=groups)
    if not overlay:
        for namespace in sorted({p.namespace for p in cluster.pods.values()
                                 if p.security_groups}):
            cluster.security_group_policies[f"{namespace}/db-pods"] = SecurityGroupPolicy(
                namespace, "db-pods", LabelSelector((("tier", "db"),)), ("sg-db-pods",), ())
    model.clusters[cluster.name] = cluster
    return model


def _nacl(name: str, inbound: list[tuple[int, str, str, PortRange | None, IPv4Network]],
          outbound: list[tuple[int, str, str, PortRange | None, IPv4Network]]) -> NetworkAcl:
    def rules(entries: list[tuple[int, str, str, PortRange | None, IPv4Network]]
              ) -> tuple[NaclRule, ...]:
        return tuple(NaclRule(n, action, protocol, ports, cidr, ("network_acls", name, n))
                     for n, action, protocol, ports, cidr in sorted(entries))

    return NetworkAcl(name, VPC, rules(inbound), rules(outbound), False, False,
                      ("network_acls", name))


def _sg_rule(protocol: str, ports: PortRange | None) -> SgRule:
    return SgRule("ingress", protocol, ports, None, "sg-nodes", None, "", ())


def _group(name: str, ingress: list[SgRule]) -> SecurityGroup:
    egress = (SgRule("egress", "all", None, ANY_PREFIX, None, None, "", ()),)
    return SecurityGroup(name, VPC, tuple(ingress), egress, True, "", ("security_groups", name))
