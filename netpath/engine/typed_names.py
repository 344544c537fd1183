"""What a typed name is when it is no name of the spec: a DNS name to look up, or a typo.

The rule (README, "Names"): a name that matches nothing in the spec is looked up in DNS only
when it is a DNS name, i.e. a host name with a domain, a dot between labels
(`nothere.example.com`, which may well not resolve: `DNS_NXDOMAIN`, a verdict), and, asked
from a pod, it is not one of the short forms the pod's
search list completes inside the cluster (`NAME`, `NAME.NAMESPACE`, `....svc`, `....pod`),
whose every answer the spec holds. Anything else (`backend-servce`, `backend-servce.default`)
is a usage error with a did-you-mean: the trace would otherwise be a confident NXDOMAIN about a
misspelling.

A name the spec knows as a DNS name (a Route 53 record, an internet host, an endpoint's private
DNS name, a Service's name in any of its DNS forms) is always looked up, and its NXDOMAIN is a
true answer worth showing: a private zone asked from the internet, a short Service name asked
from another namespace, a cluster name asked from outside the cluster.
"""

from __future__ import annotations

import re

from netpath.engine.network import Network
from netpath.model.kubernetes import Cluster

# RFC 1123 host names, with `_` allowed (service labels); at least two labels; a trailing dot
# for an absolute name.
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_DNS_NAME = re.compile(rf"^(?=.{{1,253}}\.?$){_LABEL}(?:\.{_LABEL})+\.?$", re.IGNORECASE)


def is_dns_name(text: str) -> bool:
    """A syntactically valid DNS name of at least two labels (RFC 1123 host names, and `_`)."""
    return bool(_DNS_NAME.fullmatch(text))  # fullmatch: `$` also matches before a final "\n"


def namespaces(cluster: Cluster) -> set[str]:
    return {*cluster.namespaces, *(p.namespace for p in cluster.pods.values()),
            *(s.namespace for s in cluster.services.values())}


def completed_in_cluster(cluster: Cluster, text: str) -> bool:
    """A short form that a pod's search list (`<ns>.svc.<domain> svc.<domain> <domain>`)
    completes inside the cluster: a single label, `NAME.NAMESPACE`, or a name ending in `.svc`
    or `.pod`. https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/"""
    if text.endswith("."):
        return False  # absolute: the search list is not used
    labels = text.lower().split(".")
    if len(labels) == 1 or labels[-1] in ("svc", "pod"):
        return True
    return len(labels) == 2 and labels[1] in namespaces(cluster)


def looked_up(cluster: Cluster | None, text: str) -> bool:
    """Whether a name the spec does not know is still a DNS question (see the module
    docstring): `cluster` is the asking pod's, None when no pod asks."""
    if not is_dns_name(text):
        return False
    return cluster is None or not completed_in_cluster(cluster, text)


def spec_knows(net: Network, text: str) -> bool:
    """Whether `text` names, as a DNS name, something the spec has: a Route 53 record, an
    internet host, an interface endpoint's private DNS name, or a Service of any cluster
    (`NAME`, `NAME.NAMESPACE`, `NAME.NAMESPACE.svc[.DOMAIN]`, `HOST.NAME.NAMESPACE.svc[.DOMAIN]`:
    asked from where it does not resolve, its NXDOMAIN is a true answer)."""
    name = text.lower().rstrip(".")
    model = net.model
    if name in model.dns_records or name in model.internet_hosts:
        return True
    if any(name in e.dns_names for e in model.endpoints.values()):
        return True
    return any(_names_a_service(c, name) for c in model.clusters.values())


def _names_a_service(cluster: Cluster, name: str) -> bool:
    domain = "." + cluster.dns_domain
    full = name.endswith(domain)
    labels = (name[: -len(domain)] if full else name).split(".")
    services = {s.name for s in cluster.services.values()}
    if labels[-1] == "svc" and len(labels) in (3, 4):  # NAME.NS.svc, HOST.NAME.NS.svc
        return labels[-3] in services
    if full:
        return False
    if len(labels) == 1:
        return labels[0] in services
    return len(labels) == 2 and labels[1] in namespaces(cluster) and labels[0] in services


def service_dns_names(cluster: Cluster, namespace: str) -> list[str]:
    """How a pod of `namespace` names Services by DNS: the bare names of its own namespace's,
    `NAME.NAMESPACE` for every one (did-you-mean candidates)."""
    own = [s.name for s in cluster.services.values() if s.namespace == namespace]
    return [*own, *(f"{s.name}.{s.namespace}" for s in cluster.services.values())]
