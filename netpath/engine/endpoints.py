"""Where a name or address leads: endpoints (an interface, a pod, a host, the internet) and the
DNS names of the spec, as a question asked from inside a VPC or from the internet.

DNS answers depend on where the question is asked: inside a VPC, interface endpoints' private
DNS and Route 53 private zones associated with the VPC come first; from the internet only
public records and hosts are visible.
"""

from __future__ import annotations

import ipaddress

from netpath.engine.errors import QueryError
from netpath.engine.network import Network
from netpath.model.addr import Address, is_public
from netpath.model.kubernetes import Pod
from netpath.model.record import record
from netpath.model.resources import Eni, LoadBalancer
from netpath.model.vocabulary import EniOwner

INTERNET_CLIENT = ipaddress.IPv4Address("203.0.113.10")
INTERNET_SERVER = ipaddress.IPv4Address("203.0.113.250")
# The recursive resolver of a client outside any VPC (the internet client, a node of a
# Kubernetes-only spec): like INTERNET_CLIENT, a stand-in address from TEST-NET-3.
PUBLIC_RESOLVER = ipaddress.IPv4Address("203.0.113.53")


@record
class Endpoint:
    label: str  # how the trace names it: node-1, api.example.com, internet
    address: Address
    eni: Eni | None = None  # set when the endpoint is (or sends from) an interface
    client_os: str = "internet"
    default_port: tuple[int, str] | None = None  # (port, why) when the destination has one
    pod: Pod | None = None  # a Kubernetes pod
    cluster: str | None = None  # the pod's (or Service's) cluster


@record
class DnsAnswer:
    name: str
    addresses: tuple[Address, ...]
    chain: tuple[str, ...]  # the names followed: CNAMEs and aliases, in order
    source: str  # which resolver answered, in words


