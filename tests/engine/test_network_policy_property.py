"""NetworkPolicy against a brute-force reference written from the API reference, not the code.

The worlds are raw manifests (dicts, as `kubectl apply` takes them): namespaces with labels,
pods with labels, named ports and sometimes hostNetwork, policies with random selectors
(matchLabels and the four operators), peers (pod, namespace, both, ipBlock with except), ports
(number, name, endPort, protocol or its default), policyTypes written or omitted, and
ingress/egress absent, empty or full. The reference reads those dicts with a plain loop over
every policy and rule, sharing nothing with netpath; `to_model` turns the same dicts into model
objects the way the spec builder does. The implementation must agree on isolated and allowed,
and when it denies, its fix, carried out, must admit the flow.

The reference follows the NetworkPolicySpec reference text:
- "ingress ... Traffic is allowed to a pod if there are no NetworkPolicies selecting the pod
  ..., OR if the traffic source is the pod's local node, OR if the traffic matches at least one
  ingress rule across all of the NetworkPolicy objects whose podSelector matches the pod";
  egress likewise without the node clause.
- the NetworkPolicy concept page: "Other pods that are allowed (exception: a pod cannot block
  access to itself)": a pod's traffic to itself is allowed in both directions.
- policyTypes: "If this field is not specified, it will default based on the existence of
  ingress or egress rules; policies that contain an egress section are assumed to affect
  egress, and all policies (whether or not they contain an ingress section) are assumed to
  affect ingress."
- a rule "matches both the from and ports sections"; from/to empty or missing: all sources;
  ports empty or missing: all ports; port "If this field is not provided, this matches all port
  names and numbers"; endPort "indicates that the range of ports from port to endPort"; a named
  port is the destination pod's container port of that name (and protocol).
- a peer: podSelector alone, pods of the policy's namespace; namespaceSelector alone, all pods
  of the selected namespaces ({} = all); both, the pods selected in the selected namespaces;
  ipBlock, the CIDR minus except.
And netpath's documented choices where the API leaves it open: ipBlocks match pod IPs;
hostNetwork pods are never selected and never matched by selectors (their IP is their node's).
"""

from __future__ import annotations

from collections.abc import Mapping
from ipaddress import IPv4Address, IPv4Network, ip_address, ip_network
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from netpath.engine.network_policy import admits, build_policy_index
from netpath.engine.network_policy_decision import evaluate
from netpath.engine.network_policy_fix import plan_fix
from netpath.model.kubernetes import (
    LabelSelector,
    NetpolPeer,
    NetpolPort,
    NetpolRule,
    NetworkPolicy,
    Requirement,
)
from tests.engine.test_network_policy import NODES, apply_fix, cluster, pod

Raw = dict[str, Any]
NAMESPACES = ("a", "b")
POD_LABELS = {"app": ("web", "db"), "tier": ("front", "back"), "v": ("1", "2")}
NS_LABELS = {"team": ("x", "y"), "env": ("prod", "dev")}
NAMED = (("http", 8080, "TCP"), ("http", 80, "TCP"), ("dns", 53, "UDP"), ("metrics", 9090, "TCP"))
PORTS = (53, 80, 8080, 9090, 9100)
PROTOCOLS = ("TCP", "UDP", "SCTP")
CIDRS = ("10.0.0.0/29", "10.0.0.0/30", "10.0.0.4/30", "10.0.0.0/16", "0.0.0.0/0",
         "192.168.0.0/24", "203.0.113.0/24")
POD_IPS = tuple(f"10.0.0.{i}" for i in range(1, 8))
OUTSIDE = ("203.0.113.7", "192.168.0.11", "192.168.0.12", "8.8.8.8")


# --- raw worlds -------------------------------------------------------------------------------

