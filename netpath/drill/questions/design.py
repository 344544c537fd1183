"""Design questions from the guide's interview scenarios, each checked against the engine.

Every generator verifies its answer on the scenario at hand with real traces and declines when
the scenario cannot show it:
- nodes: which subnet type for EKS nodes (private, default route to a NAT gateway): a node
  reaches the internet through the NAT gateway, and the internet cannot reach the node;
- database: which subnet type for the database (no route to the internet at all): it reaches
  nothing on the internet, and nothing there reaches it;
- client-ip: which of the scenario's load balancers lets the pods see the client's address
  (the traces say what each delivers);
- grpc: through which listener an ALB carries gRPC (HTTPS 443 and backend-protocol-version
  GRPC, interview-grpc-nlb-alb): the HTTPS path reaches the pods, port 80 is closed;
- grpc-balancer: which load balancers can expose gRPC (an NLB, or an ALB with HTTPS and the
  GRPC protocol version): both paths reach the same gRPC pod;
- service-type: which Service type opens a port on every node (NodePort): the port answers
  on two nodes at least.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from random import Random

from netpath.drill.model import Question
from netpath.drill.questions.common import Scenario, excerpt, options, query_words, question
from netpath.engine import trace
from netpath.engine.errors import QueryError
from netpath.engine.hops import Hop, Query, Trace

GRPC_ANNOTATION = "alb.ingress.kubernetes.io/backend-protocol-version"


def design(s: Scenario, trace_: Trace | None, rng: Random, difficulty: int) -> Question | None:
    del trace_  # design questions trace what they need
    from netpath.drill.questions import capacity

    makers: list[Callable[[Scenario, Random, int], Question | None]] = [
        _nodes, _database, _client_ip, _grpc, _grpc_balancer, _service_type,
        *capacity.makers()]
    rng.shuffle(makers)
    for make in makers:
        made = make(s, rng, difficulty)
        if made is not None:
            return made
    return None


def _trace(s: Scenario, source: str, destination: str, port: int | None) -> Trace | None:
    try:
        return trace(s.network, Query(source, destination, port))
    except QueryError:
        return None


def _lines(t: Trace, hops: Sequence[Hop]) -> tuple[str, ...]:
    """The hops, under the trace they come from (design questions quote several)."""
    return (f"trace {query_words(t)}", *excerpt(hops, notes=False))


def _ask(s: Scenario, rng: Random, difficulty: int, topic: str, prompt: str, answer: str,
         lures: list[str], accepted: list[str], why: str, lines: tuple[str, ...], *,
         hide: str | None = None, fallback: Sequence[str] = ()) -> Question | None:
    """`lures` are offered first; `fallback` ones only to fill the choices."""
    choices = options(rng, answer, [lures, fallback], difficulty, maximum=4)
    if choices is None:
        return None
    setup = s.summary if hide is None else "\n".join(
        line for line in s.summary.splitlines() if not line.lstrip().startswith(hide))
    return question(s, kind="design", topic=topic, difficulty=difficulty,
                    setup=setup, prompt=prompt, choices=choices, answer=answer,
                    accepted=accepted, explanation=why, lines=lines)


def _internet_host(s: Scenario) -> tuple[str, int] | None:
    for host in s.model.internet_hosts.values():
        return host.name, host.ports[0].low if host.ports else 443
    return None


# --- subnets -----------------------------------------------------------------------------------

PRIVATE_NAT = "private subnets whose default route goes to a NAT gateway"
PUBLIC = "public subnets (default route to the internet gateway) with public IPs"
ISOLATED = "private subnets with no route to the internet at all"
LB_SUBNETS = "the load balancers' public subnets, without public IPs"


def _nodes(s: Scenario, rng: Random, difficulty: int) -> Question | None:
    host = _internet_host(s)
    if host is None:
        return None
    for cluster in s.model.clusters.values():
        for node in cluster.nodes.values():
            if node.instance is None:
                continue
            out = _trace(s, node.instance, host[0], host[1])
            inbound = _trace(s, "internet", node.instance, 22)
            if out is None or inbound is None or not out.reachable:
                continue
            nat = [h for h in out.hops if h.component == "nat-gateway"]
            if not nat or inbound.blocked_by is None or inbound.blocked_by.code != "NO_PUBLIC_IP":
                continue
            why = (f"{node.instance} reaches {host[0]} through {nat[0].name} (its source becomes "
                   "the NAT gateway's Elastic IP), and nothing on the internet can reach it: "
                   f"{inbound.blocked_by.reason}. A public subnet would expose the nodes; no "
                   "internet route would stop image pulls.")
            return _ask(s, rng, difficulty, "eks",
                        f"In {s.name}, the EKS nodes of {cluster.name} must pull images from the "
                        "internet while nothing on the internet can open a connection to them. "
                        "Which subnets should they be in?",
                        PRIVATE_NAT, [PUBLIC, ISOLATED, LB_SUBNETS],
                        ["private", "private subnet", "private subnets", "private with nat"],
                        why, _lines(out, nat) + _lines(inbound, inbound.hops[-1:]))
    return None


def _database(s: Scenario, rng: Random, difficulty: int) -> Question | None:
    host = _internet_host(s)
    if host is None:
        return None
    for db in s.model.databases.values():
        out = _trace(s, db.name, host[0], host[1])
        inbound = _trace(s, "internet", db.name, db.port)
        if out is None or inbound is None or out.blocked_by is None:
            continue
        if out.blocked_by.code != "NO_ROUTE" or inbound.blocked_by is None:
            continue
        why = (f"{db.name} has no path to the internet ({out.blocked_by.reason}) and the "
               f"internet has none to it ({inbound.blocked_by.code}): an isolated subnet. A "
               "NAT route would let it open connections out; a public subnet would put it one "
               "security group rule away from the internet.")
        return _ask(s, rng, difficulty, "aws",
                    f"In {s.name}, {db.name} must neither reach the internet nor be reachable "
                    "from it. Which subnets should it be in?",
                    ISOLATED, [PRIVATE_NAT, PUBLIC, LB_SUBNETS],
                    ["isolated", "isolated subnet", "no internet route", "private, no route"],
                    why, _lines(out, out.hops[-1:]) + _lines(inbound, inbound.hops[-1:]))
    return None


# --- load balancers ----------------------------------------------------------------------------


def _client_ip(s: Scenario, rng: Random, difficulty: int) -> Question | None:
    seen: dict[str, tuple[bool, Trace]] = {}
    for t in s.traces:
        balancer = next((h for h in t.hops if h.component == "load-balancer"), None)
        if t.query.source != "internet" or not t.reachable or balancer is None \
                or t.flow is None:
            continue
        delivered = [h for h in t.hops if h.action == "deliver"][-1]
        if delivered.component != "pod" or balancer.name in seen:
            continue
        seen[balancer.name] = (delivered.packet.src_ip == t.flow.src_ip, t)
    if len(seen) < 2:
        return None
    keeps = [n for n, (kept, _) in seen.items() if kept]
    hides = [n for n, (kept, _) in seen.items() if not kept]
    if len(keeps) == 1:
        name, ask = keeps[0], "lets the pods see the client's own IP address"
    elif len(hides) == 1:
        name, ask = hides[0], "hides the client's IP address from the pods"
    else:
        return None
    labels = {n: _balancer_label(s, n, t) for n, (_, t) in seen.items()}
    lines: list[str] = []
    facts: list[str] = []
    for n, (_, t) in seen.items():
        delivered = [h for h in t.hops if h.action == "deliver"][-1]
        assert t.flow is not None  # only traces with a flow were kept
        facts.append(f"through {n} {delivered.name} sees {delivered.packet.src_ip} (the client "
                     f"is {t.flow.src_ip})")
        lines += _lines(t, [delivered])
    return _ask(s, rng, difficulty, "eks",
                f"In {s.name}, clients on the internet reach the pods through "
                f"{', '.join(labels.values())}. Which one {ask}?",
                labels[name], [labels[n] for n in seen if n != name], [name],
                "The traces: " + "; ".join(facts) + ". An ALB always opens its own connection "
                "(the client IP travels in X-Forwarded-For); an NLB keeps it for instance "
                "targets and, for ip targets, only with preserve_client_ip; "
                "externalTrafficPolicy Cluster SNATs to the node.", tuple(lines),
                fallback=["all of them", "none of them"])


def _balancer_label(s: Scenario, name: str, t: Trace) -> str:
    """The name with what decides whether the client IP survives: the kind, the target type,
    client IP preservation (NLB) and the Service's externalTrafficPolicy (instance targets)."""
    balancer = s.model.load_balancers.get(name)
    if balancer is None:
        return name
    facts = [balancer.kind_word]
    group_hop = next((h for h in t.hops if h.component == "target-group"), None)
    group = s.model.target_groups.get(group_hop.name) if group_hop else None
    if group is not None:
        facts.append(f"{group.target_type} targets")
        if balancer.kind_word == "NLB":
            facts.append("client IP preservation " + ("on" if group.preserve_client_ip
                                                       else "off"))
    service_hop = next((h for h in t.hops if h.component == "service"), None)
    if service_hop is not None and (group is None or group.target_type == "instance"):
        found = s.network.kube.services_by_key.get(service_hop.name) or []
        if found:
            facts.append(f"externalTrafficPolicy {found[0][1].external_traffic_policy}")
    return f"{name} ({', '.join(facts)})"


