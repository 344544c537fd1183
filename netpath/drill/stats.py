"""Progress per topic, kept between drills in the user's data directory.

The file is `$XDG_DATA_HOME/netpath/drill-stats.json` (else `$HOME/.local/share/netpath/...`),
looked up in the environment the CLI was given, never in `os.environ` directly, so tests point
it at a temporary directory. Without either variable no progress is kept (and nothing is
written anywhere a test did not choose).

The file is small JSON, rewritten whole and atomically (a temporary file beside it, then
`os.replace`), re-read just before each write so that two drills finishing at once both count.
A file that cannot be read as stats is reported, kept beside the new one as `*.corrupt`, and
replaced: a drill never fails on its progress file.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from netpath.drill.model import TOPICS
from netpath.load.reading import read_bytes

FILE_NAME = "drill-stats.json"
FORMAT_KEY = "netpath-drill-stats"
FORMAT_VERSION = 1
MAX_BYTES = 1024 * 1024  # a progress file is a few kilobytes; no more than this is read
RECENT = 10  # answers per topic that the weighting looks at: what you miss *now* counts


@dataclass(frozen=True)
class TopicProgress:
    asked: int = 0  # answered questions (unanswered ones are not progress either way)
    correct: int = 0
    recent: tuple[bool, ...] = ()  # the last RECENT answers, oldest first
    last: str | None = None  # ISO date of the last drill on this topic

    @property
    def missed(self) -> int:
        return self.asked - self.correct


@dataclass(frozen=True)
class Stats:
    sessions: int = 0
    topics: Mapping[str, TopicProgress] = field(default_factory=dict)


@dataclass(frozen=True)
class Loaded:
    stats: Stats
    problem: str | None = None  # why the file could not be used
    corrupt: bool = False  # the file is there but holds no stats: the next drill replaces it


def stats_path(environ: Mapping[str, str]) -> Path | None:
    """Where progress is kept, or None when neither XDG_DATA_HOME nor HOME is set.

    XDG_DATA_HOME counts only when absolute, as the XDG Base Directory spec says."""
    data_home = environ.get("XDG_DATA_HOME", "")
    if data_home and os.path.isabs(data_home):
        return Path(data_home) / "netpath" / FILE_NAME
    home = environ.get("HOME", "")
    if home:
        return Path(home) / ".local" / "share" / "netpath" / FILE_NAME
    return None


def load(path: Path) -> Loaded:
    """The stats in `path`; no file is no progress yet, a bad file is a problem to report."""
    try:
        # Through the one bounded reader: a FIFO, /dev/zero or an 8 GB file is a problem to
        # report, never a drill that hangs or eats the memory.
        raw = read_bytes(path, MAX_BYTES)
    except FileNotFoundError:
        return Loaded(Stats())
    except OSError as exc:
        return Loaded(Stats(), f"cannot read {str(path)!r}: {_reason(exc)}")
    try:  # UnicodeDecodeError is a ValueError
        return Loaded(_parse(json.loads(raw.decode("utf-8"))))
    except (ValueError, TypeError, KeyError) as exc:
        return Loaded(Stats(), f"{str(path)!r} is not a drill stats file ({_reason(exc)})",
                      corrupt=True)


def _reason(exc: Exception) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


def _parse(data: object) -> Stats:
    if not isinstance(data, dict) or data.get(FORMAT_KEY) != FORMAT_VERSION:
        raise ValueError(f"expected an object with {FORMAT_KEY!r}: {FORMAT_VERSION}")
    topics = data["topics"]
    if not isinstance(topics, dict):
        raise TypeError("'topics' is not an object")
    return Stats(_count(data["sessions"], "sessions"),
                 {str(name): _parse_topic(name, entry) for name, entry in topics.items()})


def _parse_topic(name: str, entry: object) -> TopicProgress:
    if not isinstance(entry, dict):
        raise TypeError(f"topic {name!r} is not an object")
    recent = entry.get("recent", [])
    last = entry.get("last")
    if not isinstance(recent, list) or not all(isinstance(r, bool) for r in recent):
        raise TypeError(f"topic {name!r}: 'recent' is not a list of true/false")
    if last is not None and not isinstance(last, str):
        raise TypeError(f"topic {name!r}: 'last' is not a date")
    asked = _count(entry["asked"], f"{name}.asked")
    correct = _count(entry["correct"], f"{name}.correct")
    if correct > asked:
        raise ValueError(f"topic {name!r}: more correct answers ({correct}) than asked ({asked})")
    return TopicProgress(asked, correct, tuple(recent[-RECENT:]), last)


def _count(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError(f"{what} is not a count: {value!r}")
    return value


def dump(stats: Stats) -> str:
    topics = {
        name: {"asked": p.asked, "correct": p.correct, "recent": list(p.recent), "last": p.last}
        for name, p in sorted(stats.topics.items())
    }
    doc = {FORMAT_KEY: FORMAT_VERSION, "sessions": stats.sessions, "topics": topics}
    return json.dumps(doc, indent=2) + "\n"


def add_session(stats: Stats, answers: Iterable[tuple[str, bool]], today: str) -> Stats:
    """`stats` plus one drill: its (topic, correct) answers, on the day `today`."""
    topics = dict(stats.topics)
    for topic, correct in answers:
        p = topics.get(topic, TopicProgress())
        topics[topic] = TopicProgress(p.asked + 1, p.correct + int(correct),
                                      (*p.recent, correct)[-RECENT:], today)
    return replace(stats, sessions=stats.sessions + 1, topics=topics)


def save(path: Path, stats: Stats) -> None:
    """Write atomically: readers see the old file or the new one, never half of one.
    Raises OSError (the caller reports it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(dump(stats))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def record_session(path: Path, answers: Iterable[tuple[str, bool]], today: str) -> list[str]:
    """Add one drill to the file at `path`; returns what to report (a corrupt file set aside,
    a file that cannot be read or written), [] when all went well. Never raises OSError."""
    notes: list[str] = []
    loaded = load(path)
    if loaded.problem is not None and not loaded.corrupt:
        return [f"progress not saved: {loaded.problem}"]  # not ours to overwrite blindly
    if loaded.problem is not None:
        kept = path.with_name(path.name + ".corrupt")
        try:
            os.replace(path, kept)
            notes.append(f"{loaded.problem}: kept as {str(kept)!r}, starting afresh")
        except OSError:
            notes.append(f"{loaded.problem}: starting afresh")
    try:
        save(path, add_session(loaded.stats, answers, today))
    except OSError as exc:
        notes.append(f"progress not saved: cannot write {str(path)!r}: {_reason(exc)}")
    return notes


def weights(stats: Stats) -> dict[str, float]:
    """How much each topic should come back: its recent miss rate, smoothed so that a topic
    never asked weighs 0.5 and one answered right every time still comes back now and then."""
    out = {}
    for topic in TOPICS:
        recent = stats.topics.get(topic, TopicProgress()).recent
        out[topic] = (recent.count(False) + 1) / (len(recent) + 2)
    return out


def to_practise(stats: Stats) -> tuple[str, ...]:
    """Topics missed lately, the most missed first."""
    weight = weights(stats)
    missed = [t for t, p in stats.topics.items() if False in p.recent and t in weight]
    return tuple(sorted(missed, key=lambda t: (-weight[t], TOPICS.index(t))))
