"""`netpath capacity` as text and JSON: subnets, VPC CNI nodes, pods without an IP, and what
the VPC CNI's settings do. The engine decided everything (netpath.engine.capacity); this only
lays it out.

    Subnets (AWS reserves 5 addresses in every subnet)
      VPC prod
        subnet     CIDR          size  reserved  ENIs  pod IPs  CNI idle  free
        private-a  10.0.10.0/24   256         5     1        5        14   231

Names, reasons, fixes and notes go through `visible` on their way into the text.
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from netpath import __version__
from netpath.engine.capacity import CapacityReport, NodeCapacity, PodProblem
from netpath.engine.cni_settings import SETTINGS_EXPLAINED
from netpath.engine.codes import CODES
from netpath.model.visible import inert, json_escape, visible
from netpath.model.vocabulary import Code
from netpath.render.text import ASCII_SYMBOLS, UNICODE_SYMBOLS, emit

MAX_LISTED = 5  # pods named per group; the JSON lists them all


def render_capacity(report: CapacityReport, console: Console) -> None:
    symbols = ASCII_SYMBOLS if console.options.ascii_only else UNICODE_SYMBOLS
    out: list[RenderableType] = []
    if report.subnets:
        out += [Text("Subnets", style="bold").append(
            " (AWS reserves 5 addresses in every subnet)", style="dim"), *_subnets(report)]
    else:
        out.append(Text("No VPC subnets in the spec.", style="dim"))
    if report.nodes:
        out += [Text(), Text("VPC CNI nodes", style="bold").append(
            f" ({report.settings})", style="dim")]
        for node in report.nodes:
            out += _node_lines(node)
    if report.problems:
        out += [Text(), Text("Pods without an IP", style="bold")]
        # One entry per node and cause: a full node fails many pods for one reason.
        groups: dict[tuple[str, Code, str], list[PodProblem]] = {}
        for problem in report.problems:
            groups.setdefault((problem.node, problem.code, problem.reason), []).append(problem)
        for (where, code, reason), problems in groups.items():
            pods = ", ".join(p.pod for p in problems[:MAX_LISTED])
            if len(problems) > MAX_LISTED:
                pods += f" and {len(problems) - MAX_LISTED} more"
            line = Text(f"{symbols.blocked} {code}", style="bold red")
            line.append(visible(f" {pods} on {where}: {reason}"), style="")
            out += [_indent(line, 2), _indent(Text(visible(f"fix: {problems[0].fix}")), 4)]
    if report.notes:
        out += [Text(), Text("Notes", style="bold")]
        out += [_indent(Text(visible(note), style="dim"), 2) for note in report.notes]
    out += [Text(), Text("What the VPC CNI settings do", style="bold")]
    out += [_indent(Text(text), 2) for text in SETTINGS_EXPLAINED]
    emit(console, out)


def _indent(text: RenderableType, columns: int) -> Padding:
    """Continuation lines stay under the first one when rich wraps."""
    return Padding(text, (0, 0, 0, columns))


def _subnets(report: CapacityReport) -> list[RenderableType]:
    """One table per VPC, in 80 columns: ENIs are the spec's interfaces (instances, load
    balancer nodes, NAT gateways, endpoints); CNI idle is what the VPC CNI holds beyond pods."""
    out: list[RenderableType] = []
    for vpc in dict.fromkeys(s.vpc for s in report.subnets):
        rows = [s for s in report.subnets if s.vpc == vpc]
        table = Table(box=None, padding=(0, 1), pad_edge=False, show_edge=False,
                      header_style="bold")
        table.add_column("subnet", no_wrap=True)
        table.add_column("CIDR", no_wrap=True)
        prefixes = any(s.free_prefixes is not None for s in rows)
        # No "reserved" column: the heading says AWS reserves 5 in every subnet.
        for column in ("size", "ENIs", "pod IPs", "CNI idle", "free",
                       *(["free /28"] if prefixes else [])):
            table.add_column(column, justify="right", no_wrap=True)
        for s in rows:
            cells: list[str | Text] = [
                visible(s.name), str(s.cidr), str(s.size), str(s.interfaces), str(s.pod_ips),
                str(s.idle),
                Text(str(s.free), style="bold red" if s.free <= 0 else "")]
            if prefixes:
                cells.append(Text(str(s.free_prefixes),
                                  style="bold red" if not s.free_prefixes else ""))
            table.add_row(*cells)
        out += [_indent(Text(visible(f"VPC {vpc}"), style="bold"), 2), _indent(table, 4)]
        out += [_indent(Text(visible(f"{s.name}: the warm pools want {s.short} more "
                                     "address(es) than are free"), style="red"), 4)
                for s in rows if s.short]
    return out


def _node_lines(node: NodeCapacity) -> list[RenderableType]:
    head = Text("  ")
    head.append(visible(node.node), style="bold")
    head.append(visible(f"  cluster {node.cluster}  "
                        f"{node.instance_type or 'instance type unknown'}"))
    head.append(visible(f"  subnet {node.subnet or '-'}"))
    lines: list[RenderableType] = [head]
    if node.limits is not None:
        lines.append(_indent(Text(f"max pods {node.limits.max_pods} ({node.limits.formula}), "
                                  f"{node.limits.pod_ips} pod IPs"), 4))
    lines.append(_indent(Text(f"{node.pods} pod(s) placed: {node.host_network_pods} on the host "
                              f"network, {node.pods_with_ip} with an IP"), 4))
    if node.pool is not None:
        unit = (f"{node.pool.prefixes} /28 prefix(es) = {node.pool.addresses} addresses"
                if node.pool.prefixes else f"{node.pool.addresses} secondary IPs")
        idle = node.pool.addresses - node.pods_with_ip
        if node.short:
            words = (f"ipamd wants {node.pool.enis} ENI(s) and {unit}; the subnet gave it "
                     f"{node.subnet_addresses} address(es)")
        else:
            words = (f"ipamd holds {node.pool.enis} ENI(s) and {unit} ({idle} idle); "
                     f"{node.subnet_addresses} subnet address(es) taken")
        lines.append(_indent(Text(words), 4))
    lines += [_indent(Text(visible(f"note: {note}"), style="dim"), 4) for note in node.notes]
    return lines


def capacity_doc(report: CapacityReport) -> dict[str, Any]:
    """Every key always present; add keys, never repurpose them (as the trace JSON)."""
    s = report.settings
    return {
        "netpath": __version__,
        "settings": {
            "prefix_delegation": s.prefix_delegation,
            "warm_eni_target": s.warm_eni_target,
            "warm_ip_target": s.warm_ip_target,
            "minimum_ip_target": s.minimum_ip_target,
            "warm_prefix_target": s.warm_prefix_target,
        },
        "subnets": [{
            "vpc": x.vpc, "name": x.name, "cidr": str(x.cidr), "az": x.az, "size": x.size,
            "reserved": x.reserved, "interfaces": x.interfaces, "pod_ips": x.pod_ips,
            "cni_addresses": x.cni_addresses, "cni_idle": x.idle, "free": x.free,
            "short": x.short, "free_prefixes": x.free_prefixes,
        } for x in report.subnets],
        "nodes": [_node_doc(n) for n in report.nodes],
        "problems": [{
            "code": p.code, "aws_code": CODES[p.code].aws_code, "cluster": p.cluster,
            "pod": p.pod, "node": p.node, "reason": p.reason, "fix": p.fix,
        } for p in report.problems],
        "notes": list(report.notes),
        "settings_explained": list(SETTINGS_EXPLAINED),
    }


def _node_doc(n: NodeCapacity) -> dict[str, Any]:
    limits = n.limits
    pool = n.pool
    return {
        "cluster": n.cluster, "node": n.node, "instance": n.instance,
        "instance_type": n.instance_type, "subnet": n.subnet,
        "max_pods": limits.max_pods if limits else None,
        "pod_ip_capacity": limits.pod_ips if limits else None,
        "formula": limits.formula if limits else None,
        "pods": n.pods, "host_network_pods": n.host_network_pods,
        "pods_with_ip": n.pods_with_ip,
        "enis": pool.enis if pool else None,
        "addresses_held": pool.addresses if pool else None,
        "prefixes": pool.prefixes if pool else None,
        "subnet_addresses": n.subnet_addresses, "short": n.short, "notes": list(n.notes),
    }


def render_capacity_json(report: CapacityReport) -> str:
    return inert(json.dumps(capacity_doc(report), indent=2, sort_keys=True), json_escape) + "\n"
