"""The ranges a cluster's objects imply, when no netpath spec gives them.

A dump of a real cluster carries its addresses: every Service's ClusterIP, the `kube-dns`
Service's ClusterIP, every pod's `status.podIP`. When the cluster entry does not write the
service CIDR, the cluster DNS IP or the pod CIDR, netpath takes them from those addresses
instead of refusing the addresses for lying outside its defaults:

- service CIDR: the `kubernetes` Service holds the first address of the service CIDR (the API
  server allocates it so), so its ClusterIP minus one is the network; the prefix is a known
  default that fits (kubeadm 10.96.0.0/12; EKS 10.100.0.0/16, or 172.20.0.0/16 when the VPC is in
  10.0.0.0/8), else the smallest block of at least a /16 there holding every ClusterIP. Without
  it, the known default holding every ClusterIP, else their common prefix widened to a /16.
  https://kubernetes.io/docs/concepts/services-networking/cluster-ip-allocation/
  https://docs.aws.amazon.com/eks/latest/APIReference/API_KubernetesNetworkConfigRequest.html
- cluster DNS IP: the ClusterIP of `kube-system/kube-dns`, else the service CIDR's 10th address.
- pod CIDR (overlay CNIs): the common prefix of the pods' addresses and the nodes' pod CIDRs,
  widened to a /16.

An inferred value that differs from netpath's documented default is recorded as an
`Inference`, for `netpath show` and the traces that depend on it. Addresses too scattered for
any plausible range (a common prefix shorter than /12 for Services, /8 for pods) infer nothing:
the semantic checks then say which address lies outside the default.
"""

from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv4Network

from netpath.model.addr import Address, Prefix
from netpath.model.kubernetes import CLUSTER_DNS, Inference
from netpath.sources.kubernetes.drafts import Objects
from netpath.sources.kubernetes.settings import Settings

KNOWN_SERVICE_CIDRS = (  # the smaller first: the likelier when several hold every ClusterIP
    IPv4Network("10.100.0.0/16"),  # EKS, VPC outside 10.0.0.0/8
    IPv4Network("172.20.0.0/16"),  # EKS, VPC inside 10.0.0.0/8
    IPv4Network("10.96.0.0/12"),  # kubeadm, kind, minikube
)
KUBERNETES_SERVICE = ("default", "kubernetes")
DNS_SERVICE = ("kube-system", "kube-dns")
WIDEST_SERVICE_PREFIX, WIDEST_POD_PREFIX = 12, 8


def infer_settings(st: Settings, objects: Objects) -> tuple[Settings, list[Inference]]:
    """`st` with what the objects imply in place of defaults, and what was inferred."""
    found: list[Inference] = []
    services = {(d.service.namespace, d.service.name): d for d in objects.services}
    default_dns = st.dns_ip
    if "service_cidr" not in st.written:
        cidr, why = _service_cidr(objects)
        if cidr is not None and cidr != st.service_cidr:
            st = replace(st, service_cidr=cidr)
            found.append(Inference("service CIDR", str(cidr), why, (), st.path))
            if "dns_ip" not in st.written:
                st = replace(st, dns_ip=cidr[10])
    dns = services.get(DNS_SERVICE)
    if "dns_ip" not in st.written:
        if dns is not None and dns.service.cluster_ip is not None:
            st = replace(st, dns_ip=dns.service.cluster_ip)
            why, path = "the ClusterIP of Service kube-system/kube-dns", dns.meta.path
        else:
            why = "the 10th address of the inferred service CIDR (kubeadm's and EKS's choice)"
            path = st.path
        if st.dns_ip != default_dns:
            found.append(Inference("cluster DNS IP", str(st.dns_ip), why, (CLUSTER_DNS,),
                                   path))
    if "pod_cidr" not in st.written and st.pod_cidr is not None:
        pod_cidr, why = _pod_cidr(st, objects)
        if pod_cidr is not None and pod_cidr != st.pod_cidr:
            st = replace(st, pod_cidr=pod_cidr, inferred=st.inferred | {"pod_cidr"})
            found.append(Inference("pod CIDR", str(pod_cidr), why, (), st.path))
    return st, found


def _service_cidr(objects: Objects) -> tuple[Prefix | None, str]:
    ips = sorted({d.service.cluster_ip for d in objects.services
                  if d.service.cluster_ip is not None})
    if not ips:
        return None, ""
    count = f"{len(ips)} ClusterIP{'s' if len(ips) > 1 else ''}"
    first = next((d.service.cluster_ip for d in objects.services
                  if (d.service.namespace, d.service.name) == KUBERNETES_SERVICE), None)
    if first is not None:
        network = Address(int(first) - 1)
        cidr = _aligned_block(network, ips)
        if cidr is not None:
            return cidr, (f"the ClusterIP {first} of Service default/kubernetes, the first "
                          f"address of the service CIDR, and the {count} it must hold")
    for known in KNOWN_SERVICE_CIDRS:
        if all(ip in known for ip in ips):
            return known, (f"the {count} of the Services (a default of kubeadm or EKS that "
                           "holds them all)")
    cidr = _common(ips, 16, WIDEST_SERVICE_PREFIX)
    return cidr, f"the common prefix of the {count} of the Services"


def _aligned_block(network: Address, ips: list[Address]) -> Prefix | None:
    """The block starting at `network` that holds every address: a known default, else the
    smallest of at least a /16, else the largest that starts there."""
    for known in KNOWN_SERVICE_CIDRS:
        if known.network_address == network and all(ip in known for ip in ips):
            return known
    fits = []
    for length in range(32, WIDEST_SERVICE_PREFIX - 1, -1):
        block = IPv4Network(f"{network}/{length}", strict=False)
        if block.network_address == network and all(ip in block for ip in ips):
            fits.append(block)
    at_least_16 = [b for b in fits if b.prefixlen <= 16]
    if at_least_16:
        return at_least_16[0]
    return fits[-1] if fits else None


def _common(addresses: list[Address], widen_to: int, widest: int) -> Prefix | None:
    """The common prefix of `addresses`, widened to `widen_to` bits; None when shorter than
    `widest` (addresses too scattered to be one range)."""
    low, high = int(min(addresses)), int(max(addresses))
    length = 32 - (low ^ high).bit_length()
    if length < widest:
        return None
    return IPv4Network(f"{Address(low)}/{min(length, widen_to)}", strict=False)


def _pod_cidr(st: Settings, objects: Objects) -> tuple[Prefix | None, str]:
    ips = [w.ip for w in objects.workloads if w.ip is not None and not w.template.host_network]
    slices = [n.pod_cidr for n in objects.nodes.values() if n.pod_cidr is not None]
    assert st.pod_cidr is not None
    if all(ip in st.pod_cidr for ip in ips) and all(c.subnet_of(st.pod_cidr) for c in slices):
        return None, ""
    ends = [*ips, *(c.network_address for c in slices), *(c.broadcast_address for c in slices)]
    cidr = _common(ends, 16, WIDEST_POD_PREFIX)
    if cidr is not None and cidr.overlaps(st.service_cidr):
        cidr = _common(ends, 32, WIDEST_POD_PREFIX)  # not widened over the Services' range
        if cidr is not None and cidr.overlaps(st.service_cidr):
            return None, ""
    what = [f"{len(ips)} pod IP{'s' if len(ips) != 1 else ''}"] if ips else []
    if slices:
        what.append(f"{len(slices)} node pod CIDR{'s' if len(slices) != 1 else ''}")
    return cidr, f"the common prefix of the {' and '.join(what)} in the files"