GRPC_RIGHT = "an HTTPS listener (443), with backend-protocol-version: GRPC"
GRPC_LURES = ["an HTTP listener (80), with backend-protocol: GRPC",
              "a TCP listener on the pods' gRPC port",
              "any listener: an ALB passes HTTP/2 through untouched"]


@dataclass(frozen=True)
class _Grpc:
    """The gRPC paths of a scenario, as the engine traces them."""

    alb: str
    ingress: str
    works: Trace  # the ALB's HTTPS listener to the pods
    plain: Trace  # the ALB's port 80: closed
    nlb: Trace | None  # an NLB's listener to the same pods


def _grpc_paths(s: Scenario) -> _Grpc | None:
    for cluster in s.model.clusters.values():
        for ingress in cluster.ingresses.values():
            alb = s.model.load_balancers.get(ingress.load_balancer or "")
            if alb is None or ingress.annotations.get(GRPC_ANNOTATION) != "GRPC":
                continue
            names = [r.name for r in s.model.dns_records.values() if alb.name in r.values]
            works = _trace(s, "internet", names[0], 443) if names else None
            plain = _trace(s, "internet", names[0], 80) if names else None
            if works is None or plain is None or not works.reachable or plain.reachable:
                continue
            if not any(h.component == "load-balancer" and h.name == alb.name
                       for h in works.hops):
                continue
            pod = [h.name for h in works.hops if h.action == "deliver"][-1]
            return _Grpc(alb.name, ingress.key, works, plain, _nlb_to(s, pod))
    return None


