"""Pausing Python's cyclic garbage collector while netpath builds what it keeps.

Loading a spec, preparing it and tracing thousands of queries allocate millions of small
objects that all stay alive until the end; on Python 3.11 they set off repeated full
collections that scan all of them for nothing (measured: three quarters of a 10 MB spec's load,
4 of 12 seconds of a check with 10,000 expectations). Nothing built there forms a cycle that
needs collecting meanwhile (a recursive YAML alias is refused, and its nodes are collected once
the collector is back on); reference counting still frees everything else as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The collector off for the block, then back as it was (pauses nest)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
