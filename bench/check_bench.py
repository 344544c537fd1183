"""The `netpath check` section of `make bench` (bench/run.py imports it; --skip-check skips it).

10,000 expectations over the large AWS estate (bench/out/estate), written to
bench/out/check/expect-10000.yaml deterministically: the 200 queries of the estate's
queries.txt, then distinct pairs of the estate's instances (half inside one VPC, half across
VPCs, on the ports the estate's security groups use), and a few group expectations (every
interface of one subnet to every interface of another: about a hundred pairs each). Each is
traced once while generating, so that the expected verdicts are the real ones: a fifth of the
blocked ones also name their code, a tenth of the reachable ones a component `via`, and one in
a hundred is written wrong on purpose, so that the failure path (excerpts) is measured too.

Figures: the whole command in a new process (`netpath check --spec estate FILE`, text to a
pipe), median of --check-runs after a warm-up, against the same-run baseline of a new process
that only loads the spec (`load_spec`) with the garbage collector paused as the check pauses it:
the difference is what checking costs. The plain load (collector on) is shown beside it. Then
the split in process: load, reading the expectations, prepare, tracing and judging, lint,
renderings.
"""

from __future__ import annotations

import gc
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

GENERATOR_VERSION = 1
COUNT = 10_000
GROUPS = 8
PORTS = (22, 443, 8080, 5432, 6379, 3389)
TARGET_S = 10.0
LOAD_ONLY = ("import sys; from pathlib import Path; from netpath.sources.loader import load_spec; "
             "load_spec(Path(sys.argv[1]))")
# The same with the garbage collector paused, as `netpath check` runs: the fair baseline.
LOAD_ONLY_PAUSED = "import gc; gc.disable(); " + LOAD_ONLY

Result = dict[str, Any]
Query = tuple[str, str, int, str]


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1000:.0f} ms"


# --- generating the expectations ----------------------------------------------------------------


def ensure_expectations(estate_dir: Path, out: Path, queries: Sequence[Query],
                        model_of: Callable[[], Any], count: int = COUNT) -> Result:
    """The expectations file for this estate, generated unless up to date."""
    manifest = json.loads((estate_dir / "manifest.json").read_text())
    key = {"generator_version": GENERATOR_VERSION, "count": count,
           "estate": {k: manifest.get(k) for k in ("generator_version", "params")}}
    target = out / f"expect-{count}.yaml"
    stamp = out / f"expect-{count}.json"
    if target.exists() and stamp.exists() and json.loads(stamp.read_text()) == key:
        return {"file": str(target), "generated": False, **json.loads(stamp.read_text())}
    started = time.perf_counter()
    lines, facts = build_expectations(model_of(), queries, count)
    out.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    stamp.write_text(json.dumps(key, indent=2) + "\n")
    return {"file": str(target), "generated": True,
            "generate_s": time.perf_counter() - started, **key, **facts}


