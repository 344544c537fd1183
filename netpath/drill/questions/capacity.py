"""IP capacity with the VPC CNI: the guide's "pods stuck in ContainerCreating" interview case.

Every figure comes from `netpath capacity` on the scenario (the engine's capacity report), never
from a table in this module:
- max pods of a node: ENIs x (IPv4 per ENI - 1) + 2;
- the addresses of a subnet that interfaces and pods can use: AWS reserves five in each;
- why a pod has no IP: its node's ENIs are full, its subnet is out of addresses, or (prefix
  delegation) no whole /28 is left (ContainerCreating); or its node already runs its max pods,
  so kubelet never starts it (Pending).
Answers carry a unit ("29 pods") because a bare number reads as a choice's number.
"""

from __future__ import annotations

from collections.abc import Callable
from random import Random

from netpath.drill.model import Question
from netpath.drill.questions.common import Scenario, options, question
from netpath.engine.capacity import CapacityReport, NodeCapacity, PodProblem, capacity
from netpath.engine.instance_types import instance_type
from netpath.engine.subnet_space import RESERVED_AT_END, RESERVED_AT_START

Maker = Callable[[Scenario, Random, int], Question | None]

NODE_FULL = "its node has handed out every IP its ENIs can hold"
SUBNET_FULL = "its subnet has no free address left"
NO_PREFIX = "its subnet has addresses left, but no whole free /28 for a prefix"
MAX_PODS = "its node already runs its max pods, host network pods included"
MISBELIEFS = ["a NetworkPolicy blocks the pod's traffic to the API server",
              "the node's security group denies the pod's traffic",
              "kube-proxy has not programmed the pod's Service yet"]


def makers() -> list[Maker]:
    return [_max_pods, _usable_addresses, _stuck_pod]


def _report(s: Scenario) -> CapacityReport | None:
    if not any(c.vpc is not None and not c.overlay for c in s.model.clusters.values()):
        return None
    return capacity(s.model)


def _typed_nodes(report: CapacityReport) -> list[NodeCapacity]:
    return [n for n in report.nodes if n.limits is not None and n.instance_type is not None]


def _ask(s: Scenario, rng: Random, difficulty: int, prompt: str, answer: str,
         lures: list[str], accepted: list[str], why: str, report: list[str]) -> Question | None:
    """`report`: the lines of `netpath capacity` that show the answer, as the excerpt."""
    choices = options(rng, answer, [lures], difficulty, maximum=4)
    if choices is None:
        return None
    return question(s, kind="design", topic="eks", difficulty=difficulty, setup=s.summary,
                    prompt=prompt, choices=choices, answer=answer, accepted=accepted,
                    explanation=why, lines=(REPORT, *(f"     {line}" for line in report)))


REPORT = "netpath capacity"


def _max_pods(s: Scenario, rng: Random, difficulty: int) -> Question | None:
    report = _report(s)
    nodes = _typed_nodes(report) if report else []
    if not nodes:
        return None
    node = rng.choice(nodes)
    itype = instance_type(node.instance_type or "")
    assert itype is not None and node.limits is not None
    enis, ips = itype.max_enis, itype.ipv4_per_eni
    answer = f"{node.limits.max_pods} pods"
    lures = [f"{enis * ips} pods", f"{enis * (ips - 1)} pods", "110 pods",
             f"{enis * ips + 2} pods"]
    why = (f"max pods = ENIs x (IPv4 per ENI - 1) + 2 = {node.limits.formula}: each ENI's "
           "primary address is not handed to pods, and the + 2 are aws-node and kube-proxy, "
           "which run on the host network and need no address of their own. 110 is kubelet's "
           "default, which the VPC CNI's limit replaces.")
    return _ask(s, rng, difficulty,
                f"In {s.name}, {node.node} is an {itype.name} ({enis} ENIs, {ips} IPv4 "
                "addresses per ENI) running the VPC CNI without prefix delegation. What is its "
                "max pods?",
                answer, lures, [str(node.limits.max_pods)], why,
                [f"{node.node}  {itype.name}  max pods {node.limits.max_pods} "
                 f"({node.limits.formula}), {node.limits.pod_ips} pod IPs"])


def _usable_addresses(s: Scenario, rng: Random, difficulty: int) -> Question | None:
    report = _report(s)
    names = sorted({n.subnet for n in report.nodes if n.subnet} if report else set())
    if report is None or not names:
        return None
    chosen = rng.choice(names)
    subnet = next(x for x in report.subnets if x.name == chosen)
    usable = subnet.size - subnet.reserved
    answer = f"{usable} addresses"
    lures = [f"{subnet.size - 2} addresses", f"{subnet.size} addresses",
             f"{subnet.size - 1} addresses", f"{subnet.size - 3} addresses"]
    why = (f"{subnet.cidr} holds {subnet.size} addresses; AWS reserves {subnet.reserved}: the "
           f"first {RESERVED_AT_START} (network, VPC router, DNS, future use) and the last "
           f"{RESERVED_AT_END} (broadcast), leaving {usable} for interfaces and, with the VPC "
           "CNI, every pod.")
    return _ask(s, rng, difficulty,
                f"In {s.name}, nodes and their pods take addresses of subnet {subnet.name} "
                f"({subnet.cidr}). How many of its addresses can interfaces and pods use?",
                answer, lures, [str(usable)], why,
                [f"{subnet.name}  {subnet.cidr}  size {subnet.size}, reserved {subnet.reserved}, "
                 f"interfaces {subnet.interfaces}, pod IPs {subnet.pod_ips}, free {subnet.free}"])


_CAUSES = {"max-pods": MAX_PODS, "node-ips": NODE_FULL, "subnet": SUBNET_FULL,
           "prefix": NO_PREFIX}


def _cause(problem: PodProblem) -> str:
    return _CAUSES[problem.cause]


def _stuck_pod(s: Scenario, rng: Random, difficulty: int) -> Question | None:
    report = _report(s)
    if report is None or not report.problems or difficulty >= 3:
        return None  # the causes are sentences: multiple choice only
    problem = rng.choice(report.problems)
    node = next(n for n in report.nodes if n.node == problem.node)
    subnet = next((x for x in report.subnets if x.name == node.subnet), None)
    where = f" in subnet {subnet.name} ({subnet.cidr})" if subnet else ""
    itype = instance_type(node.instance_type or "")
    kind = (f"{itype.name}: {itype.max_enis} ENIs x {itype.ipv4_per_eni} IPv4 addresses"
            if itype else node.instance_type or "instance type unknown")
    answer = _cause(problem)
    # Pending (never started) and ContainerCreating (started, no address) are different
    # symptoms: the state in the prompt is the one the pod is really in.
    state = "Pending" if answer == MAX_PODS else "ContainerCreating"
    # A node past max pods has used every IP too (that is how the formula is built): only
    # causes that are false of this pod and node are offered.
    causes: tuple[str, ...] = (MAX_PODS, NODE_FULL, SUBNET_FULL)
    if answer == MAX_PODS:
        causes = (SUBNET_FULL,) if subnet is not None and subnet.free > 0 else ()
    lures = [c for c in causes if c != answer] + MISBELIEFS
    return _ask(s, rng, difficulty,
                f"In {s.name}, {node.node} ({kind}{where}) has {node.pods} pods placed, "
                f"and {problem.pod} stays {state}. Why?",
                answer, lures, [], f"{problem.reason}. Fix: {problem.fix}.",
                [f"NO_POD_IP {problem.pod} on {problem.node}: {problem.reason}"])
