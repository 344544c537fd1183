"""Parsers of the policy-like kinds: NetworkPolicy, Ingress, IngressClass, SecurityGroupPolicy.

NetworkPolicy follows networking.k8s.io/v1 to the letter, because small differences change
who may talk to whom: the effective policyTypes (Ingress always, Egress only with egress rules,
when policyTypes is left out), `ingress: []` versus `ingress: [{}]`, a peer with both selectors
(AND) versus two peers (OR), and unknown keys reported instead of silently ignored (a misspelt
`podSelecter` would otherwise turn a peer into "nothing").
"""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Network, IPv6Network

from netpath.model.kubernetes import (
    Ingress,
    IngressBackend,
    IngressPath,
    IngressRule,
    IpBlock,
    LabelSelector,
    NetpolPeer,
    NetpolPort,
    NetpolRule,
    NetworkPolicy,
    SecurityGroupPolicy,
)
from netpath.model.paths import SpecPath
from netpath.sources.building import Ctx
from netpath.sources.kubernetes.drafts import Meta, Objects, Parser
from netpath.sources.kubernetes.fields import Reader, selector
from netpath.sources.kubernetes.validation import CIDR_ERROR, Network, parse_cidr

POLICY_TYPES = ("Ingress", "Egress")
PATH_TYPES = ("Exact", "Prefix", "ImplementationSpecific")
INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class"
DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"
_SPEC_KEYS = ("podSelector", "policyTypes", "ingress", "egress")
_PEER_KEYS = ("podSelector", "namespaceSelector", "ipBlock")
_PORT_KEYS = ("protocol", "port", "endPort")


# --- NetworkPolicy --------------------------------------------------------------------------


def _network_policy(ctx: Ctx, r: Reader, meta: Meta, out: Objects) -> None:
    spec = r.sub("spec")
    spec.known_keys(_SPEC_KEYS, "a NetworkPolicy spec")
    # A left-out podSelector reads as {} (every pod of the namespace), as the API server does.
    pods = selector(spec, "podSelector") or LabelSelector()
    ingress = tuple(_rules(ctx, spec, "ingress", "from", meta))
    egress = tuple(_rules(ctx, spec, "egress", "to", meta))
    written = spec.strings("policyTypes")
    for index, word in enumerate(written):
        if word not in POLICY_TYPES:
            spec.error("policyTypes", f"policyTypes[{index}] is {word!r}, not Ingress or Egress")
    if written:
        types = tuple(t for t in POLICY_TYPES if t in written)
    else:
        # The API's defaulting (SetDefaults_NetworkPolicy): Ingress always, Egress when egress
        # rules are written, even ones netpath leaves out (IPv6 only): they still isolate.
        types = ("Ingress", "Egress") if spec.data.get("egress") else ("Ingress",)
    for word, rules in (("Ingress", ingress), ("Egress", egress)):
        if rules and word not in types:
            ctx.notes.append(f"NetworkPolicy {meta.key} has {word.lower()} rules, but its "
                             f"policyTypes leave out {word}: they have no effect")
    out.policies[meta.key] = NetworkPolicy(meta.namespace, meta.name, pods, types, ingress,
                                           egress, meta.path)


def _rules(ctx: Ctx, spec: Reader, key: str, peers_key: str, meta: Meta) -> Iterator[NetpolRule]:
    for rule in spec.maps(key):
        rule.known_keys((peers_key, "ports"), f"a NetworkPolicy {key} rule")
        written = list(rule.maps(peers_key))
        peers = tuple(p for p in (_peer(ctx, peer, meta) for peer in written) if p is not None)
        ports = tuple(p for p in map(_port, rule.maps("ports")) if p is not None)
        if written and not peers:
            # Every peer was IPv6 (or wrong, and reported): the rule admits no IPv4 peer.
            # Dropping only the peers would turn it into "every peer".
            continue
        yield NetpolRule(peers, ports, rule.path)


def _peer(ctx: Ctx, peer: Reader, meta: Meta) -> NetpolPeer | None:
    peer.known_keys(_PEER_KEYS, "a NetworkPolicy peer")
    pods = selector(peer, "podSelector")
    namespaces = selector(peer, "namespaceSelector")
    block = None
    if peer.has("ipBlock"):
        if pods is not None or namespaces is not None:
            peer.error("ipBlock", "ipBlock cannot be combined with a selector in one peer",
                       "write them as separate peers (separate `-` entries)")
        block = _ip_block(ctx, peer.sub("ipBlock"), meta)
        if block is None:
            return None
    elif pods is None and namespaces is None:
        peer.error(None, "a peer needs podSelector, namespaceSelector or ipBlock")
    return NetpolPeer(pods, namespaces, block, peer.path)


