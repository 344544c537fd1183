"""The CLI edge: the typer app, `run` (does the work, returns an exit code) and `main` (exits).

`run(argv, stdout, stderr)` is what tests call: it never exits the process and never lets a
traceback out. Bad input (a spec with errors, an unknown name, a usage error) is reported
plainly with exit code 2; anything else is a bug in netpath and says so (exit 70).

Start-up time matters (`netpath trace` is run in loops and in CI): this module imports typer and
the small command modules only; rich, json, yaml, the loader and the engine are imported by the
commands that use them.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TextIO, cast

import typer

from netpath import __version__
from netpath.cli import capacity, check, drill, matrix, scenarios, schema, show, trace
from netpath.cli.env import Environment, ExitCode, environment

if TYPE_CHECKING:
    from netpath.engine.errors import QueryError
    from netpath.load.errors import SpecErrors

try:  # typer >= 0.20 vendors click; older releases depend on click itself
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover - depends on the installed typer
    from click import exceptions as click_exceptions  # type: ignore[no-redef,unused-ignore]

DEBUG_VARIABLE = "NETPATH_DEBUG"
COMPLETION_VARIABLE = "_NETPATH_COMPLETE"  # click's, for shell completion

_SETTINGS: dict[str, Any] = dict(
    name="netpath",
    help="Explains how a packet travels through AWS and Kubernetes networking, hop by hop: route "
    "tables, security groups, network ACLs, NAT and gateways, Services, kube-proxy and "
    "NetworkPolicies, with the rule that decided each step.",
    epilog="Start with: netpath trace node-1 api.example.com --port 443 "
    "(the embedded three-tier scenario), then netpath show, then --spec your.yaml.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # run() reports failures itself, without a traceback
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(ctx: typer.Context, value: bool) -> None:
    if value:
        environment(ctx).out(f"netpath {__version__}")
        raise typer.Exit()


def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True,
                     help="Print the version and exit."),
    ] = False,
) -> None:
    """Explains how a packet travels through AWS and Kubernetes networking, hop by hop."""


def _lines(epilog: str) -> str:
    """Keep an epilog's layout under typer's rich help, which joins single newlines into one
    paragraph and makes a blank line a line break: indented lines (examples) stay lines, blank
    lines stay, and the wrapped lines of a sentence are joined for rich to wrap at its width."""
    paragraphs: list[str] = []
    joinable = False
    for line in epilog.strip("\n").split("\n"):
        if joinable and line.strip() and not line.startswith(" "):
            paragraphs[-1] += " " + line.strip()
            continue
        paragraphs.append(line.rstrip())
        joinable = bool(line.strip()) and not line.startswith(" ")
    return "\n\n".join(paragraphs)


# Every command: its function, help and epilog. `netpath COMMAND ...` builds only its own.
COMMANDS: dict[str, tuple[Callable[..., Any], str, str]] = {
    "trace": (trace.trace_command, trace.HELP, trace.EPILOG),
    "show": (show.show_command, show.HELP, show.EPILOG),
    "schema": (schema.schema_command, schema.HELP, schema.EPILOG),
    "capacity": (capacity.capacity_command, capacity.HELP, capacity.EPILOG),
    "matrix": (matrix.matrix_command, matrix.HELP, matrix.EPILOG),
    "scenarios": (scenarios.scenarios_command, scenarios.HELP, scenarios.EPILOG),
    "check": (check.check_command, check.HELP, check.EPILOG),
    "drill": (drill.drill_command, drill.HELP, drill.EPILOG),
}


def build_app(only: str | None = None) -> typer.Typer:
    """The typer app with every command, or with the one named `only`. Turning a command's
    signature into click parameters takes about a millisecond a command, at every start; a
    run needs one, unless it asks for the list (`netpath --help`, a mistyped name)."""
    built = typer.Typer(**_SETTINGS)
    built.callback()(_root)
    for name, (function, text, epilog) in COMMANDS.items():
        if only is None or name == only:
            built.command(name, help=text, epilog=_lines(epilog))(function)
    return built


app = build_app()


def _app_for(argv: Sequence[str]) -> typer.Typer:
    """Only the command the line names; the whole app for anything else, and while a shell
    asks for completions (which come from every command)."""
    named = argv[0] if argv else None
    if named in COMMANDS and not any(k.startswith(COMPLETION_VARIABLE) for k in os.environ):
        return build_app(named)
    return app


def run(
    argv: Sequence[str],
    stdout: TextIO,
    stderr: TextIO,
    *,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run one netpath command line and return its exit code. `stdin` is where commands that
    read input (`netpath drill`'s answers) read it; None: there is nothing to read."""
    env = Environment.from_streams(stdout, stderr, environ, cwd, stdin)
    command = typer.main.get_command(_app_for(argv))
    try:
        with _process_streams(env):
            result = command.main(
                args=list(argv), prog_name="netpath", standalone_mode=False, obj=env
            )
    except click_exceptions.ClickException as exc:
        # Usage errors (exit 2 in click too) and the rest (click's own exit 1 would read as
        # "blocked" here): all bad input. Shown plainly, with the usage line.
        _show_usage_error(exc, env)
        return ExitCode.BAD_INPUT
    except typer.Abort:
        env.err("aborted")
        return ExitCode.INTERRUPTED
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except SystemExit as exc:  # shell completion exits by itself inside typer
        return exc.code if isinstance(exc.code, int) else ExitCode.OK
    except BrokenPipeError:
        raise  # the reader went away: main() handles it, it is no bug of ours
    except Exception as exc:
        return _report_failure(exc, env)
    return int(result) if isinstance(result, int) else ExitCode.OK


