"""`netpath matrix` output: a grid for people, JSON for scripts, CSV and Markdown tables.

Every format has rows for sources and columns for destinations, and leaves a pod to itself out.
The text form is a numbered grid while it fits the terminal (up to 18 pods in 80 columns), and a
list per source beyond that. Nothing here imports rich: the output is plain lines, so it pipes,
greps and diffs cleanly. JSON follows the trace document's habits: keys sorted, every key always
present; one pair per line so that a diff of two runs shows the pairs that changed.

Every format is written as it is made, a row at a time (`iter_*`; `render_*` join them): a
matrix of N pods has N x (N - 1) pairs, and 5,000 pods held as one document took 9.3 GB. A row
is read from the class table (`Matrix.row`) and the summary is counted by class
(`Matrix.tally`), so nothing per pair is ever held.

Pod and namespace names are checked as the API server checks them (DNS-1123), so they carry no
control characters; the text and Markdown lines still pass through `visible` (the notes quote
other things). CSV and JSON keep the data exact: their quoting is the format's.
"""

from __future__ import annotations

import csv
import io
import json
import textwrap
from collections.abc import Iterator

from netpath.engine.matrix import Matrix, Verdict
from netpath.model.record import record
from netpath.model.visible import inert, json_escape, visible
from netpath.model.vocabulary import Code

GRID_MAX_PODS = 40  # past this a grid is unreadable even on a wide terminal
GRID_MIN_NAME = 16  # the grid is used only if pod names keep at least this many characters


@record
class Marks:
    reachable: str
    blocked: str
    itself: str
    ellipsis: str


UNICODE_MARKS = Marks("\u2714", "\u2718", "\u00b7", "\u2026")
ASCII_MARKS = Marks("+", "x", ".", "~")  # the trace's ASCII symbols, for non-UTF-8 terminals


def _flow(matrix: Matrix) -> str:
    return f"{matrix.protocol}/{matrix.port}"


def _summary(matrix: Matrix) -> list[str]:
    n = len(matrix.pods)
    total = n * (n - 1)
    codes: dict[str, int] = {}
    reachable = 0
    for verdict, count in matrix.tally().items():
        if verdict.reachable:
            reachable += count
        else:
            code = verdict.code or "blocked"
            codes[code] = codes.get(code, 0) + count
    line = f"{reachable} of {total} pairs reachable"
    if codes:
        line += "; blocked: " + ", ".join(f"{count} by {code}" for code, count in
                                          sorted(codes.items()))
    lines = [line]
    lines += [f"note: {note}" for note in matrix.notes]
    return lines


# --- text -----------------------------------------------------------------------------------

def render_text(matrix: Matrix, *, width: int = 80, unicode: bool = True,
                port_assumed: bool = False) -> str:
    return "".join(iter_text(matrix, width=width, unicode=unicode, port_assumed=port_assumed))


def iter_text(matrix: Matrix, *, width: int = 80, unicode: bool = True,
              port_assumed: bool = False) -> Iterator[str]:
    """The text output in pieces of whole lines: the head, then one source at a time."""
    marks = UNICODE_MARKS if unicode else ASCII_MARKS
    n = len(matrix.pods)
    assumed = " (the default port: choose one with --port)" if port_assumed else ""
    digits = len(str(n))
    cell = max(3, digits + 1)
    fixed = 2 + digits + 2 + 2 + n * cell
    if n <= GRID_MAX_PODS and fixed + GRID_MIN_NAME <= width:
        head = (f"who can reach whom on {_flow(matrix)}{assumed}: rows are sources, "
                f"columns destinations ({n} pods)")
        body = _grid(matrix, marks, digits, cell, width - fixed)
        legend = (f"{marks.reachable} reachable   {marks.blocked} blocked   "
                  f"{marks.itself} the pod itself (left out)")
        yield _lines([*_wrap(head, width), "", *body, "", legend])
    else:
        head = (f"who can reach whom on {_flow(matrix)}{assumed}: {n} pods, too many for a "
                "grid; for each source, the pods it reaches and those it does not")
        yield _lines([*_wrap(head, width), ""])
        split = [pod.name.rpartition("/") for pod in matrix.pods]
        for source in range(n):
            yield _lines(_listing_row(matrix, split, source, marks, width))
    lines: list[str] = []
    for line in _summary(matrix):
        lines += _wrap(line, width, indent="      " if line.startswith("note:") else "")
    yield _lines(lines)