def _ip_block(ctx: Ctx, block: Reader, meta: Meta) -> IpBlock | None:
    """`ValidateIPBlock`: cidr and each except a valid CIDR (IPv4 or IPv6), each except a strict
    subset of cidr. An IPv6 block is valid but not modelled: left out, with a located note."""
    block.known_keys(("cidr", "except"), "an ipBlock")
    written = block.string("cidr", required=True)
    cidr = _cidr(block, written, ("cidr",), meta)
    excepts = []
    for index, text in enumerate(block.strings("except")):
        prefix = _cidr(block, text, ("except", index), meta)
        if prefix is None or cidr is None:
            continue
        if not _strictly_inside(prefix, cidr):
            block.ctx.error(block.at("except", index),
                            f"except {text} is not strictly inside cidr {written}")
            continue
        excepts.append(prefix)
    if not isinstance(cidr, IPv4Network):
        if cidr is not None:
            _note(ctx, meta, block.at("cidr"), f"ipBlock {cidr} is IPv6, which netpath does not "
                  "model: this peer is left out (it matches no IPv4 address)")
        return None
    return IpBlock(cidr, tuple(p for p in excepts if isinstance(p, IPv4Network)))


def _cidr(block: Reader, text: str | None, key: tuple[str | int, ...], meta: Meta
          ) -> Network | None:
    """A CIDR as the API server reads it (host bits and leading zeros accepted, with its
    warnings as located notes)."""
    if text is None:
        return None
    network, warnings = parse_cidr(text)
    if network is None:
        block.ctx.error(block.at(*key), f"invalid CIDR {text!r}: {CIDR_ERROR}")
    for warning in warnings:
        _note(block.ctx, meta, block.at(*key), f"the API server warns: {warning}")
    return network


def _strictly_inside(inner: Network, outer: Network) -> bool:
    """The API server's test: `outer` contains `inner`'s address and has a shorter prefix (an
    except of the other address family never is)."""
    if isinstance(inner, IPv4Network) and isinstance(outer, IPv4Network):
        return inner.subnet_of(outer) and inner.prefixlen > outer.prefixlen
    if isinstance(inner, IPv6Network) and isinstance(outer, IPv6Network):
        return inner.subnet_of(outer) and inner.prefixlen > outer.prefixlen
    return False


def _note(ctx: Ctx, meta: Meta, path: SpecPath, text: str) -> None:
    """A note about a NetworkPolicy, located where it applies (file:line:column)."""
    where = meta.where(path[len(meta.path):])
    ctx.notes.append(f"{where}: NetworkPolicy {meta.key}: {text}")


def _port(port: Reader) -> NetpolPort | None:
    port.known_keys(_PORT_KEYS, "a NetworkPolicy port")
    protocol = port.protocol()
    number = port.port_or_name("port")
    end = port.port("endPort")
    if end is not None and not isinstance(number, int):
        port.error("endPort", "endPort needs a numeric `port` to start the range")
        end = None
    elif end is not None and isinstance(number, int) and end < number:
        port.error("endPort", f"endPort {end} is below port {number}")
        end = None
    if protocol is None:
        return None
    return NetpolPort(protocol, number, end, port.path)


# --- Ingress and IngressClass ---------------------------------------------------------------


def _ingress(ctx: Ctx, r: Reader, meta: Meta, out: Objects) -> None:
    spec = r.sub("spec")
    written = spec.string("ingressClassName")
    annotated = meta.annotations.get(INGRESS_CLASS_ANNOTATION)
    if written is not None and annotated is not None and written != annotated:
        # ValidateIngressCreate: both may be set only when they agree.
        spec.error("ingressClassName", f"{written!r} differs from the {INGRESS_CLASS_ANNOTATION}"
                   f" annotation {annotated!r}: the annotation must match `ingressClassName` "
                   "when both are specified", "keep only spec.ingressClassName")
    rules = []
    for rule in spec.maps("rules"):
        paths = []
        for path in rule.sub("http").maps("paths"):
            built = _ingress_path(ctx, path, meta)
            if built is not None:
                paths.append(built)
        rules.append(IngressRule(rule.string("host"), tuple(paths), rule.path))
    default = None
    for key in ("defaultBackend", "backend"):  # `backend`: networking.k8s.io/v1beta1
        if spec.has(key):
            default = _backend(ctx, spec.sub(key), meta)
    hosts = tuple(host for tls in spec.maps("tls") for host in tls.strings("hosts"))
    addresses: tuple[str, ...] = ()
    if r.has("status"):  # read back from the API server: where its load balancer answers
        from netpath.sources.kubernetes.status import load_balancer_ingress

        addresses = load_balancer_ingress(r.sub("status"))
    ingress = Ingress(meta.namespace, meta.name, written or annotated, None, tuple(rules),
                      default, hosts, meta.annotations, None, meta.path, addresses)
    out.ingresses.append((ingress, meta))