def build_expectations(model: Any, queries: Sequence[Query],
                       count: int) -> tuple[list[str], Result]:
    from netpath import engine
    from netpath.checks.expectations import Group
    from netpath.checks.groups import GroupError, Groups
    from netpath.engine.errors import QueryError
    from netpath.engine.hops import Query as TraceQuery

    network = engine.prepare(model)
    rng = random.Random(1)
    instances = sorted(model.instances)
    by_vpc: dict[str, list[str]] = {}
    for name in instances:
        by_vpc.setdefault(model.instances[name].vpc, []).append(name)
    wanted: list[tuple[str, str, int]] = []
    seen: set[tuple[str, str, int]] = set()
    for source, destination, port, _ in queries:
        if (source, destination, port) not in seen:
            seen.add((source, destination, port))
            wanted.append((source, destination, port))
    while len(wanted) < count - GROUPS:
        source = rng.choice(instances)
        pool = by_vpc[model.instances[source].vpc] if len(wanted) % 2 else instances
        triple = (source, rng.choice(pool), rng.choice(PORTS))
        if triple[0] != triple[1] and triple not in seen:
            seen.add(triple)
            wanted.append(triple)
    lines = ["# netpath bench: expectations over bench/out/estate (bench/check_bench.py)",
             "netpath-expect: 1", "expectations:"]
    wrong = 0
    for k, (source, destination, port) in enumerate(wanted):
        try:
            trace = engine.trace(network, TraceQuery(source, destination, port))
        except QueryError:
            continue
        fields = {"from": source, "to": destination, "port": port}
        blocked = trace.blocked_by
        if k % 100 == 99:  # wrong on purpose: the failure path is measured too
            fields["reachable"] = blocked is not None
            wrong += 1
        elif blocked is not None and k % 5 == 0:
            fields["code"] = blocked.code
        else:
            fields["reachable"] = blocked is None
            routing = [h.name for h in trace.hops if h.component == "route-table"]
            if blocked is None and routing and k % 10 == 1:
                fields["via"] = f"[{routing[0]}]"
        if k % 50 == 0:
            fields = {"name": f"bench expectation {k}", **fields}
        lines.append("  - {" + ", ".join(f"{k2}: {v}" for k2, v in fields.items()) + "}")
    groups = Groups(network)
    subnets = [s for s in sorted(model.subnets) if _size(groups, Group(subnet=s), GroupError) >= 5]
    pairs = 0
    for n in range(GROUPS):
        a = subnets[(n * 97) % len(subnets)]
        same_vpc = [s for s in subnets if model.subnets[s].vpc == model.subnets[a].vpc
                    and s != a]
        b = same_vpc[n % len(same_vpc)] if same_vpc else subnets[(n * 89 + 1) % len(subnets)]
        sources = groups.members(Group(subnet=a))
        destinations = groups.members(Group(subnet=b))
        verdicts = [engine.trace(network, TraceQuery(s, d, 443)).reachable
                    for s in sources for d in destinations]
        pairs += len(verdicts)
        majority = sum(verdicts) * 2 >= len(verdicts)
        lines.append(f"  - {{name: subnet {a} to subnet {b}, from: {{subnet: {a}}}, "
                     f"to: {{subnet: {b}}}, port: 443, reachable: {str(majority).lower()}}}")
    return lines, {"expectations": len(lines) - 3, "group_expectations": GROUPS,
                   "group_pairs": pairs, "wrong_on_purpose": wrong}


def _size(groups: Any, group: Any, error: type[Exception]) -> int:
    try:
        return len(groups.members(group))
    except error:
        return 0


# --- measuring ------------------------------------------------------------------------------------


def _run(argv: Sequence[str], cwd: str, env: dict[str, str]) -> tuple[float, int, str]:
    started = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False)
    return time.perf_counter() - started, proc.returncode, proc.stderr


def bench_check_cli(estate_dir: Path, file: Path, runs: int) -> Result:
    """`netpath check` as CI runs it, interleaved with a process that only loads the spec."""
    netpath = Path(sys.executable).parent / "netpath"
    if not netpath.exists():
        return {"skipped": f"no console script at {netpath} (run `make bench`, which installs it)"}
    env = {k: v for k, v in os.environ.items()
           if k not in ("NETPATH_SPEC", "PYTHONDONTWRITEBYTECODE")}
    env["NO_COLOR"] = "1"
    argv = [str(netpath), "check", "--spec", str(estate_dir.resolve()), str(file.resolve())]
    baselines = {code: [sys.executable, "-c", code, str(estate_dir.resolve())]
                 for code in (LOAD_ONLY_PAUSED, LOAD_ONLY)}
    ours: list[float] = []
    theirs: dict[str, list[float]] = {code: [] for code in baselines}
    code = 0
    with tempfile.TemporaryDirectory() as cwd:
        for n in range(runs + 1):  # the first of each is a warm-up
            elapsed, code, err = _run(argv, cwd, env)
            if code not in (0, 1):
                lines = [ln for ln in err.splitlines() if ln.strip()] or ["(no output)"]
                return {"skipped": f"`netpath check` exited {code}: {lines[0][:200]}"}
            if n:
                ours.append(elapsed)
            for source, baseline in baselines.items():
                base, bcode, berr = _run(baseline, cwd, env)
                if bcode != 0:
                    return {"skipped": f"the load-only baseline failed: {berr.strip()[-200:]}"}
                if n:
                    theirs[source].append(base)
    median = statistics.median(ours)
    return {"command": f"netpath check --spec estate {file.name}", "runs": runs,
            "exit_code": code, "s": ours, "median_s": median,
            "baseline_s": theirs[LOAD_ONLY_PAUSED],
            "baseline_median_s": statistics.median(theirs[LOAD_ONLY_PAUSED]),
            "plain_load_s": theirs[LOAD_ONLY],
            "plain_load_median_s": statistics.median(theirs[LOAD_ONLY]),
            "target_s": TARGET_S, "met": median < TARGET_S}


