"""What the API server adds to an object, as `kubectl get -o yaml` shows it: who controls it
(`metadata.ownerReferences`), and what is true of it now (`status`).

Hand-written manifests have none of it, and everything here reads as "not said" then. A dump
has all of it, and it is the truth netpath takes over its own choices: the pod's IP and node
(`status.podIP`, `status.hostIP`), whether it still runs (`status.phase`), whether it is ready,
the address a LoadBalancer Service's or an Ingress's load balancer answers at.

https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#PodStatus
https://kubernetes.io/docs/concepts/overview/working-with-objects/owners-dependents/
"""

from __future__ import annotations

from netpath.model.addr import Address
from netpath.model.record import record
from netpath.sources.kubernetes.fields import Reader

FINISHED = ("Succeeded", "Failed")  # pods that ran to the end: no IP, no endpoint
# The label the EndpointSlice controller puts on the slices it computes from a selector.
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
# Set by the Endpoints controller on the Endpoints objects it computes from a selector.
ENDPOINTS_TRIGGER = "endpoints.kubernetes.io/last-change-trigger-time"


@record
class PodStatus:
    ip: Address | None  # status.podIP (else the first of status.podIPs)
    host_ip: Address | None  # status.hostIP: its node's InternalIP
    phase: str | None  # Pending | Running | Succeeded | Failed | Unknown; None: not written
    ready: bool  # the Ready condition; ready unless a condition or the phase says otherwise

    @property
    def finished(self) -> bool:
        return self.phase in FINISHED

    @property
    def pending(self) -> bool:
        """Not started, as the API says: Pending without an address (not scheduled, or its
        sandbox not up yet). A hand-written Pod (no status) is not pending: netpath runs it."""
        return self.phase == "Pending" and self.ip is None


def controller_of(meta: Reader) -> tuple[str, str] | None:
    """(kind, name) of the ownerReference marked `controller: true` (at most one is)."""
    for owner in meta.maps("ownerReferences"):
        if owner.data.get("controller") is True:
            kind, name = owner.string("kind"), owner.string("name")
            if kind is not None and name is not None:
                return kind, name
    return None


def pod_status(status: Reader) -> PodStatus:
    ip = status.ip("podIP")
    if ip is None and not status.has("podIP"):
        for entry in status.maps("podIPs"):  # [{ip: ...}], IPv4 first on a dual-stack cluster
            text = entry.string("ip")
            if text is not None and ":" not in text:
                ip = entry.ip("ip")
                break
    phase = status.string("phase")
    return PodStatus(ip, status.ip("hostIP"), phase, _ready(status, phase))


def _ready(status: Reader, phase: str | None) -> bool:
    """Ready unless the status says otherwise: a finished pod (Succeeded, Failed) or a Ready
    condition that is not "True"."""
    if phase is not None and phase not in ("Running", "Pending"):
        return False
    for condition in status.maps("conditions"):
        if condition.string("type") == "Ready":
            return condition.data.get("status") == "True"
    return True


def load_balancer_ingress(status: Reader) -> tuple[str, ...]:
    """status.loadBalancer.ingress: each entry's ip, else its hostname (an ELB's DNS name)."""
    found: list[str] = []
    for entry in status.sub("loadBalancer").maps("ingress"):
        address = entry.string("ip") or entry.string("hostname")
        if address and address not in found:
            found.append(address)
    return tuple(found)


def computed_endpoints(kind: str, labels: dict[str, str], annotations: dict[str, str]) -> bool:
    """An EndpointSlice or Endpoints object a controller computed from a Service's selector
    (what a dump holds for every such Service), not one written for a Service without one."""
    if kind == "EndpointSlice":
        return MANAGED_BY in labels
    return ENDPOINTS_TRIGGER in annotations