def _ingress_path(ctx: Ctx, path: Reader, meta: Meta) -> IngressPath | None:
    text = path.string("path") or "/"
    path_type = path.word("pathType", PATH_TYPES)
    if path_type is None and not path.has("pathType"):
        # Required in networking.k8s.io/v1; older versions defaulted it. Say what was assumed.
        ctx.notes.append(f"Ingress {meta.key}: path {text!r} has no pathType; netpath reads "
                         "it as Prefix")
        path_type = "Prefix"
    if path_type in ("Exact", "Prefix") and not text.startswith("/"):
        path.error("path", f"path {text!r} must start with '/' (pathType {path_type})")
    backend = None
    if path.has("backend"):
        backend = _backend(ctx, path.sub("backend"), meta)
    else:
        path.missing("backend")
    if backend is None or path_type is None:
        return None
    return IngressPath(text, path_type, backend, path.path)


def _backend(ctx: Ctx, b: Reader, meta: Meta) -> IngressBackend | None:
    if b.has("service"):
        service = b.sub("service")
        name = service.string("name", required=True)
        port = service.sub("port", required=True)
        number, port_name = port.port("number"), port.port_name("name")
        if number is not None and port_name is not None:
            port.error(None, "give the port's number or its name, not both")
        value = number if number is not None else port_name
        if value is None and not port.has("number") and not port.has("name"):
            port.error(None, "missing the port's `number` or `name`")
        return None if name is None or value is None else IngressBackend(name, value, b.path)
    if b.has("serviceName"):  # extensions/v1beta1 and networking.k8s.io/v1beta1
        name = b.string("serviceName")
        legacy = b.port_or_name("servicePort")
        if legacy is None:
            b.missing("servicePort")
        return None if name is None or legacy is None else IngressBackend(name, legacy, b.path)
    if b.has("resource"):
        ctx.notes.append(f"Ingress {meta.key}: a resource backend is not modelled")
        return None
    b.error(None, "a backend needs a `service` with a name and a port")
    return None


def _ingress_class(ctx: Ctx, r: Reader, meta: Meta, out: Objects) -> None:
    controller = r.sub("spec").string("controller", required=True)
    if controller is not None:
        default = meta.annotations.get(DEFAULT_CLASS_ANNOTATION) == "true"
        out.ingress_classes[meta.name] = (controller, default)


# --- SecurityGroupPolicy (security groups for pods) ------------------------------------------


def _security_group_policy(ctx: Ctx, r: Reader, meta: Meta, out: Objects) -> None:
    spec = r.sub("spec")
    groups = tuple(spec.sub("securityGroups", required=True).strings("groupIds"))
    if not groups and spec.has("securityGroups"):
        spec.sub("securityGroups").missing("groupIds")
    pods = selector(spec, "podSelector")
    if pods is None:
        if spec.has("serviceAccountSelector"):
            # Service accounts are not modelled: say so instead of guessing.
            out.sgps_without_pod_selector.append(meta)
        else:
            spec.error(None, "a SecurityGroupPolicy needs a podSelector")
        return
    out.sgps[meta.key] = SecurityGroupPolicy(meta.namespace, meta.name, pods, groups, meta.path)


POLICY_PARSERS: dict[str, tuple[tuple[str, ...], bool, Parser]] = {
    "NetworkPolicy": (("networking.k8s.io", "extensions"), True, _network_policy),
    "Ingress": (("networking.k8s.io", "extensions"), True, _ingress),
    "IngressClass": (("networking.k8s.io",), False, _ingress_class),
    "SecurityGroupPolicy": (("vpcresources.k8s.aws",), True, _security_group_policy),
}