def _nlb_to(s: Scenario, pod: str) -> Trace | None:
    """A trace from the internet through an NLB of the scenario to `pod`."""
    for lb in s.model.load_balancers.values():
        if lb.type != "network":
            continue
        for record in s.model.dns_records.values():
            if lb.name in record.values and lb.listeners:
                t = _trace(s, "internet", record.name, lb.listeners[0].port)
                if t is not None and t.reachable and \
                        [h.name for h in t.hops if h.action == "deliver"][-1] == pod:
                    return t
    return None


def _grpc(s: Scenario, rng: Random, difficulty: int) -> Question | None:
    found = _grpc_paths(s)
    if found is None:
        return None
    listener = [h for h in found.works.hops if h.name == found.alb][:1]
    blocked = found.plain.blocked_by.code if found.plain.blocked_by else ""
    why = (f"{found.alb} listens on HTTPS 443 only and reaches the gRPC pods ({found.ingress} "
           f"sets {GRPC_ANNOTATION}: GRPC); port 80 is closed ({blocked}). gRPC through an ALB "
           "needs HTTPS and the GRPC protocol version on the target group; "
           "`backend-protocol: GRPC` (the guide's) is not a valid value.")
    return _ask(s, rng, difficulty, "eks",
                f"In {s.name}, {found.alb} (an ALB) exposes the gRPC pods of {found.ingress}. "
                "What does an ALB need to carry gRPC?",
                GRPC_RIGHT, GRPC_LURES, ["https", "https 443", "https and grpc"],
                why, _lines(found.works, listener) + _lines(found.plain, found.plain.hops[-1:]))


