"""Progress per topic: where it is kept, how it is written, what a bad file does."""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

import pytest

from netpath.drill import stats
from netpath.drill.stats import RECENT, Stats, TopicProgress


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"XDG_DATA_HOME": "/data", "HOME": "/home/u"}, "/data/netpath/drill-stats.json"),
        ({"HOME": "/home/u"}, "/home/u/.local/share/netpath/drill-stats.json"),
        # The XDG spec: a relative path is invalid and ignored.
        ({"XDG_DATA_HOME": "rel", "HOME": "/home/u"},
         "/home/u/.local/share/netpath/drill-stats.json"),
        ({"XDG_DATA_HOME": "", "HOME": "/home/u"},
         "/home/u/.local/share/netpath/drill-stats.json"),
    ],
)
def test_stats_path_follows_xdg(environ: dict[str, str], expected: str) -> None:
    assert stats.stats_path(environ) == Path(expected)


def test_no_home_no_stats() -> None:
    assert stats.stats_path({}) is None


def test_record_then_load(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "netpath" / "drill-stats.json"
    assert stats.load(path) == stats.Loaded(Stats())
    assert stats.record_session(path, [("aws", True), ("aws", False), ("eks", True)],
                                "2025-03-01") == []
    assert stats.record_session(path, [("aws", True)], "2025-03-02") == []
    loaded = stats.load(path)
    assert loaded.problem is None
    assert loaded.stats == Stats(2, {
        "aws": TopicProgress(3, 2, (True, False, True), "2025-03-02"),
        "eks": TopicProgress(1, 1, (True,), "2025-03-01"),
    })
    # Nothing but the file and its lock is left behind in the directory (no temporary files).
    assert sorted(os.listdir(path.parent)) == ["drill-stats.json", "drill-stats.json.lock"]
    assert json.loads(path.read_text())["netpath-drill-stats"] == 1


def test_recent_keeps_the_last_answers_only() -> None:
    s = stats.add_session(Stats(), [("aws", False)] * 3 + [("aws", True)] * RECENT, "d")
    progress = s.topics["aws"]
    assert (progress.asked, progress.correct, progress.missed) == (RECENT + 3, RECENT, 3)
    assert progress.recent == (True,) * RECENT


def test_weights_favour_what_was_missed_lately() -> None:
    s = stats.add_session(Stats(), [("aws", True)] * 4 + [("kubernetes", False)] * 4, "d")
    w = stats.weights(s)
    assert w == {"aws": 1 / 6, "kubernetes": 5 / 6, "eks": 0.5}
    assert stats.to_practise(s) == ("kubernetes",)
    assert stats.weights(Stats()) == {"aws": 0.5, "kubernetes": 0.5, "eks": 0.5}


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "Expecting property name"),
        ("[]", "expected an object with 'netpath-drill-stats': 1"),
        ('{"netpath-drill-stats": 2, "sessions": 1, "topics": {}}', "expected an object"),
        ('{"netpath-drill-stats": 1, "topics": {}}', "the file has no 'sessions'"),
        ('{"netpath-drill-stats": true, "sessions": 1, "topics": {}}', "expected an object"),
        ('{"netpath-drill-stats": 1.0, "sessions": 1, "topics": {}}', "expected an object"),
        ('{"netpath-drill-stats": 1, "sessions": 1}', "the file has no 'topics'"),
        ('{"netpath-drill-stats": 1, "sessions": 1, "topics": []}',
         "'topics' is not an object: []"),
        ('{"netpath-drill-stats": 1, "sessions": 1.5, "topics": {}}',
         "sessions is not a count: 1.5"),
        ('{"netpath-drill-stats": 1, "sessions": true, "topics": {}}',
         "sessions is not a count: true"),
        ('{"netpath-drill-stats": 1, "sessions": 1, "topics": {"aws": 3}}',
         "topic 'aws' is not an object: 3"),
        ('{"netpath-drill-stats": 1, "sessions": 1, "topics": {"aws": {"correct": 0}}}',
         "topic 'aws' has no 'asked'"),
        ('{"netpath-drill-stats": 1, "sessions": 1, "topics": {"aws": '
         '{"asked": 1, "correct": "1"}}}', "aws.correct is not a count: \"1\""),
        ('{"netpath-drill-stats": 1, "sessions": 1, "topics": {"aws": '
         '{"asked": 1, "correct": 1, "recent": true}}}', "'recent' is not a list of true/false"),
        ('{"netpath-drill-stats": 1, "sessions": 1, "topics": {"aws": '
         '{"asked": 1, "correct": 1, "last": ["x"]}}}', "'last' is not a date: [\"x\"]"),
        ('{"netpath-drill-stats": 1, "sessions": ' + "9" * 5000 + ', "topics": {}}',
         "Exceeds the limit (4300 digits)"),
        ("[" * 100_000 + "]" * 100_000, "JSON nested too deeply"),
        ('{"a": ' * 5_000 + "1" + "}" * 5_000, "JSON nested too deeply"),
        ('{"netpath-drill-stats": 1, "sessions": -1, "topics": {}}',
         "sessions is not a count: -1"),
        ('{"netpath-drill-stats": 1, "sessions": 1, "topics": {"aws": '
         '{"asked": 1, "correct": 2}}}', "more correct answers (2) than asked (1)"),
        ('{"netpath-drill-stats": 1, "sessions": 1, "topics": {"aws": '
         '{"asked": 1, "correct": 1, "recent": [1]}}}', "'recent' is not a list of true/false"),
    ],
)
def test_a_bad_file_is_a_problem_not_a_traceback(tmp_path: Path, content: str,
                                                 reason: str) -> None:
    path = tmp_path / "drill-stats.json"
    path.write_text(content)
    loaded = stats.load(path)
    assert (loaded.stats, loaded.corrupt) == (Stats(), True)
    assert loaded.problem is not None
    assert loaded.problem.startswith(f"{str(path)!r} is not a drill stats file (")
    assert reason in loaded.problem


