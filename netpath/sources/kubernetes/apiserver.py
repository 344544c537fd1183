"""The API server's checks of the objects netpath reads, beyond the type of each field.

A manifest `kubectl apply` would see refused is an error here, with the API server's reason and
at the field it names. What each check follows, in kubernetes/kubernetes:

- metadata (`apimachinery/pkg/api/validation/objectmeta.go`, `ValidateObjectMetaAccessor`): the
  name by the kind's rule (`validation.name_problems`), the namespace a DNS-1123 label, labels
  (`ValidateLabels`) and annotation keys (`ValidateAnnotations`);
- pod specs (`pkg/apis/core/validation`, `ValidatePodSpec`): at least one container
  (`validateContainers`: `spec.containers: Required value`, in a template
  `spec.template.spec.containers`);
- containers (`pkg/apis/core/validation`, `validateContainerCommon`, called for every item of
  `containers` and `initContainers` by `ValidatePodSpec`, so for a Pod and for every template
  `ValidatePodTemplateSpec` checks): `name` required and a DNS-1123 label, unique across the
  pod's containers and init containers (`validateContainers`, `validateInitContainers`:
  `Duplicate value`); `image` required, in a template too (the v1 type calls it optional, for
  tools that fill it in before `kubectl apply`; the API server's validation does not);
  a Pod's image without leading or trailing whitespace (`validateContainerOnlyForPod`: a
  template may hold the placeholder " ", each pod made from it is refused);
  `validateContainerPorts`: port names are IANA_SVC_NAMEs, unique in their container;
  `containerPort` 1-65535; protocol TCP, UDP or SCTP. netpath reads no `ephemeralContainers`
  (the API server refuses them on create; a dump's were checked by its subresource);
- workloads (`pkg/apis/apps/validation`, `ValidateDeploymentSpec`, `ValidateReplicaSetSpec`,
  `ValidateStatefulSetSpec`: `spec.selector: Required value`; `ValidateDaemonSetSpec`: a
  missing selector selects nothing, so "`selector` does not match template `labels`"): apps/v1
  and apps/v1beta2 write `spec.selector`; extensions/v1beta1 and apps/v1beta1 default it to
  the template's labels (`SetDefaults_Deployment` and friends), so only a template without
  labels leaves it missing there;
- Services (`ValidateService`, `validateServicePort`): `ports` required unless headless or
  ExternalName, port names DNS-1123 labels, no port and protocol twice, `externalName` a
  DNS-1123 subdomain.

The parsers call these where they read the fields; `validation` holds the rules themselves.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

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


def _refused_pods(kind: str, hint: str) -> str:
    """`hint`, after saying what a pod spec problem does where the API server does not check
    the pod spec: a StatefulSet's template (`ValidatePodTemplateSpecForStatefulSet` leaves it
    unchecked, a TODO there) is accepted, and each pod its controller creates is refused."""
    if kind != "StatefulSet":
        return hint
    return ("the StatefulSet is accepted, but each pod it creates is refused, so it runs "
            "none; " + hint)


def pod_spec_rules(spec: Reader, kind: str) -> None:
    """A pod spec without containers is refused (`validateContainers`, called by
    `ValidatePodSpec` for a Pod and by `ValidatePodTemplateSpec` for a Deployment's, a
    ReplicaSet's, a DaemonSet's, a Job's template). A StatefulSet's template is the exception
    (`ValidatePodTemplateSpecForStatefulSet` leaves the pod spec unchecked, a TODO there): the
    API server takes the StatefulSet and refuses each pod its controller creates, so it runs
    none; that is refused here too, saying so."""
    containers = spec.data.get("containers")
    if containers is not None and containers != []:
        return  # a wrong type is reported where the containers are read
    spec.error("containers", "Required value: the API server refuses a pod without containers",
               _refused_pods(kind, "write the containers the pod runs, e.g. [{name: app, "
                             "image: nginx}]"))


def container_rules(containers: Sequence[Reader], init_containers: Sequence[Reader],
                    kind: str) -> None:
    """The name and image of each container and init container of one pod spec (its lists,
    read once by the caller), as `validateContainerCommon` checks them; a name used twice is
    refused at the later one, as `validateContainers` and then `validateInitContainers` find
    it. A second container without a name is not also a duplicate here (the API server says
    `Duplicate value: ""` too, which adds nothing)."""
    seen: dict[str, str] = {}
    for key, readers in (("containers", containers), ("initContainers", init_containers)):
        for index, container in enumerate(readers):
            name = _container_name(container, kind)
            if name is not None:
                first = seen.setdefault(name, f"{key}[{index}]")
                if first != f"{key}[{index}]":
                    container.error("name", f"Duplicate value: container name {name!r} ({first} "
                                    "has it too)", _refused_pods(kind, "a pod's containers and "
                                                                 "init containers need "
                                                                 "distinct names"))
            _container_image(container, kind)


def _container_name(container: Reader, kind: str) -> str | None:
    """The name as written (a wrong one too: the API server finds duplicates among them)."""
    written = container.data.get("name")
    if written is None or written == "":
        suggested = _as_label(_image_name(container.data.get("image"))) or "app"
        container.error("name", "Required value: the API server refuses a container without a "
                        "name", _refused_pods(kind, f"name it with a DNS-1123 label, e.g. name: "
                                              f"{suggested}"))
        return None
    name = container.string("name")  # a wrong type is reported
    if name is None:
        return None
    for reason in is_dns1123_label(name):
        fixed = _as_label(name)
        container.error("name", f"invalid container name {name!r}: {reason}", _refused_pods(
            kind, f"e.g. name: {fixed}" if fixed else "lower-case letters, digits and '-'"))
    return name


def _container_image(container: Reader, kind: str) -> None:
    written = container.data.get("image")
    if written is None or written == "":
        container.error("image", "Required value: the API server refuses a container without "
                        "an image", _refused_pods(kind, "write the image the container runs, "
                                                  "e.g. image: nginx:1.27"))
        return
    image = container.string("image")  # a wrong type is reported
    if image is None or image == image.strip():
        return
    hint = f"write {image.strip()!r}" if image.strip() else "write the image the container runs"
    if kind != "Pod":
        hint = (f"the {kind} is accepted, as a template may hold a placeholder image, but each "
                f"pod it creates is refused, so it runs none; {hint}")
    container.error("image", f"invalid image {image!r}: must not have leading or trailing "
                    "whitespace", hint)


def _image_name(image: object) -> str:
    """The repository's last part of an image reference: `nginx` of `docker.io/nginx:1.27`."""
    if not isinstance(image, str):
        return ""
    return image.strip().split("@")[0].rsplit("/", 1)[-1].split(":")[0]


def _as_label(text: str) -> str:
    """`text` made a DNS-1123 label (lower case, other characters as '-'), or '' if none."""
    return re.sub("[^a-z0-9]+", "-", text.lower()).strip("-")[:63].strip("-")


# The versions whose defaulting fills a missing workload selector with the template's labels:
# extensions/v1beta1 (`SetDefaults_Deployment`, `_ReplicaSet`, `_DaemonSet`) and apps/v1beta1
# (`SetDefaults_Deployment`, `_StatefulSet`). apps/v1beta2 and apps/v1 dropped that defaulting.
_SELECTOR_DEFAULTED = ("extensions/v1beta1", "apps/v1beta1")


def workload_selector_rules(spec: Reader, kind: str, api_version: str,
                            labels: dict[str, str]) -> None:
    """A Deployment, ReplicaSet, StatefulSet or DaemonSet without `spec.selector` is refused
    (`pkg/apis/apps/validation`: `spec.selector: Required value`), unless its version defaults
    the selector to the template's labels and the template has some."""
    if spec.has("selector"):
        return  # a written selector is checked against the template's labels by the parser
    if api_version in _SELECTOR_DEFAULTED:
        if labels:
            return
        message = (f"Required value: the API server refuses a {kind} without a selector: "
                   f"{api_version} defaults it to the template's labels, and there are none")
    else:
        message = (f"Required value: the API server refuses an {api_version} {kind} "
                   "without a selector")
        if kind == "DaemonSet":
            # `ValidateDaemonSetSpec` does not require it by name: a missing selector selects
            # nothing (`LabelSelectorAsSelector(nil)`), so no template's labels match it.
            message += (': a missing one matches no labels, and it says "`selector` does not '
                        'match template `labels`"')
    shown = ", ".join(f"{key}={value}" for key, value in labels.items())
    hint = (f"write selector.matchLabels with the template's labels ({shown})" if labels
            else "give the template labels and write a selector that matches them")
    spec.error("selector", message, hint)


def container_port_names(ports: Sequence[Reader]) -> None:
    """Port names of one container (its `ports`, read once by the caller) are unique (a
    duplicate is refused, as `validateContainerPorts` does; their format is checked where they
    are read)."""
    seen: dict[str, int] = {}
    for index, port in enumerate(ports):
        name = port.data.get("name")
        if isinstance(name, str) and name:
            first = seen.setdefault(name, index)
            if first != index:
                port.error("name", f"duplicate port name {name!r} (ports[{first}] has it too)")


def service_rules(spec: Reader, ports: Sequence[Reader], kind: str, headless: bool) -> None:
    """What `ValidateService` refuses beyond each port (`ports`, read once by the caller): no
    ports on a Service that needs them, the same port and protocol twice, an externalName that
    is not a DNS-1123 subdomain."""
    written = spec.data.get("ports")
    if not written and not headless and kind != "ExternalName":
        spec.error(None, "missing required field 'ports'", "only headless and ExternalName "
                   "Services may have no ports")
    seen: dict[tuple[object, object], int] = {}
    for index, port in enumerate(ports):
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
