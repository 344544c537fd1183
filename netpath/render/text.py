"""The human rendering of a trace: a numbered, annotated step list, the return path, a verdict.

Layout (80 columns, wrapped by rich inside the second column so continuation lines stay
indented under their step):

    trace node-1 -> api.example.com (tcp/443)
    flow: tcp 10.0.10.100:40123 -> 192.0.2.80:443

      3  route-table rt-private   forward   0.0.0.0/0 -> nat-a (also matched: ...)
           the packet leaves private-a through the NAT gateway
           at scenarios/x.yaml:42:11
           packet now: tcp 10.0.1.20:40123 -> 192.0.2.80:443
           note: NACLs are stateless...

Text is always built from `Text` objects, never markup strings: names and rule descriptions
come from the user's spec and may contain square brackets. Every sentence that carries a name,
a rule's text or a file name passes through `visible` on its way into a `Text`: the engine's
words hold no control characters, so what is escaped is the user's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from rich._wrap import divide_line
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.text import Text
from rich.tree import Tree

from netpath.engine.codes import CODES
from netpath.engine.hops import Blocked, Hop, Packet, RuleRef, Trace, service_words
from netpath.load.source import Locator, no_locations
from netpath.model.paths import format_path
from netpath.model.record import record
from netpath.model.visible import inert, visible
from netpath.model.vocabulary import Action, Direction

ACTION_STYLES = {
    Action.SEND: "cyan",
    Action.FORWARD: "cyan",
    Action.RESOLVE: "blue",
    Action.ALLOW: "green",
    Action.TRANSLATE: "magenta",
    Action.DELIVER: "bold green",
    Action.DENY: "bold red",
    Action.DROP: "bold red",
}
ACTION_WIDTH = max(len(action) for action in Action)
# Past this width a long component name no longer pushes every action column to the right.
NAME_WIDTH_CAP = 30


@record
class Symbols:
    reachable: str
    blocked: str


UNICODE_SYMBOLS = Symbols(reachable="\u2714", blocked="\u2718")
ASCII_SYMBOLS = Symbols(reachable="+", blocked="x")  # for terminals that cannot encode the marks


_TRAILING_SPACE = re.compile(r"[ \t]+((?:\x1b\[[0-9;]*m)*)$", re.MULTILINE)


def emit(console: Console, renderables: Sequence[RenderableType]) -> None:
    """Print, minus the trailing spaces rich pads table cells and wrapped lines with, so that
    piped output stays clean for grep, diff and golden files; and, once laid out, with nothing
    a CI runner would execute (`inert`: wrapping can start a line with a name's `::`).

    Without styles (a pipe, a file, NO_COLOR off a terminal) a tree is written by
    `plain_tree_lines` a few thousand lines at a time, the same characters rich would print:
    rich renders each line of a tree through its whole layout machinery, which made `netpath
    show` of 100,000 pods take minutes."""
    if console.color_system is not None:
        with console.capture() as capture:
            for renderable in renderables:
                console.print(renderable)
        console.file.write(_finished(capture.get()))
        return
    write = console.file.write
    for renderable in renderables:
        if isinstance(renderable, Tree) and _plain_tree_ok(renderable, console.width):
            chunk: list[str] = []
            for line in plain_tree_lines(console, renderable):
                chunk.append(line)
                if len(chunk) == _CHUNK_LINES:
                    write(_finished("".join(chunk)))
                    chunk.clear()
            write(_finished("".join(chunk)))
            continue
        with console.capture() as capture:
            console.print(renderable)
        write(_finished(capture.get()))


def _finished(text: str) -> str:
    return inert(_TRAILING_SPACE.sub(r"\1", text))


_CHUNK_LINES = 4096
_GUIDE = 4  # the cells of one level of tree guides ("├── ")


def _plain_tree_ok(tree: Tree, width: int) -> bool:
    """Whether `plain_tree_lines` draws this tree as rich would: the default guides on every
    node, the root shown, and room for a label at the deepest level."""
    if tree.hide_root:
        return False
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if node.guide_style != "tree.line" or width - _GUIDE * depth < 1:
            return False
        if node.expanded:
            stack.extend((child, depth + 1) for child in node.children)
    return True


def plain_tree_lines(console: Console, tree: Tree) -> Iterator[str]:
    """The lines (each ending in a newline) rich prints for `tree` on an unstyled console:
    `rich.tree.Tree.__rich_console__` with strings for segments. A label that is one line of
    plain printable ASCII within its width is written as it is; any other goes through rich
    (`render_lines`), so wrapping, wide characters and control codes come out as rich has
    them."""
    space, more, fork, end = Tree.ASCII_GUIDES if console.options.ascii_only else \
        Tree.TREE_GUIDES[0]
    options = console.options
    width = console.width
    levels = [more]
    stack: list[Iterator[tuple[bool, Tree]]] = [iter([(True, tree)])]
    while stack:
        try:
            last, node = next(stack[-1])
        except StopIteration:
            stack.pop()
            levels.pop()
            if levels:
                levels[-1] = fork
            continue
        if last:
            levels[-1] = end
        prefix = levels[1:]
        room = width - _GUIDE * len(prefix)
        label = node.label
        plain = _plain_text(label)
        if plain is not None:
            lines = [plain] if len(plain) <= room else _wrap_plain(plain, room)
        else:
            rendered = console.render_lines(
                label, options.update(width=room, highlight=node.highlight, height=None),
                pad=False)
            lines = ["".join(segment.text for segment in line) for line in rendered]
        head = "".join(prefix)
        for line in lines:
            yield head + line + "\n"
            if prefix:
                prefix[-1] = space if last else more
                head = "".join(prefix)
        if node.expanded and node.children:
            levels[-1] = space if last else more
            levels.append(end if len(node.children) == 1 else fork)
            count = len(node.children)
            stack.append(iter([(k == count - 1, child) for k, child in enumerate(node.children)]))


def _plain_text(label: RenderableType) -> str | None:
    """The text of a label `plain_tree_lines` may lay out itself: a Text of one line of
    printable ASCII (one cell a character, nothing rich strips or expands), laid out as rich
    does by default. None for anything else."""
    if not isinstance(label, Text) or label.justify or label.overflow or label.no_wrap:
        return None
    plain = label.plain
    return plain if plain.isascii() and plain.isprintable() else None


def _wrap_plain(plain: str, room: int) -> list[str]:
    """`plain` broken into lines of `room` cells where rich's `Text.wrap` breaks it (its own
    word division, folding a word longer than a line). Spaces left at a line's end are
    stripped by `emit` either way."""
    offsets = divide_line(plain, room, fold=True)
    return [plain[start:stop] for start, stop in zip([0, *offsets], [*offsets, len(plain)],
                                                     strict=True)]


def render_trace(trace: Trace, console: Console, locate: Locator = no_locations) -> None:
    symbols = ASCII_SYMBOLS if console.options.ascii_only else UNICODE_SYMBOLS
    out: list[RenderableType] = [_header(trace), Text()]
    out.append(_steps(trace.hops, trace.flow, _blocked_step(trace, Direction.FORWARD), locate))
    if trace.return_path and trace.hops:
        # The reply starts as the mirror of what was delivered; only later changes are shown.
        delivered = trace.hops[-1].packet
        out += [Text(), Text("Return path", style="bold")]
        stop = _blocked_step(trace, Direction.RETURN)
        out.append(_steps(trace.return_path, delivered.reply(), stop, locate))
    out.append(Text())
    out.extend(verdict_lines(trace, symbols))
    emit(console, out)


def _header(trace: Trace) -> RenderableType:
    query = trace.query
    port = trace.dst_port  # the port used, also when --port was left out
    what = service_words(query.protocol, port)
    flow = str(trace.flow) if trace.flow is not None else (
        f"none: {query.destination} does not resolve, so no connection is opened")
    lines = [
        Text.assemble(("trace ", "bold"),
                      visible(f"{query.source} -> {query.destination} ({what})")),
        Text.assemble(("flow: ", "bold"), visible(flow)),
    ]
    lines.extend(Text(visible(f"note: {note}"), style="dim") for note in trace.notes)
    return Group(*lines)


def _blocked_step(trace: Trace, direction: Direction) -> int | None:
    blocked = trace.blocked_by
    return blocked.step if blocked is not None and blocked.direction == direction else None


def _steps(
    hops: Sequence[Hop], start: Packet | None, blocked_step: int | None, locate: Locator
) -> _Steps:
    return _Steps(hops, start, blocked_step, locate)


class _Steps:
    """The numbered step list, laid out by hand: a step number right-aligned in 3 columns, the
    head wrapped under itself, details 2 further in. (A rich Table gave the same lines at
    several times the cost, which every start of `netpath trace` paid.)"""

    def __init__(self, hops: Sequence[Hop], start: Packet | None, blocked_step: int | None,
                 locate: Locator) -> None:
        self.hops, self.start, self.blocked_step, self.locate = hops, start, blocked_step, locate

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(options.max_width - 5, 20)
        name_width = min(NAME_WIDTH_CAP, max((len(_who(h)) for h in self.hops), default=0))
        previous = self.start
        previous_connection = self.hops[0].connection if self.hops else 1
        for index, hop in enumerate(self.hops, start=1):
            step = hop.step or index  # hops straight from a test may not be numbered
            is_blocked = self.blocked_step is not None and step == self.blocked_step
            number = Text(f"{step:>3}  ", style="bold red" if is_blocked else "bold")
            head = _head(hop, name_width, is_blocked)
            for i, line in enumerate(_wrapped(head, console, width)):
                yield from Text.assemble(number if i == 0 else "     ", line).render(console, "\n")
            for detail in _details(hop, previous, previous_connection, self.locate):
                for line in _wrapped(detail, console, width - 2):
                    yield from Text.assemble("       ", line).render(console, "\n")
            previous, previous_connection = hop.packet, hop.connection


def _wrapped(text: Text, console: Console, width: int) -> Iterable[Text]:
    """The lines of `text` at `width`. The lines are yielded as segments, already laid out,
    so that rich does not wrap them a second time; most fit as they are."""
    if text.cell_len <= width and "\n" not in text.plain:
        return (text,)
    return text.wrap(console, width, overflow="fold")


def _who(hop: Hop) -> str:
    return visible(f"{hop.component} {hop.name}")


def _head(hop: Hop, name_width: int, is_blocked: bool) -> Text:
    action_style = "bold red" if is_blocked else ACTION_STYLES.get(hop.action, "")
    what = visible(hop.detail if hop.rule is None else rule_text(hop.rule, hop.candidates))
    return Text.assemble(
        (_who(hop).ljust(name_width), "bold red" if is_blocked else "bold"),
        " ",
        (hop.action.ljust(ACTION_WIDTH), action_style),
        " ",
        what,
    )


def rule_text(rule: RuleRef, candidates: Sequence[RuleRef]) -> str:
    """The deciding rule, and for route tables the less specific routes that also matched."""
    if not candidates:
        return rule.text
    return f"{rule.text} (also matched: {', '.join(c.text for c in candidates)})"


def _details(hop: Hop, previous: Packet | None, previous_connection: int,
             locate: Locator) -> list[Text]:
    lines: list[Text] = []
    if hop.rule is not None:  # else the detail already stands in the head line
        lines.append(Text(visible(hop.detail)))
        if hop.rule.path is not None:
            where = locate(hop.rule.path) or format_path(hop.rule.path)
            lines.append(Text(visible(f"at {where}"), style="dim"))
    if hop.connection != previous_connection:
        # A load balancer or proxy ends one connection and opens another: a new packet.
        lines.append(Text(f"connection {hop.connection}: {hop.packet}", style="bold yellow"))
    elif previous is None:  # no flow: the name lookup is all the source sends
        lines.append(Text(f"packet: {hop.packet}", style="bold yellow"))
    elif hop.packet != previous:
        lines.append(Text(f"packet now: {hop.packet}", style="bold yellow"))
    if hop.note:
        lines.append(Text(visible(f"note: {hop.note}"), style="dim italic"))
    return lines


def verdict_lines(trace: Trace, symbols: Symbols = UNICODE_SYMBOLS) -> list[Text]:
    blocked = trace.blocked_by
    if blocked is None:
        return [Text(f"{symbols.reachable} reachable", style="bold green")]
    lines = [Text(visible(f"{symbols.blocked} {_blocked_words(blocked)}"), style="bold red")]
    lines.append(Text.assemble(("fix: ", "bold"), visible(blocked.fix)))
    code = CODES.get(blocked.code)
    aws_code = blocked.aws_code or (code.aws_code if code is not None else None)
    if aws_code:
        lines.append(Text(f"AWS Reachability Analyzer code: {aws_code}", style="dim"))
    return lines


def _blocked_words(blocked: Blocked) -> str:
    word = "partially blocked" if blocked.partial else "blocked"
    where = f"at step {blocked.step}"
    if blocked.direction == Direction.RETURN:
        where += " of the return path"
    return (
        f"{word} {where} by {blocked.component} {blocked.name} ({blocked.code}): "
        f"{blocked.reason}"
    )