def bench_check_split(estate_dir: Path, file: Path) -> Result:
    """One run in process, stage by stage, through the functions `netpath check` calls (with
    the garbage collector paused, as the command pauses it)."""
    from netpath.load import collector

    gc.collect()
    with collector.paused():
        return _split(estate_dir, file)


def _split(estate_dir: Path, file: Path) -> Result:
    from rich.console import Console

    from netpath import engine
    from netpath.checks.expectations import load_expectations
    from netpath.checks.runner import registered_rules, run_expectations
    from netpath.load.source import make_locator
    from netpath.render.check.json_doc import render_check_json
    from netpath.render.check.junit import render_junit
    from netpath.render.check.sarif import render_sarif
    from netpath.render.check.text import render_check_text
    from netpath.sources.loader import load_spec

    times: Result = {}
    started = time.perf_counter()
    loaded = load_spec(estate_dir)
    times["load"] = time.perf_counter() - started
    started = time.perf_counter()
    found, source_map, errors = load_expectations([(file, file.name)], None, loaded.source_map)
    times["read expectations"] = time.perf_counter() - started
    started = time.perf_counter()
    network = engine.prepare(loaded.model)
    times["prepare"] = time.perf_counter() - started
    started = time.perf_counter()
    results, failures = run_expectations(network, found.expectations,
                                         make_locator(source_map))
    times["trace and judge"] = time.perf_counter() - started
    lint_s: float | None = None
    findings: tuple[Any, ...] = ()
    if registered_rules():
        from netpath.checks import lint

        started = time.perf_counter()
        findings = lint.run_rules(loaded.model, network, ())
        lint_s = time.perf_counter() - started
    times["lint"] = lint_s
    from netpath.checks.report import Report

    report = Report(results, findings, (), registered_rules())
    renders: dict[str, Callable[[], object]] = {
        "render text": lambda: render_check_text(
            report, Console(file=io.StringIO(), no_color=True, color_system=None,
                            force_terminal=False), source_map),
        "render json": lambda: render_check_json(report, source_map),
        "render junit": lambda: render_junit(report, source_map),
        "render sarif": lambda: render_sarif(report, source_map),
    }
    for label, render in renders.items():
        started = time.perf_counter()
        render()
        times[label] = time.perf_counter() - started
    return {"stages_s": times, "expectations": len(found.expectations),
            "failed": sum(1 for r in results if not r.passed),
            "pairs": sum(len(r.pairs) for r in results), "errors": len(errors) + len(failures),
            "findings": len(findings)}


def print_check(result: Result, row: Callable[..., str], say: Callable[..., None]) -> None:
    print()
    print(row("check", "netpath", "baseline", "ratio", "target"))
    info = result.get("expectations", {})
    if "skipped" in result:
        say(f"skipped: {result['skipped']}", indent=2)
        return
    how = f"generated in {_s(info['generate_s'])}" if info.get("generated") else "reused"
    print(f"  {info.get('count', 0):,} expectations ({GROUPS} of them subnet groups) in "
          f"{info.get('file')} ({how})")
    cli = result.get("cli", {})
    if "skipped" in cli:
        say(f"the whole command: skipped: {cli['skipped']}", indent=2)
    elif cli:
        ratio = cli["median_s"] / cli["baseline_median_s"]
        print(row(f"  {cli['command']}", _s(cli["median_s"]), _s(cli["baseline_median_s"]),
                  f"{ratio:.2f}x", f"< {TARGET_S:.0f} s", "ok" if cli["met"] else "MISS"))
        say(f"a new process, text output to a pipe, median of {cli['runs']} after a warm-up "
            f"(exit code {cli['exit_code']}); baseline: a new process that only loads the spec "
            f"(load_spec) with the garbage collector paused, as the check runs, interleaved; "
            f"the difference is what checking adds: "
            f"{_s(cli['median_s'] - cli['baseline_median_s'])}. The same load with the "
            f"collector on (as `netpath trace` loads): {_s(cli['plain_load_median_s'])}")
    split = result.get("split", {})
    if "skipped" in split:
        say(f"split: skipped: {split['skipped']}", indent=2)
    elif split:
        for stage, seconds in split["stages_s"].items():
            print(row(f"    {stage}", _s(seconds) if seconds is not None else "no rules"))
        say(f"in process, one run: {split['expectations']:,} expectations, {split['pairs']:,} "
            f"pairs traced, {split['failed']} failed (on purpose), {split['findings']} lint "
            f"findings, {split['errors']} errors")
