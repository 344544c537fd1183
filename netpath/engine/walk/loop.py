"""The walking loop: hold the position, ask its handler what happens, move on.

The loop stops when a handler stops the packet (delivered, blocked, or a reply with nothing
more to say), or when the packet comes back to a position it already held: a forwarding loop
(route tables and transit gateway route tables report one by name as soon as a destination
comes back to them; the loop catches any other, once a walk is longer than any real path).
`MAX_STEPS` bounds a walk whatever the handlers do.
"""

from __future__ import annotations

from collections.abc import Mapping

from netpath.engine import fixes
from netpath.engine.walk.position import COMPONENT_AT, At, Stop, Walk, Where, cluster_at
from netpath.engine.walk.table import HANDLERS, Handler
from netpath.model.vocabulary import Code

MAX_STEPS = 512  # far beyond any real path (the longest traces take about 40 positions)
# Positions are remembered only past this many steps: hashing each one (its packet, its flow)
# would cost every trace a fifth of its time, and a real path never gets this long, so a
# packet still walking by then is going round a loop, which the next round shows.
WATCH_AFTER = 64


def walk(w: Walk, start: At[object], handlers: Mapping[Where, Handler] = HANDLERS) -> Walk:
    """Walk the packet from `start` until it stops; the hops and the outcome are on `w`.
    `handlers` is the table of `table.py` (a test may give another)."""
    at: At[object] = start
    seen: set[At[object]] = set()
    for steps in range(MAX_STEPS):
        if steps >= WATCH_AFTER:
            if at in seen:
                _loop(w, at)
                return w
            seen.add(at)
        cluster = cluster_at(w.net, at)
        if cluster is not None:
            w.ctx.clusters.add(cluster)
        following = handlers[at.where](w, at)
        if isinstance(following, Stop):
            return w
        at = following
    _loop(w, at)
    return w


def _loop(w: Walk, at: At[object]) -> None:
    name = str(at.subject) if at.subject is not None else str(at.where)
    place = f"{at.where} {name}"
    w.block(Code.ROUTING_LOOP, COMPONENT_AT[at.where], name,
            f"{at.packet.dst_ip} comes back to {place}, where it already was: a forwarding "
            "loop", fixes.routing_loop(place, at.packet), at.packet)
