"""Names: the did-you-mean hint for a name that does not exist.

Neutral ground: the loader, the engine, `netpath check` and `netpath drill` all suggest names,
and none of them should import another layer to do it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """`did you mean 'nat-a'?` when a near name exists, else None."""
    pool = sorted(set(candidates))
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in pool}
        if name.lower() in lowered:
            close = [lowered[name.lower()]]
    return f"did you mean {close[0]!r}?" if close else None