@st.composite
def labels(draw: st.DrawFn, pool: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    keys = draw(st.sets(st.sampled_from(sorted(pool)), max_size=len(pool)))
    return {k: draw(st.sampled_from((*pool[k], "zz"))) for k in sorted(keys)}


@st.composite
def selectors(draw: st.DrawFn, pool: Mapping[str, tuple[str, ...]]) -> Raw:
    out: Raw = {}
    if draw(st.booleans()):
        out["matchLabels"] = {k: draw(st.sampled_from(pool[k]))
                              for k in draw(st.sets(st.sampled_from(sorted(pool)), max_size=2))}
    if draw(st.integers(0, 2)) == 0:
        exprs = []
        for _ in range(draw(st.integers(1, 2))):
            key = draw(st.sampled_from(sorted(pool)))
            op = draw(st.sampled_from(("In", "NotIn", "Exists", "DoesNotExist")))
            entry: Raw = {"key": key, "operator": op}
            if op in ("In", "NotIn"):
                entry["values"] = sorted(draw(st.sets(st.sampled_from(pool[key]), min_size=1)))
            exprs.append(entry)
        out["matchExpressions"] = exprs
    return out


@st.composite
def peers(draw: st.DrawFn) -> Raw:
    kind = draw(st.sampled_from(("pod", "ns", "both", "ip")))
    if kind == "ip":
        cidr = draw(st.sampled_from(CIDRS))
        block: Raw = {"cidr": cidr}
        inside = [c for c in CIDRS
                  if c != cidr and IPv4Network(c).subnet_of(IPv4Network(cidr))]
        if inside and draw(st.booleans()):
            block["except"] = sorted(draw(st.sets(st.sampled_from(inside), min_size=1)))
        return {"ipBlock": block}
    out: Raw = {}
    if kind in ("pod", "both"):
        out["podSelector"] = draw(selectors(POD_LABELS))
    if kind in ("ns", "both"):
        out["namespaceSelector"] = draw(selectors({**NS_LABELS, "kubernetes.io/metadata.name":
                                                   NAMESPACES}))
    return out


@st.composite
def ports(draw: st.DrawFn) -> Raw:
    out: Raw = {}
    if draw(st.booleans()):
        out["protocol"] = draw(st.sampled_from(PROTOCOLS))
    which = draw(st.sampled_from(("none", "number", "name", "range")))
    if which == "number":
        out["port"] = draw(st.sampled_from(PORTS))
    elif which == "name":
        out["port"] = draw(st.sampled_from(("http", "dns", "metrics", "nope")))
    elif which == "range":
        low = draw(st.sampled_from(PORTS))
        out["port"], out["endPort"] = low, low + draw(st.sampled_from((0, 1, 50, 1000)))
    return out


def rule_lists(key: str) -> st.SearchStrategy[list[Raw] | None]:
    rule = st.fixed_dictionaries({}, optional={
        key: st.lists(peers(), max_size=3), "ports": st.lists(ports(), max_size=3)})
    return st.one_of(st.none(), st.just([]), st.lists(rule, min_size=1, max_size=3))


@st.composite
def policies(draw: st.DrawFn, i: int) -> Raw:
    spec: Raw = {"podSelector": draw(selectors(POD_LABELS))}
    for field, key in (("ingress", "from"), ("egress", "to")):
        rules = draw(rule_lists(key))
        if rules is not None:
            spec[field] = rules
    if draw(st.booleans()):
        spec["policyTypes"] = sorted(draw(st.sets(st.sampled_from(("Ingress", "Egress")),
                                                  min_size=1)))
    return {"metadata": {"name": f"p{i}", "namespace": draw(st.sampled_from(NAMESPACES))},
            "spec": spec}


@st.composite
def worlds(draw: st.DrawFn) -> Raw:
    namespaces = {ns: draw(labels(NS_LABELS)) for ns in NAMESPACES}
    pods = []
    ips = draw(st.lists(st.sampled_from(POD_IPS), min_size=2, max_size=6, unique=True))
    for i, ip in enumerate(ips):
        host = draw(st.integers(0, 7)) == 0
        named = draw(st.lists(st.sampled_from(NAMED), max_size=2, unique_by=lambda x: x[0]))
        pods.append({
            "metadata": {"name": f"pod{i}", "namespace": draw(st.sampled_from(NAMESPACES)),
                         "labels": draw(labels(POD_LABELS))},
            "spec": {"nodeName": draw(st.sampled_from(sorted(NODES))), "hostNetwork": host,
                     "ports": [{"name": n, "containerPort": p, "protocol": proto}
                               for n, p, proto in named]},
            "status": {"podIP": ip}})
    for p in pods:
        if p["spec"]["hostNetwork"]:
            p["status"]["podIP"] = NODES[p["spec"]["nodeName"]]
    count = draw(st.integers(0, 6))
    return {"namespaces": namespaces, "pods": pods,
            "policies": [draw(policies(i)) for i in range(count)]}


# --- the reference, from the API text ----------------------------------------------------------

def ref_selects(selector: Raw, labels: dict[str, str]) -> bool:
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for e in selector.get("matchExpressions", []):
        present = e["key"] in labels
        if e["operator"] == "In" and not (present and labels[e["key"]] in e["values"]):
            return False
        if e["operator"] == "NotIn" and present and labels[e["key"]] in e["values"]:
            return False
        if e["operator"] == "Exists" and not present:
            return False
        if e["operator"] == "DoesNotExist" and present:
            return False
    return True


def ref_ns_labels(world: Raw, ns: str) -> dict[str, str]:
    return {**world["namespaces"][ns], "kubernetes.io/metadata.name": ns}


def ref_types(spec: Raw) -> list[str]:
    if "policyTypes" in spec:
        return spec["policyTypes"]
    return ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]


