"""What a command needs from its surroundings: streams, terminal facts, environment, exit codes.

Every command reads the Environment instead of `sys`, `os.environ` or the current directory, so
that tests run the whole CLI in-process with their own streams and variables. Nothing here
imports rich at module level: `netpath --version` must not pay for it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    import typer
    from rich.console import Console

    from netpath.sources.loader import LoadedSpec

SPEC_HELP = (
    "The spec: a YAML file or a directory of them, or Kubernetes manifests (YAML or JSON, a "
    "kubectl dump); - reads standard input. Default: $NETPATH_SPEC, else ./netpath.yaml, else "
    "the embedded three-tier scenario."
)
NAMESPACE_HELP = (
    "The namespace for objects without one (default: default), as kubectl apply -n: "
    "Helm and kustomize output often leaves it out."
)
DEFAULT_NOTE = (
    "note: no spec given: using the embedded default scenario (three-tier); see --spec"
)


DEFAULT_WIDTH = 80


class ExitCode(IntEnum):
    OK = 0
    BLOCKED = 1  # the trace is blocked (later also: a check failed)
    BAD_INPUT = 2  # a bad spec, an unknown name, or a usage error
    INTERNAL = 70  # a bug in netpath (EX_SOFTWARE from sysexits.h)
    INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or exotic streams
        return False


def _flag(environ: Mapping[str, str], name: str) -> bool:
    # NO_COLOR and FORCE_COLOR count when present and not empty (https://no-color.org).
    return environ.get(name, "") != ""


# Wider than any screen; a larger COLUMNS (a typo, or a hostile CI setting) is ignored rather
# than making every rule and table line that long.
MAX_WIDTH = 10_000


def _width(environ: Mapping[str, str], stream: TextIO, is_tty: bool) -> int:
    """COLUMNS, else the terminal's width, else 80 (piped output: wrap as for a classic
    terminal, so that logs and diffs stay readable). A width of 0 means unknown, not zero
    columns: some CI runners and `script` set COLUMNS=0 or report a 0x0 terminal, and rich
    prints nothing at width 0."""
    columns = environ.get("COLUMNS", "")
    if columns.isdigit() and 0 < int(columns) <= MAX_WIDTH:
        return int(columns)
    if is_tty:
        try:
            size = os.get_terminal_size(stream.fileno()).columns
        except (AttributeError, OSError, ValueError):
            size = 0
        if size > 0:
            return size
    return DEFAULT_WIDTH


@dataclass
class Environment:
    stdout: TextIO
    stderr: TextIO
    environ: Mapping[str, str] = field(default_factory=dict)
    cwd: Path = field(default_factory=Path.cwd)
    is_tty: bool = False
    colour: bool = False  # colours allowed (NO_COLOR clears it, FORCE_COLOR sets it)
    width: int = 80
    # Standard input, for the commands that read answers (`netpath drill`); None: nothing to read.
    stdin: TextIO | None = None
    stdin_is_tty: bool = False  # a person types at a terminal (else lines come from a pipe/file)
    # No `unicode` flag: rich reads the stream's encoding, and renderers ask the console
    # (`options.ascii_only`) whether to fall back to ASCII symbols and tree guides.

    @classmethod
    def from_streams(
        cls,
        stdout: TextIO,
        stderr: TextIO,
        environ: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        stdin: TextIO | None = None,
    ) -> Environment:
        environ = dict(os.environ if environ is None else environ)
        is_tty = _is_tty(stdout)
        colour = (is_tty or _flag(environ, "FORCE_COLOR")) and not _flag(environ, "NO_COLOR")
        if environ.get("TERM") == "dumb" and not _flag(environ, "FORCE_COLOR"):
            colour = False
        return cls(
            stdout=stdout,
            stderr=stderr,
            environ=environ,
            cwd=cwd if cwd is not None else Path.cwd(),
            is_tty=is_tty,
            colour=colour,
            width=_width(environ, stdout, is_tty),
            stdin=stdin,
            stdin_is_tty=stdin is not None and _is_tty(stdin),
        )

    def console(self) -> Console:
        """A rich console on stdout that follows this environment, not the process's."""
        from rich.console import Console

        return Console(
            file=self.stdout,
            width=self.width,
            # Styles (bold, dim) only on a terminal or when forced; colours only when allowed.
            force_terminal=self.is_tty or self.colour,
            no_color=not self.colour,
            color_system="auto" if (self.is_tty or self.colour) else None,
            highlight=False,
            markup=False,
            emoji=False,
            soft_wrap=False,
            legacy_windows=False,
            _environ=dict(self.environ),
        )

    def out(self, text: str) -> None:
        self.stdout.write(text if text.endswith("\n") else text + "\n")

    def err(self, text: str) -> None:
        """A message on stderr, with nothing a CI runner would execute (`inert`): error lines
        start with file names and quote what was written. The lines are made by
        `netpath.render.errors`, which escapes each one (`visible`)."""
        from netpath.model.visible import inert

        text = inert(text)
        self.stderr.write(text if text.endswith("\n") else text + "\n")


