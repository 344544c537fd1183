"""`netpath schema`: print the spec's JSON Schema, for editors and validators."""

from __future__ import annotations

import typer

from netpath.cli.env import ExitCode, environment

HELP = "Print the JSON Schema (draft 2020-12) of the netpath spec on stdout."
EPILOG = """\
Examples:
  netpath schema > netpath.schema.json

Then start a spec with this line, and editors (yaml-language-server) check and complete it:
  # yaml-language-server: $schema=netpath.schema.json
"""


def schema_command(ctx: typer.Context) -> int:
    """`netpath schema` (help text: HELP)."""
    from netpath.spec.schema import schema_text

    env = environment(ctx)
    env.out(schema_text())  # plain: no rich, so the output is exactly the schema
    return ExitCode.OK
