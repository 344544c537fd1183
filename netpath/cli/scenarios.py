"""`netpath scenarios`: list the scenario library shipped with netpath (`--spec NAME` opens one).

Each scenario is a directory of `netpath/scenarios/` holding a `netpath.yaml`; its one-line
summary is the spec's `description`. Like every command module, this one imports little at
start-up (`netpath --version` pays for it): the YAML parser and the rest wait for the command.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from netpath.cli.env import ExitCode, environment

NAME_COLUMN = 30  # names up to this long share their line with the summary
MIN_SUMMARY_WIDTH = 30


class Format(StrEnum):
    text = "text"
    json = "json"


HELP = (
    "List the scenarios shipped with netpath: the guide's traffic flows, interview questions "
    "and troubleshooting cases, each a spec to open with --spec NAME.\n\n"
    "Each scenario directory also holds a README.md (the question, what the trace shows, what "
    "to remember) and a netpath-expect.yaml (its expectations, for netpath check)."
)
EPILOG = """\
Examples:
  netpath scenarios
  netpath scenarios --format json
  netpath show --spec flow-pod-to-internet
  netpath trace default/pod-a api.example.com --spec flow-pod-to-internet
"""


def scenario_summaries() -> list[tuple[str, str]]:
    """(name, description) of every shipped scenario, sorted by name."""
    from importlib import resources

    import yaml

    from netpath.sources.loader import SPEC_FILE, scenario_names

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    root = resources.files("netpath") / "scenarios"
    out = []
    for name in scenario_names():
        data = yaml.load((root / name / SPEC_FILE).read_text(encoding="utf-8"), Loader=loader)
        description = data.get("description") if isinstance(data, dict) else None
        out.append((name, " ".join(str(description or "").split())))
    return out


def scenarios_command(
    ctx: typer.Context,
    output: Annotated[
        Format,
        typer.Option("--format", "-f", case_sensitive=False,
                     help="text for people, json for scripts."),
    ] = Format.text,
) -> int:
    """`netpath scenarios` (help text: HELP)."""
    import textwrap

    from netpath.sources.loader import DEFAULT_SCENARIO

    env = environment(ctx)
    summaries = scenario_summaries()
    if output is Format.json:
        import json

        doc = {"scenarios": [{"name": name, "description": description,
                              "default": name == DEFAULT_SCENARIO}
                             for name, description in summaries]}
        env.out(json.dumps(doc, indent=2))
        return ExitCode.OK
    names = [f"{name} (default)" if name == DEFAULT_SCENARIO else name for name, _ in summaries]
    # The summaries start in one column; a longer name gets a line of its own. On a very narrow
    # terminal every summary goes under its name.
    column = min(max((len(n) for n in names), default=0), NAME_COLUMN) + 4
    if env.width - column < MIN_SUMMARY_WIDTH:
        column = 4
    width = max(env.width - column, MIN_SUMMARY_WIDTH)
    env.out(f"{len(summaries)} scenarios (open one with --spec NAME):")
    env.out("")
    for label, (_, description) in zip(names, summaries, strict=True):
        lines = textwrap.wrap(description, width, break_on_hyphens=False) or [""]
        first = f"  {label}"
        if len(first) + 2 > column:
            env.out(first)
            first = ""
        env.out(first.ljust(column) + lines[0])
        for line in lines[1:]:
            env.out(" " * column + line)
    return ExitCode.OK
