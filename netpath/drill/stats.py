"""Progress per topic, kept between drills in the user's data directory.

The file is `$XDG_DATA_HOME/netpath/drill-stats.json` (else `$HOME/.local/share/netpath/...`),
looked up in the environment the CLI was given, never in `os.environ` directly, so tests point
it at a temporary directory. Without either variable no progress is kept (and nothing is
written anywhere a test did not choose).

The file is small JSON (a few hundred bytes; more than MAX_BYTES is refused). A drill reads
it without a lock at the start (to weigh the topics: the file is only ever replaced whole, so a
reader sees an old file or a new one), and records its answers at the end, never while it
waits for an answer: under an exclusive lock on `drill-stats.json.lock` beside it
(`netpath.drill.files.locked`) it re-reads the file, adds the session, writes a temporary file
in the same directory, fsyncs it and `os.replace`s the file with it. So drills that finish at
once all count, and a crash leaves the old file or the new one.

A file that cannot be used as stats never stops a drill and is never deleted: invalid JSON or
UTF-8, JSON nested too deeply, the wrong shape or types, too large, or no regular file at all
(a directory, a FIFO, a device, a symbolic link loop or to nothing, a file we may not read).
The drill that records next moves it aside as `drill-stats.json.bad-<UTC time>`, says so in
one line, and starts afresh; when it cannot be moved, progress is not saved that time.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from netpath.drill.files import BadFile, LockTimeout, locked, read_regular
from netpath.drill.model import TOPICS

FILE_NAME = "drill-stats.json"
FORMAT_KEY = "netpath-drill-stats"
FORMAT_VERSION = 1
RECENT = 10  # answers per topic that the weighting looks at: what you miss *now* counts
MAX_BYTES = 1 << 20  # a real file is well under 1 KiB
LOCK_SUFFIX = ".lock"
BAD_SUFFIX = ".bad-"  # + the UTC time the file was moved aside


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
    corrupt: bool = False  # the file itself is bad: the next drill moves it aside, starts afresh


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
    """The stats in `path`; no file is no progress yet, a bad file is a problem to report.
    Never blocks (a FIFO), never reads more than MAX_BYTES, never raises for what is there."""
    try:
        raw = read_regular(path, MAX_BYTES)
    except FileNotFoundError:
        return Loaded(Stats())
    except BadFile as exc:
        return Loaded(Stats(), f"{str(path)!r} {exc.reason}", corrupt=True)
    except OSError as exc:
        return Loaded(Stats(), f"cannot read {str(path)!r}: {_reason(exc)}")
    try:  # UnicodeDecodeError is a ValueError
        return Loaded(_parse(json.loads(raw.decode("utf-8"))))
    except RecursionError:
        return Loaded(Stats(), f"{str(path)!r} is not a drill stats file (JSON nested too "
                      "deeply)", corrupt=True)
    except (ValueError, TypeError) as exc:
        return Loaded(Stats(), f"{str(path)!r} is not a drill stats file ({_reason(exc)})",
                      corrupt=True)


def _reason(exc: Exception) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)


def _parse(data: object) -> Stats:
    """The stats in a parsed file, every field the code reads checked with its type; raises
    ValueError or TypeError saying what is wrong."""
    if not isinstance(data, dict) or not _is_version(data.get(FORMAT_KEY)):
        raise ValueError(f"expected an object with {FORMAT_KEY!r}: {FORMAT_VERSION}")
    topics = _field(data, "topics", "the file")
    if not isinstance(topics, dict):
        raise TypeError(f"'topics' is not an object: {_short(topics)}")
    return Stats(_count(_field(data, "sessions", "the file"), "sessions"),
                 {name: _parse_topic(name, entry) for name, entry in topics.items()})


def _is_version(value: object) -> bool:
    return type(value) is int and value == FORMAT_VERSION  # not true, not 1.0


def _parse_topic(name: str, entry: object) -> TopicProgress:
    if not isinstance(entry, dict):
        raise TypeError(f"topic {name!r} is not an object: {_short(entry)}")
    recent = entry.get("recent", [])
    last = entry.get("last")
    if not isinstance(recent, list) or not all(isinstance(r, bool) for r in recent):
        raise TypeError(f"topic {name!r}: 'recent' is not a list of true/false")
    if last is not None and not isinstance(last, str):
        raise TypeError(f"topic {name!r}: 'last' is not a date: {_short(last)}")
    asked = _count(_field(entry, "asked", f"topic {name!r}"), f"{name}.asked")
    correct = _count(_field(entry, "correct", f"topic {name!r}"), f"{name}.correct")
    if correct > asked:
        raise ValueError(f"topic {name!r}: more correct answers ({correct}) than asked ({asked})")
    return TopicProgress(asked, correct, tuple(recent[-RECENT:]), last)


def _field(data: dict[str, object], key: str, where: str) -> object:
    if key not in data:
        raise ValueError(f"{where} has no {key!r}")
    return data[key]


def _count(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError(f"{what} is not a count: {_short(value)}")
    return value


def _short(value: object) -> str:
    """A value in a message: its JSON, cut short (a hand-edited file may hold anything)."""
    try:
        text = json.dumps(value)
    except (ValueError, RecursionError):  # too deep for json.dumps, or a huge int
        return type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


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
    """Write atomically: readers see the old file or the new one, never half of one
    (record_session calls this under the lock). Raises OSError (the caller reports it)."""
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


def record_session(path: Path, answers: Iterable[tuple[str, bool]], today: str,
                   now: datetime.datetime | None = None) -> list[str]:
    """Add one drill to the file at `path` under its lock (re-read, add, replace); returns
    what to report in one line (a bad file moved aside, progress that could not be saved),
    [] when all went well. `now` names a bad file moved aside (default: the UTC time).
    Never raises OSError, never waits for the lock longer than `files.LOCK_WAIT`."""
    lock = path.with_name(path.name + LOCK_SUFFIX)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        return [f"progress not saved: {str(path.parent)!r} is not a directory"]
    except OSError as exc:
        return [f"progress not saved: cannot make the directory {str(path.parent)!r}: "
                f"{_reason(exc)}"]
    try:
        with locked(lock):
            return _record_locked(path, answers, today, now)
    except LockTimeout as exc:
        return [f"progress not saved: {exc}"]
    except BadFile as exc:
        return [f"progress not saved: the lock file {str(lock)!r} {exc.reason}"]
    except OSError as exc:
        return [f"progress not saved: cannot lock {str(lock)!r}: {_reason(exc)}"]


def _record_locked(path: Path, answers: Iterable[tuple[str, bool]], today: str,
                   now: datetime.datetime | None) -> list[str]:
    loaded = load(path)
    note = ""
    if loaded.problem is not None and not loaded.corrupt:
        return [f"progress not saved: {loaded.problem}"]  # not the file's fault: leave it
    if loaded.problem is not None:
        try:
            kept = keep_aside(path, now or datetime.datetime.now(datetime.UTC))
        except OSError as exc:
            return [f"progress not saved: {loaded.problem}, and it cannot be moved aside: "
                    f"{_reason(exc)}"]
        note = (f"earlier progress not used: {loaded.problem}; kept it as {str(kept)!r} and "
                "started afresh")
    try:
        save(path, add_session(loaded.stats, answers, today))
    except OSError as exc:
        failure = f"progress not saved: cannot write {str(path)!r}: {_reason(exc)}"
        return [f"{note}; {failure}" if note else failure]
    return [note] if note else []


def keep_aside(path: Path, now: datetime.datetime) -> Path:
    """Move the bad file (or directory, FIFO, symbolic link: whatever is there) at `path` to
    `<name>.bad-<UTC time>`, never over another one; the new name. Raises OSError."""
    stamp = now.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    for n in range(1, 100):
        kept = path.with_name(f"{path.name}{BAD_SUFFIX}{stamp}{'' if n == 1 else f'-{n}'}")
        if not os.path.lexists(kept):  # under the lock: no other drill takes the name
            os.rename(path, kept)
            return kept
    raise FileExistsError(errno.EEXIST, f"too many {path.name}{BAD_SUFFIX}{stamp}* files")


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