def _lines(lines: list[str]) -> str:
    """Plain lines, each shown safely (`visible`), with nothing a CI runner executes."""
    return inert("".join(visible(line) + "\n" for line in lines))


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    return textwrap.wrap(text, width, subsequent_indent=indent, break_on_hyphens=False,
                         break_long_words=False) or [""]


def _shorten(name: str, room: int, ellipsis: str) -> str:
    """Cut the middle of a long name: namespaces start it, replica suffixes end it."""
    if len(name) <= room:
        return name
    keep = room - len(ellipsis)
    front = (keep + 1) // 2
    return name[:front] + ellipsis + name[len(name) - (keep - front):]


def _grid(matrix: Matrix, marks: Marks, digits: int, cell: int, room: int) -> list[str]:
    names = [_shorten(p.name, room, marks.ellipsis) for p in matrix.pods]
    name_width = max(len(name) for name in names)
    lead = " " * (2 + digits + 2 + name_width + 2)
    header = lead + "".join(f"{j + 1:>{cell - 1}} " for j in range(len(names)))
    lines = [header.rstrip()]
    for i, name in enumerate(names):
        cells = []
        for j in range(len(names)):
            verdict = matrix.verdict(i, j) if i != j else None
            mark = (marks.itself if verdict is None else
                    marks.reachable if verdict.reachable else marks.blocked)
            cells.append(f"{mark:>{cell - 1}} ")
        lines.append(f"  {i + 1:>{digits}}  {name:<{name_width}}  {''.join(cells)}".rstrip())
    return lines


def _listing_row(matrix: Matrix, split: list[tuple[str, str, str]], source: int, marks: Marks,
                 width: int) -> list[str]:
    """One source's lines: the pods it reaches, then those blocked, by code and namespace.
    `split`: each pod's name as (namespace, "/", name)."""
    n = len(matrix.pods)
    ids = matrix.row_ids(source)
    codes: list[str | None] = [None]  # by number; 0, the pod itself, is skipped
    codes += [None if v.reachable else (v.code or "blocked") for v in matrix.verdicts]
    groups: dict[str | None, dict[str, list[str]]] = {}
    for (namespace, _, name), k in zip(split, ids, strict=True):
        if k:
            groups.setdefault(codes[k], {}).setdefault(namespace, []).append(name)
    reached = sum(len(v) for v in groups.get(None, {}).values())
    lines = [f"{matrix.pods[source].name}  reaches {reached} of {n - 1}"]
    for code in sorted(groups, key=lambda c: (c is not None, c or "")):
        mark = marks.reachable if code is None else f"{marks.blocked} {code}"
        text = "; ".join(f"{ns}: {', '.join(names)}" for ns, names in
                         sorted(groups[code].items()))
        lines += _wrap_words(f"  {mark}  ", text.split(" "), width, "      ")
    return lines


def _wrap_words(head: str, words: list[str], width: int, indent: str) -> list[str]:
    """What `_wrap(head + " ".join(words), ...)` gives for these lines, greedily, without
    textwrap's regex chunking: a large listing has hundreds of long lines and textwrap cost
    most of its time. Words are never broken; one longer than the line stands alone."""
    line = head + words[0]
    if len(line) > width:  # a very narrow terminal: textwrap breaks inside the head too
        return _wrap(line + "".join(" " + w for w in words[1:]), width, indent)
    lines: list[str] = []
    for word in words[1:]:
        if len(line) + 1 + len(word) <= width:
            line += " " + word
        else:
            lines.append(line)
            line = indent + word
    lines.append(line)
    return lines


# --- machine formats ------------------------------------------------------------------------

