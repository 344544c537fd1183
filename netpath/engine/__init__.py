"""The path engine: pure functions from (network, query) to a trace.

No printing, no file access, no global state. `prepare` builds the indexes once per model;
`trace` walks one query.
"""

from netpath.engine.network import Network, prepare
from netpath.engine.tracer import trace

__all__ = ["Network", "prepare", "trace"]