def test_a_bad_file_is_kept_aside_and_replaced(tmp_path: Path) -> None:
    path = tmp_path / "drill-stats.json"
    path.write_bytes(b"\xff\xfe garbage")
    now = datetime.datetime(2025, 3, 1, 12, 30, 5, tzinfo=datetime.UTC)
    notes = stats.record_session(path, [("eks", False)], "2025-03-01", now)
    kept = tmp_path / "drill-stats.json.bad-20250301T123005Z"
    assert len(notes) == 1
    assert notes[0].startswith(f"earlier progress not used: {str(path)!r} is not a drill stats "
                               "file ('utf-8' codec ")
    assert notes[0].endswith(f"; kept it as {str(kept)!r} and started afresh")
    assert kept.read_bytes() == b"\xff\xfe garbage"
    assert stats.load(path).stats == Stats(1, {"eks": TopicProgress(1, 0, (False,),
                                                                     "2025-03-01")})


def test_a_file_kept_aside_never_replaces_an_earlier_one(tmp_path: Path) -> None:
    path = tmp_path / "drill-stats.json"
    now = datetime.datetime(2025, 3, 1, 13, 30, 5, tzinfo=datetime.timezone(
        datetime.timedelta(hours=1)))  # named in UTC whatever the zone of `now`
    for n in range(3):
        path.write_text(f"bad {n}")
        stats.record_session(path, [("aws", True)], "2025-03-01", now)
    kept = sorted(p.name for p in tmp_path.glob("drill-stats.json.bad-*"))
    assert kept == ["drill-stats.json.bad-20250301T123005Z",
                    "drill-stats.json.bad-20250301T123005Z-2",
                    "drill-stats.json.bad-20250301T123005Z-3"]
    assert [(tmp_path / k).read_text() for k in kept] == ["bad 0", "bad 1", "bad 2"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_an_unwritable_directory_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        notes = stats.record_session(folder / "drill-stats.json", [("aws", True)], "d")
    finally:
        folder.chmod(0o700)
    assert notes == [f"progress not saved: cannot lock {str(folder / 'drill-stats.json.lock')!r}: "
                     "Permission denied"]
    assert os.listdir(folder) == []


def test_a_failed_write_leaves_the_old_file_whole(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "drill-stats.json"
    stats.record_session(path, [("aws", True)], "d")
    before = path.read_text()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(stats.os, "replace", broken_replace)
    notes = stats.record_session(path, [("aws", False)], "d")
    assert notes == [f"progress not saved: cannot write {str(path)!r}: No space left on device"]
    assert path.read_text() == before
    assert sorted(os.listdir(tmp_path)) == ["drill-stats.json", "drill-stats.json.lock"]


def test_a_data_directory_that_is_a_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "netpath").write_text("not a directory")
    path = tmp_path / "netpath" / "drill-stats.json"
    notes = stats.record_session(path, [("aws", True)], "d")
    assert notes == [f"progress not saved: {str(tmp_path / 'netpath')!r} is not a directory"]
    assert (tmp_path / "netpath").read_text() == "not a directory"
