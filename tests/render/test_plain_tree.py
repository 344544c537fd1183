"""Trees on an unstyled console are written line by line without rich's layout (issue 11:
`netpath show` of 100,000 pods took minutes in rich). The characters must be rich's own: every
scenario's `show`, at several widths, in Unicode and in ASCII, and labels that wrap, are wide or
carry control characters."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console, RenderableType
from rich.text import Text
from rich.tree import Tree

from netpath.engine.capacity import pods_without_ip
from netpath.model.visible import visible
from netpath.render import show, text
from netpath.sources.loader import load_spec

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "netpath" / "scenarios").glob(
    "*/netpath.yaml"))


def _console(out: io.TextIOBase, width: int) -> Console:
    # As `Environment.console()` builds it for a pipe.
    return Console(file=out, width=width, force_terminal=False, no_color=True,
                   color_system=None, highlight=False, markup=False, emoji=False,
                   soft_wrap=False, legacy_windows=False, _environ={})


def _stream(ascii_only: bool) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding="ascii" if ascii_only else "utf-8",
                            errors="replace")


def _both(renderables: list[RenderableType], width: int, ascii_only: bool = False
          ) -> tuple[str, str]:
    fast, slow = _stream(ascii_only), _stream(ascii_only)
    console = _console(fast, width)
    assert console.options.ascii_only == ascii_only
    text.emit(console, renderables)
    reference = _console(slow, width)
    with reference.capture() as capture:  # what emit did before: rich prints everything
        for renderable in renderables:
            reference.print(renderable)
    slow.write(text._TRAILING_SPACE.sub(r"\1", capture.get()))
    found = []
    for stream in (fast, slow):
        stream.seek(0)
        found.append(stream.read())
    return found[0], found[1]


@pytest.mark.parametrize("spec", SCENARIOS, ids=lambda s: s.parent.name)
def test_show_is_rich_output_on_every_scenario(spec: Path) -> None:
    model = load_spec(spec).model
    without = pods_without_ip(model)
    trees: list[RenderableType] = [show.vpc_tree(model, v) for v in model.vpcs.values()]
    trees += [show.cluster_tree(c, without) for c in model.clusters.values()]
    for width in (24, 40, 80, 133):
        for ascii_only in (False, True):
            fast, slow = _both(trees, width, ascii_only)
            assert fast == slow, (width, ascii_only)


def test_ascii_guides_wrapping_wide_and_control_characters() -> None:
    tree = Tree(Text("root label that is long enough to wrap at a narrow width", style="bold"))
    branch = tree.add(Text("caf\u00e9 \u4e2d\u6587\u5b57 wide"))
    branch.add(Text("tab\there and a bell \x07 and more words to wrap around"))
    branch.add(Text("two\nlines"))
    last = tree.add(Text(""))
    last.add(Text("x" * 100))
    tree.add("a plain str label")
    for width in (12, 30, 80):
        for ascii_only in (False, True):
            fast, slow = _both([tree, Text("after")], width, ascii_only)
            assert fast == slow, (width, ascii_only)


def test_a_tree_too_deep_for_its_width_is_left_to_rich() -> None:
    tree = Tree("a")
    node = tree
    for _ in range(6):
        node = node.add("b")
    assert not text._plain_tree_ok(tree, 20)
    fast, slow = _both([tree], 20)
    assert fast == slow


def test_ascii_only_console_uses_ascii_guides() -> None:
    out = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    console = Console(file=out, width=40, color_system=None, force_terminal=False,
                      legacy_windows=False)
    tree = Tree(Text("root"))
    tree.add(Text("a")).add(Text("b"))
    tree.add(Text("c"))
    assert console.options.ascii_only
    assert "".join(text.plain_tree_lines(console, tree)) == "root\n+-- a\n|   `-- b\n`-- c\n"


@pytest.mark.parametrize("parts", [
    ("pod a", ("10.0.0.1", "bold"), None, "", ("x", "red"), "tail"),
    (("", "bold"), "after an empty styled part", ("", "dim")),
    ("bell\x07 inside", ("styled\x08 too", "bold"), "end"),
    ((" spaced ", "green"), "two\nlines"),
])
def test_a_line_is_the_text_appending_its_parts_makes(
        parts: tuple[str | tuple[str, str] | None, ...]) -> None:
    appended = Text()
    for part in parts:
        if not part:
            continue
        if appended:
            appended.append("  ")
        if isinstance(part, tuple):  # each part shown safely: control characters escaped
            appended.append(visible(part[0]), style=part[1])
        else:
            appended.append(visible(part))
    made = show._line(*parts)
    assert (made.plain, made.spans) == (appended.plain, appended.spans)
