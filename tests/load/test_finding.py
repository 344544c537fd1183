"""Directory listings and globs (`netpath.load.finding`): what `glob.glob(recursive=True)`
matches on an ordinary tree, but bounded and never round a symbolic link loop."""

from __future__ import annotations

import glob
import os
from pathlib import Path

import pytest

from netpath.load.finding import TooManyEntries, glob_paths, list_directory

pytestmark = pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")


def _tree(root: Path) -> Path:
    for name in ("a.yaml", "b.yml", "c.json", "README.md", ".hidden.yaml", "k8s/web.yaml",
                 "k8s/db.yaml", "k8s/deep/x/y.yaml", "k8s/.git/z.yaml", "other/q1.yaml",
                 "other/q2.yaml", "other/[x].yaml"):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    (root / "linked").symlink_to("k8s")  # a folder linked in is walked, as glob does
    return root


@pytest.mark.parametrize("pattern", [
    "*", "*.yaml", "**", "**/*.yaml", "k8s/**/*.yaml", "k8s/*", "k8s/**", "other/q?.yaml",
    "other/[!x]*.yaml", "*/", "**/", ".*", "k8s/.*/*.yaml", "k8s/deep/*/y.yaml", "nothing/*",
    "linked/**/*.yaml", "k8s/../other/*.yaml",
])
def test_matches_what_glob_matches(tmp_path: Path, pattern: str) -> None:
    root = _tree(tmp_path)
    expected = [Path(m) for m in glob.glob(os.path.join(root, pattern), recursive=True)]
    found, errors = glob_paths(root, pattern, str)
    assert errors == []
    assert found == sorted(set(expected))  # each way to a file (k8s/x, linked/x), once


def test_an_absolute_pattern(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    found, _ = glob_paths(Path("/nonexistent"), str(root / "k8s" / "*.yaml"), str)
    assert found == [root / "k8s" / "db.yaml", root / "k8s" / "web.yaml"]


def test_a_link_loop_is_reported_once_per_link_and_not_followed(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    (root / "k8s" / "deep" / "up").symlink_to("..")
    (root / "k8s" / "self").symlink_to(".")
    found, errors = glob_paths(root, "k8s/**/*.yaml", lambda p: os.path.relpath(p, root))
    assert [e.message for e in errors] == [
        "a symbolic link loop: 'k8s/deep/up' leads back to 'k8s', a folder the glob is "
        "already in",
        "a symbolic link loop: 'k8s/self' leads back to 'k8s', a folder the glob is already in",
    ]
    assert {p.relative_to(root).as_posix() for p in found} == {
        "k8s/web.yaml", "k8s/db.yaml", "k8s/deep/x/y.yaml"}


def test_two_links_to_one_folder_are_no_loop(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    (root / "again").symlink_to("k8s")
    found, errors = glob_paths(root, "**/web.yaml", lambda p: os.path.relpath(p, root))
    assert errors == []
    assert [p.relative_to(root).as_posix() for p in found] == [
        "again/web.yaml", "k8s/web.yaml", "linked/web.yaml"]


def test_links_multiplying_the_ways_into_a_folder_are_bounded(tmp_path: Path) -> None:
    """Each level links twice to the next: 2**30 ways down, no loop; the entry limit ends it."""
    for level in range(30):
        folder = tmp_path / f"l{level}"
        folder.mkdir()
        for name in ("a", "b"):
            (folder / name).symlink_to(f"../l{level + 1}")
    (tmp_path / "l30").mkdir()
    _, errors = glob_paths(tmp_path / "l0", "**/*.yaml", str, limit=5000)
    assert [str(e) for e in errors] == [
        "the glob looks at more than 5,000 files and folders (narrow it)"]


# Deeper than a walk recursing by two frames a level could go (Python stops at 1000 frames),
# shallow enough for shutil.rmtree, which recurses by one, to clean up should the test stop.
DEPTH = 600


def test_a_deep_tree_is_walked_without_recursion(tmp_path: Path) -> None:
    fd = os.open(tmp_path, os.O_RDONLY)
    for _ in range(DEPTH):  # one by one (mkdir(parents=True) recurses too), relative to the last
        os.mkdir("d", dir_fd=fd)
        fd, parent = os.open("d", os.O_RDONLY, dir_fd=fd), fd
        os.close(parent)
    os.close(fd)
    deep = tmp_path.joinpath(*["d"] * DEPTH)
    (deep / "bottom.yaml").write_text("x")
    try:
        found, errors = glob_paths(tmp_path, "**/*.yaml", str)
        assert (found, errors) == ([deep / "bottom.yaml"], [])
    finally:  # bottom up: pytest's own clean-up (shutil.rmtree) recurses, and would fail
        (deep / "bottom.yaml").unlink()
        for depth in range(DEPTH, 0, -1):
            os.rmdir(tmp_path.joinpath(*["d"] * depth))


def test_the_walk_is_bounded(tmp_path: Path) -> None:
    for i in range(20):
        (tmp_path / f"{i}.yaml").write_text("x")
    found, errors = glob_paths(tmp_path, "**/*.yaml", str, limit=10)
    assert [str(e) for e in errors] == [
        "the glob looks at more than 10 files and folders (narrow it)"]
    with pytest.raises(TooManyEntries) as caught:
        list_directory(tmp_path, (".yaml",), limit=10)
    assert caught.value.strerror == "more than 10 entries (netpath looks at no more)"


def test_a_listing_keeps_what_the_reader_must_refuse(tmp_path: Path) -> None:
    """A FIFO or a dangling link named *.yaml is listed (and refused by the reader, by name);
    folders and dot-files are not."""
    _tree(tmp_path)
    (tmp_path / "gone.yaml").symlink_to("nowhere.yaml")
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "folder.yaml").mkdir()
    names = [p.name for p in list_directory(tmp_path, (".yaml", ".yml"))]
    assert names == ["a.yaml", "b.yml", "gone.yaml", "pipe.yaml"]