def render_json(matrix: Matrix) -> str:
    return "".join(iter_json(matrix))


def iter_json(matrix: Matrix) -> Iterator[str]:
    """The JSON document in pieces, a row of pairs at a time: the same bytes as one
    `json.dumps(..., sort_keys=True)`-like document with one pair per line."""
    names = [p.name for p in matrix.pods]
    # Each pair is one line with its keys sorted, like json.dumps(..., sort_keys=True) would
    # write it; formatted by hand because a large matrix has millions of pairs: all but the
    # destination is the same for every pair of a row with one verdict.
    quoted = [json.dumps(name) for name in names]
    yield inert(f'{{\n  "notes": {json.dumps(list(matrix.notes))},\n  "pairs": [', json_escape)
    separator = "\n    "
    for i in range(len(names)):
        ids = matrix.row_ids(i)
        heads = [f'{{"code": {"null" if v.code is None else json.dumps(v.code)}, '
                 f'"from": {quoted[i]}, "reachable": {"true" if v.reachable else "false"}, '
                 f'"to": ' for v in matrix.verdicts]
        parts = [heads[k - 1] + q + "}" for k, q in zip(ids, quoted, strict=True) if k]
        if parts:
            yield separator + ",\n    ".join(parts)
            separator = ",\n    "
    yield (("\n  " if separator != "\n    " else "") + "],\n"
           f'  "pods": {json.dumps(names)},\n'
           f'  "port": {matrix.port},\n'
           f'  "protocol": {json.dumps(matrix.protocol)}\n'
           "}\n")


def _cell(verdict: Verdict | None) -> str:
    if verdict is None:
        return ""
    return "reachable" if verdict.reachable else (verdict.code or "blocked")


def render_csv(matrix: Matrix) -> str:
    return "".join(iter_csv(matrix))


def iter_csv(matrix: Matrix) -> Iterator[str]:
    """A grid: the first column names the source, the header the destinations; a cell says
    `reachable` or the code that blocks; a pod to itself is an empty cell. A row at a time."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    names = [p.name for p in matrix.pods]

    def line(row: list[str]) -> str:
        out.seek(0)
        out.truncate()
        writer.writerow(row)
        return out.getvalue()

    yield line([f"from \\ to ({_flow(matrix)})", *names])
    for i, name in enumerate(names):
        ids = matrix.row_ids(i)
        cells = ["", *map(_cell, matrix.verdicts)]  # by number; 0: the pod itself
        yield line([name, *[cells[k] for k in ids]])


_MD_BLOCKED = {Code.NETPOL_INGRESS_DENIED: "ingress", Code.NETPOL_EGRESS_DENIED: "egress"}


def render_markdown(matrix: Matrix, *, unicode: bool = True) -> str:
    return "".join(iter_markdown(matrix, unicode=unicode))


def iter_markdown(matrix: Matrix, *, unicode: bool = True) -> Iterator[str]:
    marks = UNICODE_MARKS if unicode else ASCII_MARKS
    n = len(matrix.pods)
    itself = "\u2014" if unicode else "-"

    def cell(verdict: Verdict | None) -> str:
        if verdict is None:
            return itself
        if verdict.reachable:
            return marks.reachable
        if verdict.code is None:
            return f"{marks.blocked} blocked"
        return f"{marks.blocked} {_MD_BLOCKED.get(verdict.code, verdict.code)}"

    yield _lines([f"Who can reach whom on **{_flow(matrix)}**: rows are sources, columns "
                  "destinations (numbered as the rows).", "",
                  "| # | from \\ to | " + " | ".join(str(j + 1) for j in range(n)) + " |",
                  "|---:|---|" + ":-:|" * n])
    for i, pod in enumerate(matrix.pods):
        ids = matrix.row_ids(i)
        shown = [cell(None), *map(cell, matrix.verdicts)]
        cells = " | ".join([shown[k] for k in ids])
        yield f"| {i + 1} | `{pod.name}` | {cells} |\n"
    yield _lines(["", *_summary(matrix)])
