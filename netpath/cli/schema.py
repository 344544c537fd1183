"""`netpath schema`: print the spec's JSON Schema (or the expectations file's), for editors and
validators."""

from __future__ import annotations

from typing import Annotated

import typer

from netpath.cli.env import ExitCode, environment

HELP = ("Print the JSON Schema (draft 2020-12) of the netpath spec on stdout; with "
        "--expectations, the schema of an expectations file (netpath check).")
EPILOG = """\
Examples:
  netpath schema > netpath.schema.json
  netpath schema --expectations > netpath-expect.schema.json

Then start a spec with this line, and editors (yaml-language-server) check and complete it:
  # yaml-language-server: $schema=netpath.schema.json
"""


def schema_command(
    ctx: typer.Context,
    expectations: Annotated[
        bool,
        typer.Option("--expectations",
                     help="The schema of an expectations file (netpath-expect.yaml) instead."),
    ] = False,
) -> int:
    """`netpath schema` (help text: HELP)."""
    env = environment(ctx)
    if expectations:
        from netpath.checks.expectations import schema_text as expectations_schema

        env.out(expectations_schema())
        return ExitCode.OK
    from netpath.load.schema import schema_text

    env.out(schema_text())  # plain: no rich, so the output is exactly the schema
    return ExitCode.OK
