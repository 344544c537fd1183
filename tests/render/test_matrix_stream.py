"""`netpath matrix` writes every format a row at a time (issue 11: 5,000 pods as one JSON
document took 9.3 GB). The bytes must be those of the whole-document renderers it replaced,
kept here verbatim as the reference, and the JSON must be the documented document."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from netpath.engine import prepare
from netpath.engine.matrix import Matrix, build_matrix, select_pods
from netpath.render import matrix as render
from netpath.sources.loader import load_spec
from tests.engine.test_matrix import make_cluster, make_vpc_model

SCENARIOS = Path(__file__).resolve().parents[2] / "netpath" / "scenarios"

# --- the renderers before streaming, verbatim (their output is the contract) ------------------


def old_summary(matrix: Matrix) -> list[str]:
    n = len(matrix.pods)
    total = n * (n - 1)
    codes: Counter[str] = Counter()
    reachable = 0
    for _, _, verdict in matrix.pairs():
        if verdict.reachable:
            reachable += 1
        else:
            codes[verdict.code or "blocked"] += 1
    line = f"{reachable} of {total} pairs reachable"
    if codes:
        line += "; blocked: " + ", ".join(f"{count} by {code}" for code, count in
                                          sorted(codes.items()))
    return [line, *(f"note: {note}" for note in matrix.notes)]


def old_listing(matrix: Matrix, marks: Any, width: int) -> list[str]:
    lines: list[str] = []
    n = len(matrix.pods)
    split = [p.name.rpartition("/") for p in matrix.pods]
    rows: list[dict[str | None, dict[str, list[str]]]] = [{} for _ in matrix.pods]
    for i, j, verdict in matrix.pairs():
        namespace, _, name = split[j]
        code = None if verdict.reachable else (verdict.code or "blocked")
        rows[i].setdefault(code, {}).setdefault(namespace, []).append(name)
    for source, groups in zip(matrix.pods, rows, strict=True):
        reached = sum(len(v) for v in groups.get(None, {}).values())
        lines.append(f"{source.name}  reaches {reached} of {n - 1}")
        for code in sorted(groups, key=lambda c: (c is not None, c or "")):
            mark = marks.reachable if code is None else f"{marks.blocked} {code}"
            text = "; ".join(f"{ns}: {', '.join(names)}" for ns, names in
                             sorted(groups[code].items()))
            lines += render._wrap_words(f"  {mark}  ", text.split(" "), width, "      ")
    return lines


def old_text(matrix: Matrix, *, width: int, unicode: bool) -> str:
    marks = render.UNICODE_MARKS if unicode else render.ASCII_MARKS
    n = len(matrix.pods)
    digits = len(str(n))
    cell = max(3, digits + 1)
    fixed = 2 + digits + 2 + 2 + n * cell
    if n <= render.GRID_MAX_PODS and fixed + render.GRID_MIN_NAME <= width:
        head = (f"who can reach whom on {matrix.protocol}/{matrix.port}: rows are sources, "
                f"columns destinations ({n} pods)")
        body = render._grid(matrix, marks, digits, cell, width - fixed)
        legend = (f"{marks.reachable} reachable   {marks.blocked} blocked   "
                  f"{marks.itself} the pod itself (left out)")
        lines = [*render._wrap(head, width), "", *body, "", legend]
    else:
        head = (f"who can reach whom on {matrix.protocol}/{matrix.port}: {n} pods, too many "
                "for a grid; for each source, the pods it reaches and those it does not")
        lines = [*render._wrap(head, width), "", *old_listing(matrix, marks, width)]
    for line in old_summary(matrix):
        lines += render._wrap(line, width, indent="      " if line.startswith("note:") else "")
    return "\n".join(lines) + "\n"


def old_json(matrix: Matrix) -> str:
    names = [p.name for p in matrix.pods]
    quoted = [json.dumps(name) for name in names]
    codes: dict[str | None, str] = {None: "null"}
    pairs = []
    for i, j, verdict in matrix.pairs():
        code = codes.get(verdict.code)
        if code is None:
            code = codes[verdict.code] = json.dumps(verdict.code)
        reachable = "true" if verdict.reachable else "false"
        pairs.append(f'{{"code": {code}, "from": {quoted[i]}, "reachable": {reachable}, '
                     f'"to": {quoted[j]}}}')
    body = ",\n    ".join(pairs)
    return (
        "{\n"
        f'  "notes": {json.dumps(list(matrix.notes))},\n'
        f'  "pairs": [{chr(10) + "    " + body + chr(10) + "  " if pairs else ""}],\n'
        f'  "pods": {json.dumps(names)},\n'
        f'  "port": {matrix.port},\n'
        f'  "protocol": {json.dumps(matrix.protocol)}\n'
        "}\n"
    )


def old_csv(matrix: Matrix) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    names = [p.name for p in matrix.pods]
    writer.writerow([f"from \\ to ({matrix.protocol}/{matrix.port})", *names])
    for i, name in enumerate(names):
        writer.writerow([name, *(render._cell(matrix.verdict(i, j) if i != j else None)
                                 for j in range(len(names)))])
    return out.getvalue()


def old_markdown(matrix: Matrix, *, unicode: bool) -> str:
    marks = render.UNICODE_MARKS if unicode else render.ASCII_MARKS
    n = len(matrix.pods)

    def cell(i: int, j: int) -> str:
        if i == j:
            return "\u2014" if unicode else "-"
        verdict = matrix.verdict(i, j)
        if verdict.reachable:
            return marks.reachable
        if verdict.code is None:
            return f"{marks.blocked} blocked"
        return f"{marks.blocked} {render._MD_BLOCKED.get(verdict.code, verdict.code)}"

    lines = [f"Who can reach whom on **{matrix.protocol}/{matrix.port}**: rows are sources, "
             "columns destinations (numbered as the rows).", "",
             "| # | from \\ to | " + " | ".join(str(j + 1) for j in range(n)) + " |",
             "|---:|---|" + ":-:|" * n]
    for i, pod in enumerate(matrix.pods):
        cells = " | ".join(cell(i, j) for j in range(n))
        lines.append(f"| {i + 1} | `{pod.name}` | {cells} |")
    lines.append("")
    lines += old_summary(matrix)
    return "\n".join(lines) + "\n"


# --- matrices -----------------------------------------------------------------------------------


def _flat(port: int) -> Matrix:
    clusters = {"bench": make_cluster(120, 20, 30, seed=3)}
    return build_matrix(clusters, select_pods(clusters), "tcp", port)


def _vpc(port: int) -> Matrix:
    model = make_vpc_model(80, 10, 20, seed=2)
    return build_matrix(prepare(model), select_pods(model.clusters), "tcp", port)


def _scenario(port: int) -> Matrix:
    loaded = load_spec(SCENARIOS / "interview-namespace-isolation" / "netpath.yaml")
    return build_matrix(prepare(loaded.model), select_pods(loaded.model.clusters), "tcp", port)


MATRICES = {"flat": _flat, "vpc": _vpc, "scenario": _scenario}


@pytest.fixture(scope="module", params=[(name, port) for name in MATRICES
                                        for port in (8080, 5432, 53)], ids=str)
def matrix(request: pytest.FixtureRequest) -> Matrix:
    name, port = request.param
    return MATRICES[name](port)


def test_json_is_the_old_document_byte_for_byte(matrix: Matrix) -> None:
    streamed = render.render_json(matrix)
    assert streamed == old_json(matrix)
    document = json.loads(streamed)
    assert list(document) == ["notes", "pairs", "pods", "port", "protocol"]
    assert len(document["pairs"]) == len(matrix.pods) * (len(matrix.pods) - 1)
    assert document["pairs"][0].keys() == {"code", "from", "reachable", "to"}
    assert "".join(render.iter_json(matrix)) == streamed


def test_csv_markdown_and_text_are_the_old_bytes(matrix: Matrix) -> None:
    assert render.render_csv(matrix) == old_csv(matrix)
    for unicode in (True, False):
        assert render.render_markdown(matrix, unicode=unicode) == old_markdown(
            matrix, unicode=unicode)
    for width in (40, 80, 200):
        assert render.render_text(matrix, width=width, unicode=True) == old_text(
            matrix, width=width, unicode=True)


def test_the_tally_counts_what_the_pairs_say(matrix: Matrix) -> None:
    assert matrix.tally() == dict(Counter(v for _, _, v in matrix.pairs()))


def test_an_empty_matrix_of_one_pod() -> None:
    clusters = {"bench": make_cluster(3, 1, 0, seed=1)}
    one = build_matrix(clusters, select_pods(clusters)[:1], "tcp", 80)
    assert render.render_json(one) == old_json(one)
    assert json.loads(render.render_json(one))["pairs"] == []
    assert render.render_csv(one) == old_csv(one)
