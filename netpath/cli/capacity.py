"""`netpath capacity`: IP planning for the VPC CNI (free subnet addresses, max pods per node,
pods that cannot get an IP). Like the other commands, only typer is imported at module level."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from netpath.cli.env import (
    NAMESPACE_HELP,
    SPEC_HELP,
    ExitCode,
    environment,
    namespace_option,
    open_spec,
)


class Format(StrEnum):
    text = "text"
    json = "json"


HELP = (
    "Report IP capacity for the VPC CNI: per subnet the free addresses, per node the max pods.\n\n"
    "Every subnet: its size, the 5 addresses AWS reserves, the spec's interfaces, the pod IPs "
    "and warm pools the VPC CNI holds, and what is free. Every node of a VPC CNI cluster: "
    "its instance type's ENI and IP limits, max pods (ENIs x (IPs per ENI - 1) + 2), and the "
    "ENIs and IPs ipamd keeps. A pod that cannot get an IP is reported as NO_POD_IP."
)
EPILOG = """\
Examples:
  netpath capacity --spec prod/
  netpath capacity --warm-ip-target 2 --minimum-ip-target 10
  netpath capacity --prefix-delegation --format json

Nodes need `instance_type` on their instance (e.g. m5.large) for per-node limits.

Exit codes: 0 every pod has an IP, 1 some pod cannot get one, 2 bad input.
"""


def _count(flag: str, help_text: str) -> Any:
    return typer.Option(flag, min=0, metavar="N", show_default=False, help=help_text)


def capacity_command(
    ctx: typer.Context,
    spec: Annotated[
        str | None, typer.Option("--spec", "-s", metavar="PATH", help=SPEC_HELP)
    ] = None,
    namespace: Annotated[
        str, typer.Option("--namespace", "-n", metavar="NS", show_default=False,
                          callback=namespace_option, help=NAMESPACE_HELP)
    ] = "default",
    output: Annotated[
        Format, typer.Option("--format", "-f", case_sensitive=False,
                             help="text for people, json for scripts.")
    ] = Format.text,
    prefix_delegation: Annotated[
        bool, typer.Option("--prefix-delegation",
                           help="ENABLE_PREFIX_DELEGATION: /28 prefixes instead of single IPs "
                           "(Nitro instances).")
    ] = False,
    warm_eni_target: Annotated[
        int, _count("--warm-eni-target", "WARM_ENI_TARGET: whole free ENIs to keep.")
    ] = 1,
    warm_ip_target: Annotated[
        int | None, _count("--warm-ip-target", "WARM_IP_TARGET: free IPs to keep (overrides "
                           "WARM_ENI_TARGET).")
    ] = None,
    minimum_ip_target: Annotated[
        int | None, _count("--minimum-ip-target", "MINIMUM_IP_TARGET: IPs a node holds at "
                           "least.")
    ] = None,
    warm_prefix_target: Annotated[
        int, _count("--warm-prefix-target", "WARM_PREFIX_TARGET: whole free /28 prefixes to "
                    "keep (with --prefix-delegation).")
    ] = 1,
) -> int:
    """`netpath capacity` (help text: HELP)."""
    env = environment(ctx)
    loaded = open_spec(env, spec, namespace)

    from netpath.engine.capacity import capacity
    from netpath.engine.cni_settings import CniSettings

    settings = CniSettings(prefix_delegation, warm_eni_target, warm_ip_target,
                           minimum_ip_target, warm_prefix_target)
    report = capacity(loaded.model, settings)
    if output is Format.json:
        from netpath.render.capacity import render_capacity_json

        env.stdout.write(render_capacity_json(report))
    else:
        from netpath.render.capacity import render_capacity

        render_capacity(report, env.console())
    return ExitCode.BLOCKED if report.problems else ExitCode.OK
