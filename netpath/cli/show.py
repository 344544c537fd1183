"""`netpath show`: print the model netpath built from the spec, as a tree."""

from __future__ import annotations

from typing import Annotated

import typer

from netpath.cli.env import (
    NAMESPACE_HELP,
    SPEC_HELP,
    ExitCode,
    environment,
    namespace_option,
    open_spec,
)

HELP = (
    "Show the network as netpath reads it.\n\n"
    "VPCs, subnets (public or private) and what sits in them with their addresses, gateways, "
    "peerings, transit gateways, DNS records, internet hosts, and what netpath assumed or "
    "assigned."
)
EPILOG = """\
Examples:
  netpath show                       (the embedded three-tier scenario)
  netpath show --spec prod/
  NETPATH_SPEC=prod.yaml netpath show
"""


def show_command(
    ctx: typer.Context,
    spec: Annotated[
        str | None, typer.Option("--spec", "-s", metavar="PATH", help=SPEC_HELP)
    ] = None,
    namespace: Annotated[
        str, typer.Option("--namespace", "-n", metavar="NS", show_default=False,
                          callback=namespace_option, help=NAMESPACE_HELP)
    ] = "default",
) -> int:
    """`netpath show` (help text: HELP)."""
    env = environment(ctx)
    loaded = open_spec(env, spec, namespace)

    from netpath.engine.capacity import pods_without_ip
    from netpath.render.show import render_model

    render_model(loaded.model, env.console(), pods_without_ip(loaded.model))
    return ExitCode.OK
