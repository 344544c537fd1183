"""A cluster entry's netpath-only facts, defaults applied: its VPC, CNI, CIDRs, cluster DNS,
kube-proxy mode. Every later step of a cluster's build (`pods`, `services`, `clusters`) reads
them, so they live apart from the step that assembles the cluster.
"""

from __future__ import annotations

from ipaddress import IPv4Network

from netpath.model.addr import Address, Prefix
from netpath.model.kubernetes import CNI_ENFORCES_NETWORK_POLICY
from netpath.model.paths import SpecPath
from netpath.model.record import record
from netpath.sources.building import Ctx, Parts, parse_cidr
from netpath.sources.kubernetes.fields import Reader

DEFAULT_POD_CIDR = IPv4Network("10.244.0.0/16")
DEFAULT_SERVICE_CIDR = IPv4Network("10.96.0.0/12")  # Kubernetes' default
DEFAULT_DNS_DOMAIN = "cluster.local"


@record
class Settings:
    """The netpath-only facts of a cluster entry, defaults applied."""

    name: str
    vpc: str | None
    cni: str
    enforces: bool
    pod_cidr: Prefix | None
    service_cidr: Prefix
    dns_ip: Address
    dns_domain: str
    external_snat: bool
    exclude_snat_cidrs: tuple[Prefix, ...]
    kube_proxy: str
    pod_security_group_mode: str
    path: SpecPath
    # Which of "service_cidr", "dns_ip", "pod_cidr" the entry wrote: the others may be inferred
    # from the objects (`inference`).
    written: frozenset[str] = frozenset()
    inferred: frozenset[str] = frozenset()  # of the same, those taken from the objects

    @property
    def inferable(self) -> bool:
        """Whether `inference` may take a range from the objects: one is left unwritten (the
        pod CIDR only where there is one, with an overlay CNI)."""
        return not self.written >= {"service_cidr", "dns_ip"} or (
            "pod_cidr" not in self.written and self.pod_cidr is not None)


def read_settings(ctx: Ctx, parts: Parts, name: str, r: Reader) -> Settings | None:
    """The settings of cluster `name` (its entry read by `r`), or None after an error."""
    mark = ctx.mark()
    vpc = r.string("vpc")
    if vpc is not None and ctx.resolve(vpc, ("vpc",), "VPC", r.at("vpc")) is None:
        return None
    cni = r.word("cni", tuple(CNI_ENFORCES_NETWORK_POLICY), "aws-vpc-cni" if vpc else "calico")
    if cni == "aws-vpc-cni" and vpc is None:
        r.error("cni" if r.has("cni") else None, "the VPC CNI gives pods addresses of the "
                "VPC: the cluster needs a `vpc`", "add `vpc`, or use an overlay CNI (calico, "
                "cilium, flannel)")
    agent = r.boolean("network_policy_agent")
    if agent is not None and cni != "aws-vpc-cni":
        r.error("network_policy_agent", f"network_policy_agent is a VPC CNI setting; this "
                f"cluster's CNI is {cni}", "use enforce_network_policy")
    enforces = r.boolean("enforce_network_policy")
    if enforces is None and cni is not None:
        enforces = agent is True if cni == "aws-vpc-cni" else CNI_ENFORCES_NETWORK_POLICY[cni]
    pod_cidr = r.cidr("pod_cidr")
    if cni == "aws-vpc-cni" and pod_cidr is not None:
        r.error("pod_cidr", "with the VPC CNI pods take addresses of their node's subnet: "
                "pod_cidr is for overlay CNIs")
    elif cni != "aws-vpc-cni" and pod_cidr is None:
        pod_cidr = DEFAULT_POD_CIDR
    service_cidr = r.cidr("service_cidr") or DEFAULT_SERVICE_CIDR
    if service_cidr.num_addresses < 16:
        r.error("service_cidr", f"service CIDR {service_cidr} is too small (at least a /28)")
    dns = r.sub("dns")
    dns_ip = dns.ip("ip")
    if dns_ip is None and service_cidr.num_addresses >= 16:
        dns_ip = service_cidr[10]  # kubeadm and EKS put the cluster DNS at the 10th address
    excludes = tuple(p for i, text in enumerate(r.strings("exclude_snat_cidrs"))
                     if (p := parse_cidr(ctx, text, r.at("exclude_snat_cidrs", i))) is not None)
    lb_subnets = r.sub("load_balancer_subnets")
    for scheme in lb_subnets.data:
        # Read by the load balancer part; checked here so a typo is caught with the rest.
        for index, subnet in enumerate(lb_subnets.strings(str(scheme))):
            ctx.resolve(subnet, ("subnet",), "subnet", lb_subnets.at(str(scheme), index))
    kube_proxy = r.word("kube_proxy", ("iptables", "ipvs"), "iptables")
    mode = r.word("pod_security_group_mode", ("strict", "standard"), "strict")
    if ctx.failed_since(mark) or cni is None or dns_ip is None or enforces is None:
        return None
    if vpc is not None and vpc not in parts.vpcs:
        return None  # a broken VPC: reported where it is written
    return Settings(
        name=name, vpc=vpc, cni=cni, enforces=enforces,
        pod_cidr=pod_cidr if cni != "aws-vpc-cni" else None,
        service_cidr=service_cidr, dns_ip=dns_ip,
        dns_domain=(dns.string("domain") or DEFAULT_DNS_DOMAIN).lower().rstrip("."),
        external_snat=r.boolean("external_snat") is True, exclude_snat_cidrs=excludes,
        kube_proxy=kube_proxy or "iptables", pod_security_group_mode=mode or "strict",
        path=r.path,
        written=frozenset(key for key, given in (
            ("service_cidr", r.has("service_cidr")), ("dns_ip", dns.has("ip")),
            ("pod_cidr", r.has("pod_cidr"))) if given),
    )
