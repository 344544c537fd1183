"""Renderers: turn traces, models and errors into text, JSON and Mermaid.

Renderers never compute anything about the network: they format what the engine decided. The
engine speaks in spec paths; a Locator (`netpath.load.source`) turns a path into `file:line:col`
at render time (see docs: the source map is consulted only here). This package imports no rich
at import time; each renderer module imports what it needs.
"""