def is_ip(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def resolve_dns(net: Network, name: str, vpc: str | None) -> DnsAnswer | None:
    """Follow CNAMEs and aliases from the viewpoint of `vpc` (None: the internet)."""
    model = net.model
    current = name.lower().rstrip(".")
    chain: list[str] = []
    for _ in range(16):  # CNAME loops are refused by the spec checks; this is a backstop
        endpoint_ips = _endpoint_private_dns(net, current, vpc)
        if endpoint_ips:
            return DnsAnswer(name, endpoint_ips, tuple(chain), "interface endpoint private DNS")
        record = model.dns_records.get(current)
        if record is not None and record.private_vpcs and vpc not in record.private_vpcs:
            record = None  # a private hosted zone not associated with this VPC
        if record is not None:
            zone = record.zone or ("Route 53 private zone" if record.private_vpcs
                                   else "Route 53")
            if record.type == "A":
                ips = tuple(ipaddress.IPv4Address(v) for v in record.values)
                return DnsAnswer(name, ips, tuple(chain), zone)
            if record.type == "CNAME":
                chain.append(record.values[0])
                current = record.values[0].lower().rstrip(".")
                continue
            target = record.values[0]
            chain.append(f"alias {target}")
            return DnsAnswer(name, _alias_addresses(net, target), tuple(chain), zone)
        host = model.internet_hosts.get(current)
        if host is not None:
            return DnsAnswer(name, (host.ip,), tuple(chain), "public DNS")
        return None
    return None


def _endpoint_private_dns(net: Network, name: str, vpc: str | None) -> tuple[Address, ...]:
    if vpc is None:
        return ()
    for endpoint in net.model.endpoints.values():
        if endpoint.vpc == vpc and endpoint.private_dns and name in endpoint.dns_names:
            return tuple(net.model.enis[e].private_ip for e in endpoint.enis)
    return ()


def _alias_addresses(net: Network, target: str) -> tuple[Address, ...]:
    model = net.model
    if target in model.load_balancers:
        lb = model.load_balancers[target]
        nodes = [model.enis[e] for e in lb.enis]
        if lb.scheme == "internet-facing":
            return tuple(n.public_ip for n in nodes if n.public_ip is not None)
        return tuple(n.private_ip for n in nodes)
    endpoint = model.endpoints[target]
    return tuple(model.enis[e].private_ip for e in endpoint.enis)


def vpc_resolver(net: Network, vpc: str) -> Address:
    """The Amazon-provided DNS server of a VPC: its primary CIDR's base address plus two.
    https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html"""
    return net.model.vpcs[vpc].cidr.network_address + 2


def named_eni(net: Network, text: str) -> Eni | None:
    model = net.model
    if text in model.instances and model.instances[text].enis:
        return model.enis[model.instances[text].enis[0]]
    if text in model.databases:
        return model.enis[model.databases[text].eni]
    if text in model.enis:
        return model.enis[text]
    return None


def own_port(net: Network, eni: Eni) -> tuple[int, str] | None:
    if eni.owner_kind == EniOwner.DATABASE:
        database = net.model.databases[eni.owner]
        return database.port, f"{database.name}'s port"
    if eni.owner_kind == EniOwner.LOAD_BALANCER:
        lb = net.model.load_balancers[eni.owner]
        if len(lb.listeners) == 1:
            return lb.listeners[0].port, f"{lb.name}'s only listener"
    return None


def load_balancer_endpoint(net: Network, lb: LoadBalancer, source: Endpoint) -> Endpoint:
    """Clients reach an internet-facing load balancer at its public addresses (as its DNS name
    answers), an internal one at its private addresses; the node in the client's AZ first."""
    nodes = [net.model.enis[e] for e in lb.enis]
    if source.eni is not None:
        az = net.model.subnets[source.eni.subnet].az
        nodes.sort(key=lambda n: net.model.subnets[n.subnet].az != az)
    node = nodes[0]
    public = lb.scheme == "internet-facing" and node.public_ip is not None
    address = node.public_ip if public and node.public_ip else node.private_ip
    return Endpoint(lb.name, address, node, "elb", own_port(net, node))


def endpoint_at(net: Network, address: Address, label: str, *, source: bool,
                 vpc: str | None = None) -> Endpoint:
    eni = net.eni_with_public_ip(address) or _eni_by_private_ip(net, address, vpc, label)
    if eni is not None:
        if source:
            return Endpoint(label, eni.private_ip, eni, eni.client_os)
        return Endpoint(label, address, eni, eni.client_os, own_port(net, eni))
    host = net.hosts_by_ip.get(int(address))
    if host is not None:
        ports = net.model.internet_hosts[host].ports
        single = len(ports) == 1 and ports[0].size == 1
        return Endpoint(label, address,
                        default_port=(ports[0].low, f"{host}'s only port") if single else None)
    cloud_lb = net.kube.cloud_lbs_by_ip.get(int(address)) if not source else None
    if cloud_lb is not None and len(cloud_lb[1].ports) == 1:
        service = cloud_lb[1]
        return Endpoint(label, address, default_port=(
            service.ports[0].port, f"the only port of Service {service.key}'s load balancer"))
    if source and not is_public(address):
        raise QueryError(f"no network interface in the spec has the address {address}",
                         "give a name from the spec, a public address, or `internet`")
    return Endpoint(label, address)


def _eni_by_private_ip(net: Network, address: Address, vpc: str | None,
                       label: str) -> Eni | None:
    """The source's own VPC first; elsewhere the address must be unambiguous."""
    if vpc is not None:
        found = net.eni_at(vpc, address)
        if found is not None:
            return found
    holders = net.enis_by_address.get(int(address), ())
    if len(holders) > 1 and vpc is None:
        names = ", ".join(sorted(net.display_name(net.enis[e]) for e in holders))
        raise QueryError(f"{label} is the address of several interfaces ({names})",
                         "use a name instead of the address")
    return net.enis[holders[0]] if holders else None
