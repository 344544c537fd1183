"""Names: the did-you-mean hint for a name that does not exist.

Neutral ground: the loader, the engine, `netpath check` and `netpath drill` all suggest names,
and none of them should import another layer to do it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable

_CLOSEST = 6  # near names weighed before giving up (each one `accept` may refuse)


def did_you_mean(name: str, candidates: Iterable[str],
                 accept: Callable[[str], bool] | None = None, cutoff: float = 0.6) -> str | None:
    """`did you mean 'nat-a'?` when a near name exists, else None.

    Never the name itself (it was typed, and refused), and, with `accept`, only a name that
    `accept` takes: a suggestion must work when it is typed back. `cutoff` is difflib's
    similarity (0 to 1) a near name needs.
    """
    pool = sorted(set(candidates) - {name})
    close = difflib.get_close_matches(name, pool, n=_CLOSEST, cutoff=cutoff)
    lowered = name.lower()
    close += [c for c in pool if c.lower() == lowered and c not in close]  # a case slip
    for suggestion in close:
        if accept is None or accept(suggestion):
            return f"did you mean {suggestion!r}?"
    return None
