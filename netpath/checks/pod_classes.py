"""Group expectations between pods, judged by class as `netpath matrix` judges them.

A group of N pods to a group of M is N x M pairs; tracing each took 10 s for one namespace of
400 pods (issue 11). The matrix engine (`engine/matrix.py`) classes pods by what the network can
tell apart (policy labels, named ports, ipBlocks, subnets, security groups) and judges one pair
per pair of classes, on the same node or not, exactly as a trace does: so a pair's verdict and
blocking code cost a table lookup. That is all an expectation asks when it names no `via`,
`not_via` or `source_ip_seen`, gives a port, and both sides are pods.

A pair the expectation holds for needs nothing more: its result says so, without a trace. A pair
it breaks is traced as before, for its own problem and trace excerpt (they name the pods), so
what a report shows is unchanged; only a wrong expectation over a large group costs a trace per
broken pair. So is a pair with a pod the VPC CNI cannot give an address (NO_POD_IP): the matrix
judges the network between addresses, the trace stops before it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from netpath.checks.expectations import Expectation
from netpath.checks.report import PairResult
from netpath.engine.matrix import Matrix, MatrixPod, build_matrix
from netpath.engine.matrix_classes import Verdict
from netpath.engine.network import Network
from netpath.model.vocabulary import Code

# Protocols the matrix judges (a port is required: the expectation must name it).
_PROTOCOLS = frozenset({"tcp", "udp", "sctp"})


def by_class(exp: Expectation) -> bool:
    """Whether a pair's verdict and code decide this expectation (no path or address asked)."""
    return (exp.port is not None and exp.protocol in _PROTOCOLS and not exp.via
            and not exp.not_via and exp.source_ip_seen is None
            and exp.code != Code.DNS_NXDOMAIN)


class PodPairs:
    """The verdicts of pairs of pods of two groups, from one matrix over both."""

    __slots__ = ("_index", "_matrix", "_no_ip")

    def __init__(self, network: Network, pods: Mapping[str, MatrixPod], protocol: str,
                 port: int) -> None:
        names = list(pods)
        self._index = {name: i for i, name in enumerate(names)}
        self._matrix: Matrix = build_matrix(network, [pods[n] for n in names], protocol, port)
        without = network.kube.pods_without_ip
        self._no_ip = {name for name, mp in pods.items() if (mp.cluster, mp.pod.key) in without}

    def verdict(self, source: str, destination: str) -> Verdict | None:
        """The pair's verdict, or None when only a trace can tell (a pod without an IP)."""
        if self._no_ip and (source in self._no_ip or destination in self._no_ip):
            return None
        return self._matrix.verdict(self._index[source], self._index[destination])


def passing(exp: Expectation, source: str, destination: str, verdict: Verdict | None
            ) -> PairResult | None:
    """The pair's result when `verdict` fulfils the expectation (what `verdicts.judge` would
    give for its trace), else None: the pair must be traced for its problem and excerpt."""
    if verdict is None or exp.reachable != verdict.reachable:
        return None
    if exp.code is not None and not verdict.reachable and verdict.code != exp.code:
        return None
    return PairResult(source=source, destination=destination, passed=True,
                      verdict="reachable" if verdict.reachable else "blocked",
                      code=verdict.code, problem=None, excerpt=(), port=exp.port)


def pod_sides(pods: Mapping[str, MatrixPod], sources: Sequence[str],
              destinations: Sequence[str]) -> dict[str, MatrixPod] | None:
    """The pods of both sides by name, or None when a side names anything but pods."""
    found: dict[str, MatrixPod] = {}
    for name in (*sources, *destinations):
        pod = pods.get(name)
        if pod is None:
            return None
        found[name] = pod
    return found
