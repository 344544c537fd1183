"""`netpath trace SOURCE DESTINATION`: load the spec, run the engine, render the trace.

Only typer is imported at module level; the spec loader, the engine and the renderers (rich,
json) are imported inside the command, so `netpath --version` and `--help` stay fast.
Failures are raised, not printed: `netpath.cli.app.run` turns SpecErrors and QueryError into
located messages and exit code 2.
"""

from __future__ import annotations

from enum import StrEnum
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


class Format(StrEnum):
    text = "text"
    json = "json"
    mermaid = "mermaid"


class Protocol(StrEnum):
    tcp = "tcp"
    udp = "udp"
    icmp = "icmp"


HELP = (
    "Explain how a packet travels from SOURCE to DESTINATION, hop by hop.\n\n"
    "Prints every step (route tables, security groups, network ACLs, NAT, gateways) with the "
    "rule that decided it and where that rule is in the spec, then the return path and a "
    "verdict. A blocked trace names the component, an explanation code and a fix."
)
EPILOG = """\
Examples:
  netpath trace node-1 api.example.com --port 443
  netpath trace node-1 orders-db        (the database's own port)
  netpath trace internet myapp.example.com --format json
  netpath trace 10.0.10.100 10.0.20.50 -p 5432 --spec prod/ --format mermaid

Exit codes: 0 reachable, 1 blocked, 2 bad input (spec errors, unknown names, usage).
"""

def trace_command(
    ctx: typer.Context,
    source: Annotated[
        str,
        typer.Argument(
            metavar="SOURCE",
            help="Where the packet starts: a name from the spec (instance, database, load "
            "balancer...), an IP address, a DNS name, or 'internet'.",
            show_default=False,
        ),
    ],
    destination: Annotated[
        str,
        typer.Argument(
            metavar="DESTINATION",
            help="Where it goes: a name, an IP address, a DNS name resolved through the spec's "
            "Route 53 records and internet hosts, or 'internet'.",
            show_default=False,
        ),
    ],
    port: Annotated[
        int | None,
        typer.Option(
            "--port", "-p", min=1, max=65535, show_default=False,
            help="Destination port. Default: the destination's only port (a database's, a load "
            "balancer's single listener), else 443; the output says what it assumed.",
        ),
    ] = None,
    protocol: Annotated[
        Protocol, typer.Option("--protocol", case_sensitive=False, help="IP protocol.")
    ] = Protocol.tcp,
    spec: Annotated[
        str | None, typer.Option("--spec", "-s", metavar="PATH", help=SPEC_HELP)
    ] = None,
    namespace: Annotated[
        str, typer.Option("--namespace", "-n", metavar="NS", show_default=False,
                          callback=namespace_option, help=NAMESPACE_HELP)
    ] = "default",
    output: Annotated[
        Format,
        typer.Option("--format", "-f", case_sensitive=False,
                     help="text for people, json for scripts, mermaid for a diagram."),
    ] = Format.text,
    host: Annotated[
        str | None,
        typer.Option("--host", metavar="HOST", show_default=False,
                     help="HTTP Host header an ALB's or Ingress's rules see. Default: the "
                     "destination name."),
    ] = None,
    url_path: Annotated[
        str, typer.Option("--path", metavar="PATH",
                          help="HTTP path an ALB's or Ingress's rules see.")
    ] = "/",
    endpoint: Annotated[
        str | None,
        typer.Option("--endpoint", metavar="POD|IP", show_default=False,
                     help="The Service endpoint (or target) to follow; kube-proxy picks one at "
                     "random, the trace follows the first by default."),
    ] = None,
) -> int:
    """`netpath trace` (help text: HELP)."""
    if protocol is Protocol.icmp and port is not None:
        raise typer.BadParameter("icmp has no ports: leave out --port", param_hint="'--port'")
    env = environment(ctx)
    loaded = open_spec(env, spec, namespace)

    from netpath import engine
    from netpath.engine.hops import Query
    from netpath.load.source import make_locator

    network = engine.prepare(loaded.model)
    query = Query(source, destination, port, protocol.value, host=host, url_path=url_path,
                  endpoint=endpoint)
    result = engine.trace(network, query)
    locate = make_locator(loaded.source_map)
    if output is Format.json:
        from netpath.render.json_doc import render_json

        env.stdout.write(render_json(result, locate))
    elif output is Format.mermaid:
        from netpath.render.mermaid import render_mermaid

        env.stdout.write(render_mermaid(result))
    else:
        from netpath.render.text import render_trace

        render_trace(result, env.console(), locate)
    return ExitCode.OK if result.reachable else ExitCode.BLOCKED