def namespace_option(value: str | None) -> str | None:
    """The --namespace value, checked as the API server checks a namespace (a DNS-1123 label):
    a usage error (exit 2) otherwise."""
    if value is None or value == "default":  # the default: valid, no need to import the rules
        return value
    from netpath.sources.kubernetes.validation import is_dns1123_label

    problems = is_dns1123_label(value)
    if problems:
        import typer

        raise typer.BadParameter(f"invalid namespace {value!r}: {problems[0]}")
    return value


def open_spec(env: Environment, option: str | None, namespace: str = "default") -> LoadedSpec:
    """Find and load the spec the way every command does: --spec, $NETPATH_SPEC,
    ./netpath.yaml, else the embedded default (with a note, so nobody mistakes it for theirs).
    `namespace` is where Kubernetes objects without one go (--namespace).

    Lives here because the lookup depends on the environment (variables and directory).
    Raises SpecErrors; the CLI edge reports them.
    """
    from netpath.sources.loader import load_spec, resolve_spec_path

    path, origin = resolve_spec_path(option, env.environ, env.cwd)
    if path is None:
        env.err(DEFAULT_NOTE)
    try:
        # stdin is read only for `--spec -`
        return load_spec(path, environ=env.environ, namespace=namespace, stdin=env.stdin)
    except Exception as exc:
        if path is not None and option is None:
            # The user did not type this path: say where it came from ($NETPATH_SPEC...).
            env.err(f"note: spec {str(path)!r} from {origin}")
        hinted = _scenario_hint(exc, path, env.cwd)
        if hinted is exc:
            raise
        raise hinted from None


def _scenario_hint(exc: Exception, path: Path | None, cwd: Path) -> Exception:
    """`--spec three-teir`: no such file, but a near scenario name; the error says which."""
    from netpath.load.errors import SpecError, SpecErrors

    if not isinstance(exc, SpecErrors) or path is None or (cwd / path).exists() or \
            len(path.parts) != 1 or len(exc.errors) != 1 or exc.errors[0].hint is not None:
        return exc
    from netpath.model.names import did_you_mean
    from netpath.sources.loader import scenario_names

    near = did_you_mean(str(path), scenario_names())
    if near is None:
        return exc
    error = exc.errors[0]
    hint = f"{near} netpath scenarios lists the scenarios"
    return SpecErrors([SpecError(error.message, error.path, error.file, error.line,
                                 error.column, hint)])


def environment(ctx: typer.Context) -> Environment:
    """The Environment that `run` handed to the command (click keeps it as `ctx.obj`).

    Falls back to the process's own streams when a command is invoked some other way (typer's
    test runner, or a caller that built the click command itself).
    """
    env = ctx.find_object(Environment)
    if env is not None:
        return env
    return Environment.from_streams(sys.stdout, sys.stderr, stdin=sys.stdin)
