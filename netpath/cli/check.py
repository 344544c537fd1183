"""`netpath check [EXPECTATIONS ...]`: run expectations and lint rules, for CI.

Like every command, only typer is imported at module level. Bad expectations (and unknown rule
ids) are reported located, all at once, with exit code 2; a spec with errors is raised to the CLI
edge, which does the same.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from netpath.cli.env import (
    NAMESPACE_HELP,
    SPEC_HELP,
    Environment,
    ExitCode,
    environment,
    namespace_option,
    open_spec,
)
from netpath.load import collector

if TYPE_CHECKING:
    from netpath.checks.report import Report
    from netpath.load.source import SourceMap
    from netpath.sources.loader import LoadedSpec


class Format(StrEnum):
    text = "text"
    json = "json"
    junit = "junit"
    sarif = "sarif"
    github = "github"


HELP = (
    "Check the spec in CI: run every expectation (what must or must not reach what) and every "
    "lint rule.\n\n"
    "Expectations come from the EXPECTATIONS files, else from ./netpath-expect.yaml beside the "
    "spec, and from the spec's own `expect:` section (docs/check.md; their schema: netpath "
    "schema --expectations). A failed expectation shows the trace step that explains it."
)
EPILOG = """\
Examples:
  netpath check                     (./netpath-expect.yaml beside the spec)
  netpath check --spec prod/ intent.yaml --format sarif > netpath.sarif
  netpath check --format junit --strict > netpath-junit.xml
  netpath check --ignore NP004 --format github
  netpath check --spec rendered.yaml -n shop   (helm template or kustomize build output)

Exit codes: 0 every expectation holds and no lint finding is an error, 1 otherwise (--strict:
warnings too), 2 bad input (spec or expectations errors, an unknown rule id).
"""


def check_command(
    ctx: typer.Context,
    expectations: Annotated[
        list[str] | None,
        typer.Argument(metavar="EXPECTATIONS...", show_default=False,
                       help="Expectations files (YAML, `netpath-expect: 1`). Default: "
                       "netpath-expect.yaml beside the spec, when there is one."),
    ] = None,
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
                     help="text for people; json for scripts; junit, sarif or github for CI "
                     "(test reports, code scanning, workflow annotations)."),
    ] = Format.text,
    ignore: Annotated[
        list[str] | None,
        typer.Option("--ignore", metavar="ID", show_default=False,
                     help="A lint rule to leave out, by id or name (repeat it, or separate "
                     "ids with commas); added to the expectations' `ignore:`."),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Warnings fail the check too (exit code 1).")
    ] = False,
) -> int:
    """`netpath check` (help text: HELP)."""
    env = environment(ctx)
    ids = [part.strip() for text in ignore or () for part in text.split(",") if part.strip()]
    with collector.paused():
        return _check(env, expectations or [], spec, output, ids, strict, namespace)


def _check(env: Environment, expectations: list[str], spec: str | None, output: Format,
           ids: list[str], strict: bool, namespace: str = "default") -> int:
    from netpath.sources.loader import resolve_spec_path

    spec_path, _ = resolve_spec_path(spec, env.environ, env.cwd)
    loaded = open_spec(env, spec, namespace)
    files = ([(Path(f), f) for f in expectations] if expectations
             else default_files(spec_path, loaded))

    from netpath.checks.expectations import load_expectations
    from netpath.checks.runner import run_check
    from netpath.load.errors import SpecErrors
    from netpath.load.files import max_spec_bytes
    from netpath.load.source import make_locator

    try:
        found, source_map, errors = load_expectations(files, loaded.expect,
                                                      loaded.source_map,
                                                      limit=max_spec_bytes(env.environ))
        report = run_check(loaded.model, source_map, found, ids,
                           locate=make_locator(source_map), errors=errors)
    except SpecErrors as exc:
        from netpath.render.errors import spec_error_lines

        lines = spec_error_lines(exc.errors)
        count = len(exc.errors)
        lines[-1] = f"{count} error{'' if count == 1 else 's'} in the expectations"
        for line in lines:
            env.err(line)
        return ExitCode.BAD_INPUT
    _render(env, output, report, source_map, strict)
    return ExitCode.BLOCKED if report.failed(strict=strict) else ExitCode.OK


def default_files(spec_path: Path | None, loaded: LoadedSpec) -> list[tuple[Path, str]]:
    """netpath-expect.yaml beside a spec file, inside (else beside) a spec directory, or in a
    library scenario's folder; [] when there is none."""
    from netpath.checks.expectations import DEFAULT_FILE

    if loaded.scenario is not None:
        from importlib import resources

        folder = resources.files("netpath") / "scenarios" / loaded.scenario
        candidate = Path(str(folder)) / DEFAULT_FILE
        display = f"scenarios/{loaded.scenario}/{DEFAULT_FILE}"
    elif spec_path is not None:
        # A spec directory holds its expectations file (the loader skips it); a spec file has
        # it beside itself.
        folder = spec_path if spec_path.is_dir() else spec_path.parent
        candidate = folder / DEFAULT_FILE
        if spec_path.is_dir() and not os.path.lexists(candidate):
            candidate = spec_path.parent / DEFAULT_FILE
        display = str(candidate)
    else:
        return []
    # Whatever is there by that name is read: a dangling link, a folder or a FIFO is an error
    # (the reader says what it is), never "no expectations" and a green build.
    return [(candidate, display)] if os.path.lexists(candidate) else []


def _render(env: Environment, output: Format, report: Report, source_map: SourceMap,
            strict: bool) -> None:
    if output is Format.json:
        from netpath.render.check.json_doc import render_check_json

        env.stdout.write(render_check_json(report, source_map, strict=strict))
    elif output is Format.junit:
        from netpath.render.check.junit import render_junit

        env.stdout.write(render_junit(report, source_map, strict=strict))
    elif output is Format.sarif:
        from netpath.render.check.sarif import render_sarif

        env.stdout.write(render_sarif(report, source_map, cwd=env.cwd))
    elif output is Format.github:
        from netpath.render.check.github import render_github

        env.stdout.write(render_github(report, source_map, strict=strict))
    else:
        from netpath.render.check.text import render_check_text

        render_check_text(report, env.console(), source_map, strict=strict)
