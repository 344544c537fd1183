"""The API server's checks of the objects netpath reads, beyond the type of each field.

A manifest `kubectl apply` would see refused is an error here, with the API server's reason and
at the field it names. What each check follows, in kubernetes/kubernetes:

- metadata (`apimachinery/pkg/api/validation/objectmeta.go`, `ValidateObjectMetaAccessor`): the
  name by the kind's rule (`validation.name_problems`), the namespace a DNS-1123 label, labels
  (`ValidateLabels`) and annotation keys (`ValidateAnnotations`);
- containers (`pkg/apis/core/validation`, `validateContainerPorts`): port names are
  IANA_SVC_NAMEs, unique in their container; `containerPort` 1-65535; protocol TCP, UDP or SCTP;
- Services (`ValidateService`, `validateServicePort`): `ports` required unless headless or
  ExternalName, port names DNS-1123 labels, no port and protocol twice, `externalName` a
  DNS-1123 subdomain.

The parsers call these where they read the fields; `validation` holds the rules themselves.
"""

from __future__ import annotations

from netpath.sources.kubernetes.fields import Reader, show
from netpath.sources.kubernetes.validation import (
    is_dns1123_label,
    is_dns1123_subdomain,
    name_problems,
)


def check_metadata(meta: Reader, kind: str, name: str, namespaced: bool) -> None:
    """The name and namespace of an object of `kind`, as the API server checks them on create
    (labels and annotations are checked where they are read: `Reader.labels`)."""
    for reason in name_problems(kind, name):
        meta.error("name", f"invalid {kind} name {name!r}: {reason}")
    written = meta.data.get("namespace")
    if namespaced and isinstance(written, str):
        for reason in is_dns1123_label(written):
            meta.error("namespace", f"invalid namespace {written!r}: {reason}")


def container_port_names(container: Reader) -> None:
    """Port names of one container are unique (a duplicate is refused, as `validateContainerPorts`
    does; their format is checked where they are read)."""
    seen: dict[str, int] = {}
    for index, port in enumerate(container.maps("ports")):
        name = port.data.get("name")
        if isinstance(name, str) and name:
            first = seen.setdefault(name, index)
            if first != index:
                port.error("name", f"duplicate port name {name!r} (ports[{first}] has it too)")


def service_rules(spec: Reader, kind: str, headless: bool) -> None:
    """What `ValidateService` refuses beyond each port: no ports on a Service that needs them,
    the same port and protocol twice, an externalName that is not a DNS-1123 subdomain."""
    written = spec.data.get("ports")
    if not written and not headless and kind != "ExternalName":
        spec.error(None, "missing required field 'ports'", "only headless and ExternalName "
                   "Services may have no ports")
    seen: dict[tuple[object, object], int] = {}
    for index, port in enumerate(spec.maps("ports")):
        number, protocol = port.data.get("port"), port.data.get("protocol") or "TCP"
        if not isinstance(number, int) or not isinstance(protocol, str):
            continue  # reported as a wrong type
        first = seen.setdefault((number, protocol), index)
        if first != index:
            port.error(None, f"duplicate port {number}/{protocol} (ports[{first}] has it too)")
    external = spec.data.get("externalName")
    if kind == "ExternalName" and isinstance(external, str) and external:
        # ExternalName is a DNS name; a trailing dot (fully qualified) is accepted.
        for reason in is_dns1123_subdomain(external.removesuffix(".")):
            spec.error("externalName", f"invalid externalName {show(external)}: {reason}")
