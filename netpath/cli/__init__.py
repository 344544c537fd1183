"""The command line: `netpath.cli.app` holds the typer app, `run` and `main`; one module per
command (`trace`, `show`, `schema`); `env` holds the Environment and the exit codes.

Kept empty of imports on purpose: importing the package must cost nothing.
"""