def ref_peer(world: Raw, policy_ns: str, entry: Raw, ip: str, other: Raw | None) -> bool:
    if "ipBlock" in entry:
        block = entry["ipBlock"]
        inside = ip_address(ip) in ip_network(block["cidr"])
        return inside and not any(ip_address(ip) in ip_network(e)
                                  for e in block.get("except", []))
    if other is None or other["spec"]["hostNetwork"]:
        return False
    ns = other["metadata"]["namespace"]
    if "namespaceSelector" in entry:
        if not ref_selects(entry["namespaceSelector"], ref_ns_labels(world, ns)):
            return False
    elif ns != policy_ns:
        return False
    return "podSelector" not in entry or ref_selects(entry["podSelector"],
                                                     other["metadata"]["labels"])


def ref_port(entry: Raw, protocol: str, number: int, dst: Raw | None) -> bool:
    if entry.get("protocol", "TCP") != protocol:
        return False
    if "port" not in entry:
        return True
    if isinstance(entry["port"], str):
        return dst is not None and any(
            p["name"] == entry["port"] and p["protocol"] == protocol and
            p["containerPort"] == number for p in dst["spec"]["ports"])
    return entry["port"] <= number <= entry.get("endPort", entry["port"])


def reference(world: Raw, direction: str, me: Raw, ip: str, other: Raw | None, protocol: str,
              number: int) -> tuple[bool, bool]:
    """(isolated, allowed) for `me` receiving from (ingress) or sending to (egress) `ip`."""
    if me["spec"]["hostNetwork"]:
        return False, True
    kind, field, key = (("Ingress", "ingress", "from") if direction == "ingress"
                        else ("Egress", "egress", "to"))
    isolated = allowed = False
    for policy in world["policies"]:
        spec, ns = policy["spec"], policy["metadata"]["namespace"]
        if ns != me["metadata"]["namespace"] or kind not in ref_types(spec):
            continue
        if not ref_selects(spec["podSelector"], me["metadata"]["labels"]):
            continue
        isolated = True
        for rule in spec.get(field) or []:
            # A hostNetwork destination is only its node's IP: no named ports of its own.
            hosted = other is not None and other["spec"]["hostNetwork"]
            dst = me if direction == "ingress" else (None if hosted else other)
            if rule.get("ports") and not any(ref_port(p, protocol, number, dst)
                                             for p in rule["ports"]):
                continue
            if rule.get(key) and not any(ref_peer(world, ns, e, ip, other) for e in rule[key]):
                continue
            allowed = True
    if direction == "ingress" and ip == NODES[me["spec"]["nodeName"]]:
        allowed = True  # "OR if the traffic source is the pod's local node"
    if other is me:
        allowed = True  # the concept page: "a pod cannot block access to itself"
    return isolated, allowed or not isolated


# --- raw to model, as the builder does --------------------------------------------------------

def to_selector(raw: Raw) -> LabelSelector:
    return LabelSelector(tuple(sorted(raw.get("matchLabels", {}).items())), tuple(
        Requirement(e["key"], e["operator"], tuple(e.get("values", ())))
        for e in raw.get("matchExpressions", [])))


def to_peer(raw: Raw) -> NetpolPeer:
    from netpath.model.kubernetes import IpBlock

    block = None
    if "ipBlock" in raw:
        b = raw["ipBlock"]
        block = IpBlock(IPv4Network(b["cidr"]), tuple(IPv4Network(e) for e in b.get("except",
                                                                                     [])))
    return NetpolPeer(to_selector(raw["podSelector"]) if "podSelector" in raw else None,
                      to_selector(raw["namespaceSelector"]) if "namespaceSelector" in raw
                      else None, block, ())