# Of one length and one shape, so that the right one does not stand out by its hedging.
BALANCER_RIGHT = "either: an NLB with a TCP listener, or an ALB with HTTPS and gRPC targets"
BALANCER_LURES = ["only an ALB: an NLB cannot carry HTTP/2 connections to the pods",
                  "only an NLB: an ALB cannot speak HTTP/2 to the gRPC pods",
                  "neither: gRPC needs a NodePort Service on nodes in public subnets"]


def _grpc_balancer(s: Scenario, rng: Random, difficulty: int) -> Question | None:
    found = _grpc_paths(s)
    if found is None or found.nlb is None:
        return None
    nlb = [h for h in found.nlb.hops if h.component == "load-balancer"][:1]
    listener = [h for h in found.works.hops if h.name == found.alb][:1]
    why = ("Both paths reach the same gRPC pod: the NLB passes the TCP connection through "
           f"({nlb[0].name if nlb else 'the NLB'}), the ALB ({found.alb}) terminates TLS on "
           "HTTPS 443 and speaks gRPC to the pods (a target group with protocol version gRPC: "
           "backend-protocol-version: GRPC). The ALB balances per call, the NLB per "
           "connection.")
    return _ask(s, rng, difficulty, "eks",
                f"In {s.name}, how can the gRPC service be exposed to clients on the internet?",
                BALANCER_RIGHT, BALANCER_LURES, ["nlb or alb", "both", "an nlb or an alb"],
                why, _lines(found.nlb, nlb) + _lines(found.works, listener))


# --- Services ----------------------------------------------------------------------------------

SERVICE_TYPES = ["ClusterIP", "ExternalName", "headless ClusterIP (clusterIP: None)"]


def _service_type(s: Scenario, rng: Random, difficulty: int) -> Question | None:
    for cluster in s.model.clusters.values():
        nodes = [n for n in cluster.nodes.values() if n.instance is not None]
        if len(nodes) < 2:
            continue
        for service in cluster.services.values():
            if service.type != "NodePort":
                continue
            port = next((p.node_port for p in service.ports if p.node_port), None)
            if port is None:
                continue
            answered = []
            for node in nodes:
                other = next(n for n in nodes if n is not node)
                t = _trace(s, other.instance or "", node.name, port)
                if t is not None and t.reachable and \
                        any(h.component == "service" for h in t.hops):
                    answered.append((node, t))
            if len(answered) < 2:
                continue
            where = ", ".join(f"{n.name}:{port}" for n, _ in answered)
            why = (f"{service.key} is a NodePort Service: {where} all lead to its pods "
                   "(kube-proxy on each node DNATs to an endpoint, maybe on another node). "
                   "A ClusterIP is reachable inside the cluster only; ExternalName is a DNS "
                   "CNAME; a LoadBalancer Service builds on a NodePort.")
            lines = tuple(line for _, t in answered
                          for line in _lines(t, [h for h in t.hops if h.component == "service"]))
            return _ask(s, rng, difficulty, "kubernetes",
                        f"In {s.name}, instances reach {service.key} at {where}: any node's "
                        f"address, port {port}. Which Service type is it?",
                        "NodePort", SERVICE_TYPES, ["nodeport", "type: NodePort"], why, lines,
                        hide="Services:")
    return None
