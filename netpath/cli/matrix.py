"""`netpath matrix`: who can reach whom among pods, for one port.

Only typer is imported at module level (start-up time); the loader, the engine and the renderer
are imported inside the command. It reports and does not judge: exit 0 whatever the matrix
holds, 2 for bad input (spec errors, an unknown namespace, a selector matching no pod).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, TextIO

import typer

from netpath.cli.env import SPEC_HELP, ExitCode, environment, namespace_option, open_spec

DEFAULT_PORT = 80  # what NetworkPolicy test tools (cyclonus, policy-assistant) probe by default


class Format(StrEnum):
    text = "text"
    json = "json"
    csv = "csv"
    md = "md"


class Protocol(StrEnum):
    tcp = "tcp"
    udp = "udp"
    sctp = "sctp"


HELP = (
    "Show who can reach whom among pods on one port: rows are sources, columns destinations.\n\n"
    "Each pair is judged as `netpath trace` would judge it: NetworkPolicy at both ends (egress "
    "at the source, ingress at the destination) and, where the spec has an AWS part, the "
    "security groups, network ACLs, routes and nodes on the way there and back; a pod to "
    "itself is left out. Pods that nothing on the path can tell apart are judged once, so "
    "large clusters stay fast."
)
EPILOG = """\
Examples:
  netpath matrix --port 8080
  netpath matrix --spec interview-namespace-isolation --namespace prod --namespace web
  netpath matrix --selector app=backend --format json
  netpath matrix --spec k8s/ --port 53 --protocol udp --format md

Exit codes: 0 the matrix was printed (whatever it says), 2 bad input (spec errors, an unknown
namespace, a selector that matches no pod, usage).
"""


def _unicode_ok(stream: TextIO) -> bool:
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        "\u2714\u2718\u00b7\u2026\u2014".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _namespaces(values: list[str] | None) -> list[str] | None:
    for value in values or ():
        namespace_option(value)
    return values


def matrix_command(
    ctx: typer.Context,
    spec: Annotated[
        str | None, typer.Option("--spec", "-s", metavar="PATH", help=SPEC_HELP)
    ] = None,
    namespace: Annotated[
        list[str] | None,
        typer.Option("--namespace", "-n", metavar="NS", show_default=False,
                     callback=_namespaces,
                     help="Only pods of this namespace; repeat for several. Default: all. One "
                     "namespace given is also where objects without one go, as with kubectl "
                     "apply -n (else: default)."),
    ] = None,
    selector: Annotated[
        list[str] | None,
        typer.Option("--selector", "-l", metavar="KEY=VALUE", show_default=False,
                     help="Only pods with this label (app=web, or app=web,tier=front); "
                     "repeat to require several."),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option("--port", "-p", min=1, max=65535, show_default=False,
                     help=f"Destination port. Default: {DEFAULT_PORT} (the output says so)."),
    ] = None,
    protocol: Annotated[
        Protocol, typer.Option("--protocol", case_sensitive=False, help="IP protocol.")
    ] = Protocol.tcp,
    output: Annotated[
        Format,
        typer.Option("--format", "-f", case_sensitive=False,
                     help="text for people (a grid, or a list for many pods), json for "
                     "scripts, csv and md tables."),
    ] = Format.text,
) -> int:
    """`netpath matrix` (help text: HELP)."""
    env = environment(ctx)
    # One namespace is also the default for objects without one, as `kubectl apply -n`; several
    # only filter (objects without a namespace go to `default`, as without -n).
    loaded = open_spec(env, spec, namespace[0] if namespace and len(namespace) == 1
                       else "default")

    from netpath.engine import prepare
    from netpath.engine.matrix import build_matrix, select_pods

    pods = select_pods(loaded.model.clusters, namespace or (), selector or ())
    # The prepared network: with an AWS part, pairs are traced by the engine (security groups,
    # NACLs, routes, nodes); without one, its policy indexes are all the matrix uses.
    matrix = build_matrix(prepare(loaded.model), pods, protocol.value,
                          port if port is not None else DEFAULT_PORT)
    from netpath.render import matrix as render

    # Written as it is made, a row at a time: a large matrix is never held whole.
    if output is Format.json:
        chunks = render.iter_json(matrix)
    elif output is Format.csv:
        chunks = render.iter_csv(matrix)
    elif output is Format.md:
        chunks = render.iter_markdown(matrix, unicode=_unicode_ok(env.stdout))
    else:
        chunks = render.iter_text(matrix, width=env.width, unicode=_unicode_ok(env.stdout),
                                  port_assumed=port is None)
    write = env.stdout.write
    for chunk in chunks:
        write(chunk)
    return ExitCode.OK