def to_rule(raw: Raw, key: str) -> NetpolRule:
    return NetpolRule(tuple(to_peer(p) for p in raw.get(key) or []), tuple(
        NetpolPort(p.get("protocol", "TCP").lower(), p.get("port"), p.get("endPort"), ())
        for p in raw.get("ports") or []), ())


def to_model(world: Raw) -> Any:
    pods = [pod(f"{p['metadata']['namespace']}/{p['metadata']['name']}", p["status"]["podIP"],
                p["metadata"]["labels"], p["spec"]["nodeName"],
                [(x["name"], x["containerPort"], x["protocol"].lower())
                 for x in p["spec"]["ports"]], p["spec"]["hostNetwork"])
            for p in world["pods"]]
    policies = []
    for raw in world["policies"]:
        spec = raw["spec"]
        types = spec.get("policyTypes") or (["Ingress", "Egress"] if spec.get("egress")
                                            else ["Ingress"])
        policies.append(NetworkPolicy(
            raw["metadata"]["namespace"], raw["metadata"]["name"],
            to_selector(spec["podSelector"]), tuple(types),
            tuple(to_rule(r, "from") for r in spec.get("ingress") or []),
            tuple(to_rule(r, "to") for r in spec.get("egress") or []), ()))
    return cluster(pods, policies, namespaces=world["namespaces"])


# --- the property -----------------------------------------------------------------------------

def _key(raw: Raw) -> str:
    return f"{raw['metadata']['namespace']}/{raw['metadata']['name']}"


# Found by a CI run: an egress rule's named port never resolves on a hostNetwork destination,
# which is only its node's IP to NetworkPolicy.
HOST_NETWORK_NAMED_PORT = {
    "namespaces": {"a": {}, "b": {}},
    "pods": [{"metadata": {"name": "pod0", "namespace": "a", "labels": {}},
              "spec": {"nodeName": "node-1", "hostNetwork": True,
                       "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]},
              "status": {"podIP": "192.168.0.11"}},
             {"metadata": {"name": "pod1", "namespace": "a", "labels": {}},
              "spec": {"nodeName": "node-1", "hostNetwork": False, "ports": []},
              "status": {"podIP": "10.0.0.2"}}],
    "policies": [{"metadata": {"name": "p0", "namespace": "a"},
                  "spec": {"podSelector": {},
                           "egress": [{"to": [], "ports": [{"port": "http"}]}]}}],
}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds(), protocol=st.sampled_from(PROTOCOLS))
@example(world=HOST_NETWORK_NAMED_PORT, protocol="TCP")
def test_agrees_with_the_reference(world: Raw, protocol: str) -> None:
    """Every pod against every pod and a few outside addresses, on every port of interest, both
    directions; the first denial's fix is carried out and must admit its flow."""
    model = to_model(world)
    index = build_policy_index(model)
    peers: list[tuple[str, Raw | None]] = [(p["status"]["podIP"], p) for p in world["pods"]]
    peers += [(ip, None) for ip in OUTSIDE]
    fixed_one = False
    for me_raw in world["pods"]:
        me = model.pods[_key(me_raw)]
        for ip, other_raw in peers:
            other = model.pods[_key(other_raw)] if other_raw else None
            address = IPv4Address(ip)
            for number in (*PORTS, 81, 9101, 1053):
                for direction in ("ingress", "egress"):
                    expected = reference(world, direction, me_raw, ip, other_raw, protocol,
                                         number)
                    proto = protocol.lower()
                    decision = evaluate(index, direction, me, address, other, proto, number)
                    assert (decision.isolated, decision.allowed) == expected, (
                        direction, me.key, ip, number, decision)
                    assert admits(index, direction, me, address, other, proto, number) == \
                        expected[1]
                    if not decision.allowed and not fixed_one:
                        fixed_one = True
                        plan = plan_fix(index, direction, me, index.selecting(me, direction),
                                        address, other, proto, number)
                        fixed = build_policy_index(apply_fix(model, plan))
                        assert admits(fixed, direction, me, address, other, proto, number), plan