def _show_usage_error(exc: click_exceptions.ClickException, env: Environment) -> None:
    """Click's message, each line escaped: it quotes what was typed (`No such option: --x`)
    as it is, and a command line can carry control characters too."""
    from netpath.model.visible import visible

    text = io.StringIO()
    exc.show(file=text)
    for line in text.getvalue().splitlines():
        env.err(visible(line))


@contextlib.contextmanager
def _process_streams(env: Environment) -> Iterator[None]:
    """Typer writes help, completion scripts and `--version`-style output straight to
    sys.stdout and sys.stderr; point those at the environment's streams while we run."""
    with contextlib.redirect_stdout(env.stdout), contextlib.redirect_stderr(env.stderr):
        yield


def _loaded_class(module: str, name: str) -> type | None:
    # An exception can only be an instance of a class whose module was imported, so the error
    # path looks in sys.modules instead of importing the loader or the engine just to compare.
    found = getattr(sys.modules.get(module), name, None)
    return found if isinstance(found, type) else None


def _report_failure(exc: Exception, env: Environment) -> int:
    spec_errors = _loaded_class("netpath.load.errors", "SpecErrors")
    query_error = _loaded_class("netpath.engine.errors", "QueryError")
    if spec_errors is not None and isinstance(exc, spec_errors):
        from netpath.render.errors import spec_error_lines

        for line in spec_error_lines(cast("SpecErrors", exc).errors):
            env.err(line)
        return ExitCode.BAD_INPUT
    if query_error is not None and isinstance(exc, query_error):
        from netpath.render.errors import query_error_line

        query = cast("QueryError", exc)
        env.err(query_error_line(query.message, query.hint))
        return ExitCode.BAD_INPUT
    from netpath.render.errors import internal_error_lines

    if env.environ.get(DEBUG_VARIABLE):
        from netpath.model.visible import visible

        for line in "".join(traceback.format_exception(exc)).splitlines():
            env.err(visible(line))
    for line in internal_error_lines(exc, debug_variable=DEBUG_VARIABLE):
        env.err(line)
    return ExitCode.INTERNAL


def _tolerant(stream: TextIO) -> None:
    """Write what the stream's encoding cannot carry as escapes (`caf\\xe9` on an ASCII or
    cp1252 console, a file name that is not UTF-8) instead of failing in the middle of the
    output with UnicodeEncodeError."""
    if isinstance(stream, io.TextIOWrapper):
        with contextlib.suppress(ValueError, OSError):  # closed, or cannot be reconfigured
            stream.reconfigure(errors="backslashreplace")


def main() -> NoReturn:
    """The console script: run with the process's streams, then exit with the code."""
    _tolerant(sys.stdout)
    _tolerant(sys.stderr)
    try:
        code = run(sys.argv[1:], sys.stdout, sys.stderr, stdin=sys.stdin)
        sys.stdout.flush()
    except BrokenPipeError:
        # `netpath trace ... | head`: the reader left. Silence the interpreter's final flush.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 141  # 128 + SIGPIPE, as a shell reports it
    sys.exit(code)
