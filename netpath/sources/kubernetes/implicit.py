"""The cluster DNS a cluster has even when its files do not show it.

Every cluster kubeadm or EKS makes runs CoreDNS: a Deployment `coredns` in `kube-system` (two
replicas) whose pods carry `k8s-app=kube-dns`, behind the Service `kube-dns` at the cluster DNS
IP, ports dns 53/UDP, dns-tcp 53/TCP and metrics 9153/TCP. Almost nobody's manifests include
it, and without it a NetworkPolicy's canonical DNS rule (namespaceSelector kube-system and
podSelector k8s-app=kube-dns) would select nothing, and an ipBlock of the DNS ClusterIP would
seem to allow DNS, when policies see the CoreDNS pod after kube-proxy's DNAT.

So when the files have no DNS pods (none behind the Service at the cluster DNS IP, no
`k8s-app=kube-dns` pod in kube-system), netpath adds the Deployment, and when they have no
such Service, the Service; the namespace kube-system always exists with its
`kubernetes.io/metadata.name` label. The implicit pods take their addresses after every pod of
the files, so that adding them changes no other pod's address.
https://github.com/coredns/deployment/blob/master/kubernetes/coredns.yaml.sed
https://docs.aws.amazon.com/eks/latest/userguide/managing-coredns.html
"""

from __future__ import annotations

from netpath.model.kubernetes import CLUSTER_DNS, ContainerPort, Inference, Service, ServicePort
from netpath.sources.kubernetes.drafts import Meta, Objects, PodTemplate, ServiceDraft, Workload
from netpath.sources.kubernetes.manifests import ManifestDoc
from netpath.sources.kubernetes.settings import Settings

NAMESPACE, DEPLOYMENT, SERVICE = "kube-system", "coredns", "kube-dns"
LABELS = {"k8s-app": "kube-dns"}
REPLICAS = 2
_PORTS = (("dns", 53, "udp"), ("dns-tcp", 53, "tcp"), ("metrics", 9153, "tcp"))


def add_cluster_dns(st: Settings, objects: Objects) -> list[Inference]:
    """Add the standard CoreDNS parts the files lack; what was added, as inferences."""
    service = next((d for d in objects.services if d.service.cluster_ip == st.dns_ip), None) \
        or next((d for d in objects.services
                 if (d.service.namespace, d.service.name) == (NAMESPACE, SERVICE)), None)
    namespace = service.service.namespace if service is not None else NAMESPACE
    selector = dict(service.service.selector or {}) if service is not None else {}
    labels = {**LABELS, **selector}
    wanted = selector.items() or LABELS.items()
    has_pods = any(w.meta.namespace == namespace and all(
        w.template.labels.get(k) == v for k, v in wanted) for w in objects.workloads)
    added: list[str] = []
    subjects = [CLUSTER_DNS]
    path = st.path
    if not has_pods:
        meta = Meta("Deployment", namespace, DEPLOYMENT, labels, {}, path,
                    ManifestDoc({}, path), ())
        ports = tuple(ContainerPort(name, port, protocol) for name, port, protocol in _PORTS)
        template = PodTemplate(labels, None, False, ports, {}, path)
        objects.workloads.append(Workload(meta, REPLICAS, template, None, True, implicit=True))
        added.append(f"Deployment {namespace}/{DEPLOYMENT} ({REPLICAS} pods, "
                     f"{', '.join(f'{k}={v}' for k, v in labels.items())})")
        subjects += [f"pod:{namespace}/{DEPLOYMENT}-{i}" for i in range(REPLICAS)]
    if service is None:
        meta = Meta("Service", NAMESPACE, SERVICE, dict(LABELS), {}, path,
                    ManifestDoc({}, path), ())
        service_ports = tuple(ServicePort(name, protocol, port, port, None, path)
                              for name, port, protocol in _PORTS)
        objects.services.append(ServiceDraft(Service(
            NAMESPACE, SERVICE, "ClusterIP", st.dns_ip, service_ports, dict(LABELS), (), None,
            "Cluster", "Cluster", {}, None, ("implicit",), path), False, False, meta))
        added.append(f"Service {NAMESPACE}/{SERVICE} at {st.dns_ip}")
        subjects.append(f"service:{NAMESPACE}/{SERVICE}")
    if not added:
        return []
    return [Inference("cluster DNS", " and ".join(added), "the files hold no CoreDNS: netpath "
                      "models the standard one (kubeadm and EKS install it)", tuple(subjects),
                      path)]
