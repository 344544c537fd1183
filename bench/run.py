#!/usr/bin/env python3
"""`make bench`: netpath's figures beside a baseline measured in the same run.

This machine class (two shared, noisy cores) makes absolute times drift by tens of percent from
one minute to the next, so every figure is a median of several runs and is shown next to a
baseline taken in the same run, interleaved with it where that is cheap; the ratio is the figure
to compare across runs and machines.

1. Cold start: the installed `netpath` console script tracing on the embedded default scenario,
   against `python -c "import typer, rich.console, yaml, jsonschema"` (the floor any CLI built on
   those libraries pays): `trace node-1 api.example.com --port 443`, and the README's demo,
   `trace pod-a api.example.com` in text (which adds the Kubernetes part, CoreDNS and the text
   renderer), interleaved with one baseline. Target: each within 1.3x.
2. Large estate (bench/generate.py, 2,000 subnets / 50,000 routes / 5,000 security groups with
   50,000 rules / 20,000 instances): load-and-validate, its stages when the loader reports them,
   against `yaml.compose` (libyaml) of the same files; `prepare`; then the 200 queries of
   queries.txt traced after load. Target: under 20 ms a trace (judged on the 95th percentile).
3. Kubernetes (bench/kube_estate.py: an EKS spec directory with 5,000 pods, 1,000 Services and
   500 NetworkPolicies as manifests): load-and-validate against `yaml.compose` of the same files,
   `prepare`, and the 200 pod queries of its queries.txt traced after load (target: p95 under
   20 ms). Then `netpath matrix` for one port over a second estate of the same generator with
   500 pods and 200 policies: the whole command as a user runs it (target: under 3 s), with the
   in-process split (load, build_matrix, render).
4. `netpath check` (bench/check_bench.py): 10,000 expectations over the large estate, the whole
   command against a process that only loads the spec (target: under 10 s), and its split.
5. Scale (bench/scale_bench.py, issue 11): inputs whose cost once grew with the square of their
   size (errors in thousands of documents, a matrix of 5,000 pods, a spec of 1.6 million keys
   with an unknown one, a group expectation over a 400-pod namespace, `show` of 100,000 pods),
   each at two or three sizes beside a baseline: wall clock, peak memory and how both grow.

It is a benchmark, not a test: it exits 0 when targets are missed (and says MISS), and parts that
cannot run yet (no loader, no engine) are reported as skipped.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import importlib.util
import inspect
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
COLD_ARGS = ("trace", "node-1", "api.example.com", "--port", "443")
DEMO_ARGS = ("trace", "pod-a", "api.example.com")  # the README's demo (`make demo`), in text
BASELINE_CODE = "import typer, rich.console, yaml, jsonschema"
TARGET_COLD_RATIO = 1.3
TARGET_TRACE_MS = 20.0
SMALL = {"subnets": 40, "routes": 400, "security_groups": 50, "sg_rules": 300, "enis": 200}
TARGET_MATRIX_S = 3.0
# Issue 3's sizes: the cluster traced, and the one the matrix runs over (same generator).
KUBE = {"pods": 5000, "services": 1000, "policies": 500}
KUBE_MATRIX = {"pods": 500, "services": 100, "policies": 200}
KUBE_SMALL = {"pods": 300, "services": 60, "policies": 30}
KUBE_MATRIX_SMALL = {"pods": 100, "services": 20, "policies": 40}
KUBE_CLUSTER = "eks"  # the cluster bench/kube_estate.py writes
MATRIX_PORT = 8080  # the web and api tiers' container port: policies both admit and deny it

Result = dict[str, Any]


# --------------------------------------------------------------------------------------------
# helpers


def _median(values: Sequence[float]) -> float:
    return statistics.median(values)


def _p95(values: Sequence[float]) -> float:
    """Nearest-rank 95th percentile: an observed value, never an interpolation."""
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 0.1 else f"{seconds * 1000:.0f} ms"


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 1 else _ms(seconds)


def _status(ok: bool) -> str:
    return "ok" if ok else "MISS"


def _import_generator(name: str = "bench_generate", file: str = "generate.py") -> ModuleType:
    # bench/ is not a package; load the generator by path so `python bench/run.py` and
    # `python -m` from anywhere both work.
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / file)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # before exec: dataclasses look their module up while defined
    spec.loader.exec_module(module)
    return module


def _time_process(argv: Sequence[str], cwd: str, env: dict[str, str]) -> tuple[float, int, str]:
    started = time.perf_counter()
    proc = subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    return time.perf_counter() - started, proc.returncode, proc.stderr


# --------------------------------------------------------------------------------------------
# 1. cold start


def bench_cold(runs: int, commands: Sequence[Sequence[str]] = (COLD_ARGS,)) -> list[Result]:
    """Each command's cold start against the baseline: one round runs every command and the
    baseline once, so a noisy moment hits them all alike; one result per command, each against
    the same baseline runs."""
    netpath = Path(sys.executable).parent / "netpath"
    if not netpath.exists():
        why = f"no console script at {netpath} (run `make bench`, which installs it)"
        return [{"skipped": why} for _ in commands]
    # PYTHONDONTWRITEBYTECODE (set on some machines) would make every start recompile netpath
    # from source, which no installed copy does: `pip install .` writes the .pyc files.
    env = {k: v for k, v in os.environ.items()
           if k not in ("NETPATH_SPEC", "PYTHONDONTWRITEBYTECODE")}
    env["NO_COLOR"] = "1"
    package = Path(__file__).resolve().parent.parent / "netpath"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], env=env,
                   check=False, stdout=subprocess.DEVNULL)
    baseline = [sys.executable, "-c", BASELINE_CODE]
    results: list[Result] = [{} for _ in commands]
    # An empty working directory: no ./netpath.yaml can replace the embedded default scenario.
    with tempfile.TemporaryDirectory() as cwd:
        # One unmeasured run each writes the .pyc files (and record's code cache) and warms the
        # page cache: "cold" here means a new process, as a user's second and later invocations
        # are.
        measured: list[tuple[int, list[str]]] = []
        for k, args in enumerate(commands):
            _, code, err = _time_process([str(netpath), *args], cwd, env)
            if code not in (0, 1):  # 0 reachable, 1 blocked: both are a finished trace
                lines = err.strip().splitlines() or ["(no output)"]
                why = next((ln for ln in lines if "error" in ln.lower()), lines[-1])
                results[k] = {"skipped": f"`netpath {' '.join(args)}` exited {code}: {why[:200]}"}
            else:
                results[k]["exit_code"] = code
                measured.append((k, [str(netpath), *args]))
        if not measured:
            return results
        _, bcode, berr = _time_process(baseline, cwd, env)
        if bcode != 0:
            return [{"skipped": f"baseline failed ({bcode}): {berr.strip()[-200:]}"}
                    for _ in commands]
        ours: dict[int, list[float]] = {k: [] for k, _ in measured}
        theirs: list[float] = []
        rounds: list[tuple[int | None, list[str]]] = [*measured, (None, baseline)]
        for n in range(runs):
            # Interleaved, so a noisy moment hits every side alike; every other round in the
            # reverse order, since a command's place in the round was seen to move its median
            # by a few percent.
            for which, command in rounds if n % 2 == 0 else rounds[::-1]:
                seconds = _time_process(command, cwd, env)[0]
                (theirs if which is None else ours[which]).append(seconds)
    for k, _ in measured:
        ratio = _median(ours[k]) / _median(theirs)
        results[k].update({
            "command": f"netpath {' '.join(commands[k])}",
            "baseline": f'python -c "{BASELINE_CODE}"',
            "runs": runs,
            "netpath_s": ours[k],
            "baseline_s": theirs,
            "netpath_median_s": _median(ours[k]),
            "baseline_median_s": _median(theirs),
            "ratio": ratio,
            "target_ratio": TARGET_COLD_RATIO,
            "met": ratio <= TARGET_COLD_RATIO,
        })
    return results


def bench_instructions(commands: Sequence[Sequence[str]]) -> Result:
    """The cold starts again, counted in instructions under valgrind's callgrind: the same count
    for the same code whatever else the machine is doing, so a change of a few percent shows
    where wall-clock medians on a shared machine cannot tell it from noise. Skipped without
    valgrind (Debian's `valgrind` package); about 10 s a command."""
    valgrind = shutil.which("valgrind")
    netpath = Path(sys.executable).parent / "netpath"
    if valgrind is None or not netpath.exists():
        return {"skipped": "no valgrind on the PATH" if valgrind is None else "no console script"}
    env = {k: v for k, v in os.environ.items()
           if k not in ("NETPATH_SPEC", "PYTHONDONTWRITEBYTECODE")}
    env["NO_COLOR"] = "1"

    def count(argv: Sequence[str], cwd: str) -> int | None:
        proc = subprocess.run([valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null",
                               *argv], cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, check=False)
        found = re.search(r"Collected : (\d+)", proc.stderr)
        return int(found.group(1)) if found else None

    with tempfile.TemporaryDirectory() as cwd:
        for args in commands:  # the .pyc files and record's cache are written by then
            subprocess.run([str(netpath), *args], cwd=cwd, env=env, check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        baseline = count([sys.executable, "-c", BASELINE_CODE], cwd)
        if baseline is None:
            return {"skipped": "valgrind counted nothing"}
        found: Result = {"baseline": baseline, "commands": {}}
        for args in commands:
            ours = count([sys.executable, str(netpath), *args], cwd)
            if ours is not None:
                found["commands"][f"netpath {' '.join(args)}"] = {
                    "instructions": ours, "ratio": ours / baseline}
    return found


def _print_instructions(counted: Result) -> None:
    if "skipped" in counted:
        _say(f"instructions: skipped ({counted['skipped']})", indent=2)
        return
    print(_row("  the same, in instructions (callgrind)", "", f"{counted['baseline'] / 1e6:.0f} M",
               "", ""))
    for command, figures in counted["commands"].items():
        print(_row(f"  {command}", f"{figures['instructions'] / 1e6:.0f} M", "",
                   f"{figures['ratio']:.2f}x", ""))


# --------------------------------------------------------------------------------------------
# 2. large estate


def ensure_estate(sizes: dict[str, int], out: Path, force: bool) -> Result:
    """Generate the estate unless `out` already holds one from the same parameters/generator."""
    return _ensure(_import_generator(), sizes, out, force)


def _ensure(gen: ModuleType, sizes: dict[str, int], out: Path, force: bool) -> Result:
    """Generate with `gen` unless `out` holds an estate from the same parameters and generator
    version (its manifest says so)."""
    params = gen.Params(**sizes).resolved()
    manifest_path = out / "manifest.json"
    if not force and manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if (
            manifest.get("generator_version") == gen.GENERATOR_VERSION
            and manifest.get("params") == asdict(params)
            and all((out / f).exists() for f in manifest.get("files", []))
        ):
            return {"generated": False, "dir": str(out), **manifest}
    started = time.perf_counter()
    estate = gen.build(params)
    size = gen.write(estate, out)
    elapsed = time.perf_counter() - started
    manifest = json.loads(manifest_path.read_text())
    return {"generated": True, "generate_s": elapsed, "dir": str(out), **manifest, "bytes": size}


def bench_compose(files: list[Path], runs: int, multi: bool = False) -> Result:
    """The same-run reference for loading: libyaml parsing the same files (read included).

    `multi`: the files hold several documents (Kubernetes manifests), parsed with the `_all`
    variants."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        return {"skipped": "PyYAML was built without libyaml (no CSafeLoader)"}
    compose_one: Callable[[str], object] = (
        (lambda text: list(yaml.compose_all(text, Loader=loader))) if multi
        else (lambda text: yaml.compose(text, Loader=loader)))
    load_one: Callable[[str], object] = (
        (lambda text: list(yaml.load_all(text, Loader=loader))) if multi
        else (lambda text: yaml.load(text, Loader=loader)))
    compose: list[float] = []
    load: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        for f in files:
            compose_one(f.read_text(encoding="utf-8"))
        compose.append(time.perf_counter() - started)
        started = time.perf_counter()
        for f in files:
            load_one(f.read_text(encoding="utf-8"))
        load.append(time.perf_counter() - started)
    return {
        "compose_s": compose,
        "compose_median_s": _median(compose),
        "load_s": load,
        "load_median_s": _median(load),
    }


def bench_load(estate_dir: Path, runs: int) -> tuple[Result, Any]:
    """Median load_spec time and, when the loader reports them, its stages. Returns the model."""
    try:
        load_module = importlib.import_module("netpath.sources.loader")
        from netpath.load.errors import SpecErrors
    except Exception as exc:  # noqa: BLE001 - a benchmark reports what it cannot run
        return {"skipped": f"netpath.sources.loader unavailable: {type(exc).__name__}: {exc}"}, None
    totals: list[float] = []
    stages: dict[str, list[float]] = {}
    model = None
    for _ in range(runs):
        model = None
        gc.collect()  # the previous run's model must not be collected inside this run's timing
        started = time.perf_counter()
        try:
            loaded = load_module.load_spec(estate_dir)
        except SpecErrors as exc:
            first = "; ".join(str(e) for e in exc.errors[:3])
            return {"skipped": f"the estate has {len(exc.errors)} spec errors: {first}"}, None
        except Exception as exc:  # noqa: BLE001
            where = traceback.extract_tb(exc.__traceback__)[-1]
            return {
                "skipped": f"load_spec failed: {type(exc).__name__}: {exc} "
                f"({Path(where.filename).name}:{where.lineno})"
            }, None
        totals.append(time.perf_counter() - started)
        # The loader's per-stage timings are optional: report them only if it exposes them.
        timings = loaded.timings if hasattr(loaded, "timings") else None
        if isinstance(timings, dict):
            for stage, seconds in timings.items():
                stages.setdefault(stage, []).append(seconds)
        model = loaded.model if hasattr(loaded, "model") else loaded
    result: Result = {"runs": runs, "load_s": totals, "load_median_s": _median(totals)}
    if stages:
        result["stages_median_s"] = {k: _median(v) for k, v in stages.items()}
    return result, model


def _engine() -> tuple[Callable[[Any], Any], Callable[[Any, Any], Any], type] | str:
    """(prepare, trace, Query), or why they are not there yet."""
    try:
        engine = importlib.import_module("netpath.engine")
        query_type = importlib.import_module("netpath.engine.hops").Query
    except Exception as exc:  # noqa: BLE001
        return f"netpath.engine unavailable: {type(exc).__name__}: {exc}"
    prepare = getattr(engine, "prepare", None)
    trace = getattr(engine, "trace", None)
    if not callable(prepare) or not callable(trace) or isinstance(trace, ModuleType):
        return "netpath.engine has no prepare(model) and trace(network, query) yet"
    return prepare, trace, query_type


def read_queries(path: Path) -> list[tuple[str, str, int, str]]:
    out: list[tuple[str, str, int, str]] = []
    for line in path.read_text().splitlines():
        text, _, comment = line.partition("#")
        if text.split():
            source, destination, port = text.split()
            out.append((source, destination, int(port), comment.strip() or "-"))
    return out


def bench_engine(
    model: Any, queries: list[tuple[str, str, int, str]], runs: int, passes: int
) -> Result:
    found = _engine()
    if isinstance(found, str):
        return {"skipped": found}
    prepare, trace, query_type = found
    prepare_s: list[float] = []
    network = None
    for _ in range(runs):
        network = None
        gc.collect()
        started = time.perf_counter()
        try:
            network = prepare(model)
        except Exception as exc:  # noqa: BLE001
            return {"skipped": f"prepare failed: {type(exc).__name__}: {exc}"}
        prepare_s.append(time.perf_counter() - started)
    per_query: list[list[float]] = [[] for _ in queries]
    verdicts: Counter[str] = Counter()
    by_kind: dict[str, Counter[str]] = {}
    errors: list[str] = []
    for n in range(passes):
        for k, (source, destination, port, kind) in enumerate(queries):
            started = time.perf_counter()
            try:
                result = trace(network, query_type(source, destination, port))
                verdict = str(getattr(result, "verdict", "done"))
            except Exception as exc:  # noqa: BLE001 - one bad query must not hide the rest
                verdict = "error"
                if n == 0 and len(errors) < 5:
                    errors.append(f"{source} {destination} {port}: {type(exc).__name__}: {exc}")
            per_query[k].append(time.perf_counter() - started)
            if n == 0:
                verdicts[verdict] += 1
                by_kind.setdefault(kind, Counter())[verdict] += 1
    # Each query's median over the passes, then the distribution over queries: robust to a
    # noisy moment, and still one figure per query.
    times = [_median(t) for t in per_query]
    slowest = sorted(range(len(queries)), key=lambda k: times[k], reverse=True)[:3]
    p95 = _p95(times)
    return {
        "prepare_s": prepare_s,
        "prepare_median_s": _median(prepare_s),
        "queries": len(queries),
        "passes": passes,
        "trace_median_ms": _median(times) * 1000,
        "trace_p95_ms": p95 * 1000,
        "trace_max_ms": max(times) * 1000,
        "first_trace_ms": per_query[0][0] * 1000,
        "target_ms": TARGET_TRACE_MS,
        "met": p95 * 1000 < TARGET_TRACE_MS,
        "verdicts": dict(verdicts),
        "by_kind": {k: dict(v) for k, v in sorted(by_kind.items())},
        "errors": errors,
        "slowest": [
            {"query": " ".join(map(str, queries[k][:3])), "ms": times[k] * 1000} for k in slowest
        ],
    }


# --------------------------------------------------------------------------------------------
# 3. kubernetes


def ensure_kube_estate(sizes: dict[str, int], out: Path, force: bool) -> Result:
    """Generate a kube estate unless `out` already holds one from the same parameters."""
    return _ensure(_import_generator("bench_kube_estate", "kube_estate.py"), sizes, out, force)


def _matrix_cli(estate_dir: Path, port: int, runs: int) -> Result:
    """`netpath matrix --spec DIR --port N` as a user runs it: a new process (start, load,
    matrix, text output to a pipe nobody reads), wall clock, median of `runs` after a warm-up."""
    netpath = Path(sys.executable).parent / "netpath"
    if not netpath.exists():
        return {"skipped": f"no console script at {netpath} (run `make bench`, which installs it)"}
    env = {k: v for k, v in os.environ.items()
           if k not in ("NETPATH_SPEC", "PYTHONDONTWRITEBYTECODE")}
    env["NO_COLOR"] = "1"
    argv = [str(netpath), "matrix", "--spec", str(estate_dir), "--port", str(port)]
    shown = f"netpath matrix --spec {estate_dir.name} --port {port}"
    times: list[float] = []
    with tempfile.TemporaryDirectory() as cwd:
        for n in range(runs + 1):  # the first is a warm-up: .pyc files, page cache
            elapsed, code, err = _time_process(argv, cwd, env)
            if code != 0:  # every run, not only the first: a crash is fast, not a figure
                lines = [ln for ln in err.strip().splitlines() if ln.strip()] or ["(no output)"]
                return {"skipped": f"`{shown}` exited {code}: {lines[0][:200]}"}
            if n:
                times.append(elapsed)
    return {"command": shown, "runs": runs, "s": times, "median_s": _median(times),
            "target_s": TARGET_MATRIX_S, "met": _median(times) < TARGET_MATRIX_S}


def _wants_network(build_matrix: Callable[..., Any]) -> bool:
    """Whether build_matrix takes the prepared Network (to run the engine per class) rather
    than bare clusters (NetworkPolicy only): read from its first parameter's annotation, so the
    bench follows the matrix engine as it changes without guessing by trial and error."""
    first = next(iter(inspect.signature(build_matrix).parameters.values()), None)
    return first is not None and "Network" in str(first.annotation)


def bench_matrix(model: Any, namespaces: Sequence[str], port: int, runs: int) -> Result:
    """The matrix in process, through the functions the CLI calls (netpath/cli/matrix.py), so
    it measures whatever they become: `prepare` when build_matrix takes the prepared network
    (the command pays it too), pod selection + build_matrix, then the text and JSON
    renderings. Median of `runs`."""
    try:
        from netpath.engine import prepare
        from netpath.engine.matrix import build_matrix, select_pods
        from netpath.render import matrix as render
    except Exception as exc:  # noqa: BLE001 - a benchmark reports what it cannot run
        return {"skipped": f"netpath matrix unavailable: {type(exc).__name__}: {exc}"}
    clusters = model.clusters
    wants_network = _wants_network(build_matrix)
    prepare_s: list[float] = []
    build_s: list[float] = []
    text_s: list[float] = []
    json_s: list[float] = []
    matrix = None
    for _ in range(runs):
        matrix = world = None
        gc.collect()
        try:
            started = time.perf_counter()
            world = prepare(model) if wants_network else clusters
            if wants_network:
                prepare_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            pods = select_pods(clusters, tuple(namespaces), ())
            matrix = build_matrix(world, pods, "tcp", port)
            build_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            # 80 columns: what the command uses when its output is piped
            render.render_text(matrix, width=80, unicode=True, port_assumed=False)
            text_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            render.render_json(matrix)
            json_s.append(time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001
            where = traceback.extract_tb(exc.__traceback__)[-1]
            return {"skipped": f"matrix failed: {type(exc).__name__}: {exc} "
                    f"({Path(where.filename).name}:{where.lineno})"}
    assert matrix is not None
    pairs = reachable = 0
    for _, _, verdict in matrix.pairs():  # once, outside the timings: what the matrix says
        pairs += 1
        reachable += verdict.reachable
    classes = getattr(matrix, "classes", None)
    return {
        "namespaces": list(namespaces),
        "port": port,
        "pods": len(matrix.pods),
        "classes": classes if isinstance(classes, int) else None,
        "pairs": pairs,
        "reachable_pairs": reachable,
        "runs": runs,
        "world": "prepared network" if wants_network else "clusters",
        "prepare_median_s": _median(prepare_s) if prepare_s else None,
        "build_s": build_s,
        "build_median_s": _median(build_s),
        "render_text_median_s": _median(text_s),
        "render_json_median_s": _median(json_s),
    }


def bench_kube(args: argparse.Namespace) -> Result:
    """The Kubernetes section: the 5,000-pod estate (load, prepare, traces), then the matrix
    over the 500-pod / 200-policy estate made by the same generator."""
    big_sizes, matrix_sizes = (KUBE_SMALL, KUBE_MATRIX_SMALL) if args.small else (KUBE, KUBE_MATRIX)
    suffix = "-small" if args.small else ""
    kube_dir = OUT / f"kube-estate{suffix}"
    matrix_dir = OUT / f"kube-matrix{suffix}"
    kube: Result = {"estate": ensure_kube_estate(big_sizes, kube_dir, args.regenerate)}
    files = sorted(kube_dir / f for f in kube["estate"]["files"])
    kube["yaml"] = bench_compose(files, args.load_runs, multi=True)
    kube["load"], model = bench_load(kube_dir, args.load_runs)
    if model is not None:
        queries = read_queries(kube_dir / "queries.txt")
        kube["engine"] = bench_engine(model, queries, args.load_runs, args.trace_passes)
        # For scale, not judged: the same number of pods taken from the big cluster by
        # namespace (the policy index then holds all of its policies, not 200).
        teams = sorted(ns for ns in model.clusters[KUBE_CLUSTER].namespaces
                       if ns.startswith("team-"))
        per_namespace = big_sizes["pods"] // max(1, len(teams))
        wanted = max(1, matrix_sizes["pods"] // max(1, per_namespace))
        kube["matrix_in_big"] = bench_matrix(model, teams[:wanted], args.matrix_port,
                                             args.load_runs)
    model = None
    gc.collect()

    m_info = ensure_kube_estate(matrix_sizes, matrix_dir, args.regenerate)
    matrix: Result = {"estate": m_info}
    kube["matrix"] = matrix
    m_files = sorted(matrix_dir / f for f in m_info["files"])
    matrix["yaml"] = bench_compose(m_files, args.load_runs, multi=True)
    matrix["load"], m_model = bench_load(matrix_dir, args.load_runs)
    if m_model is not None:
        matrix["in_process"] = bench_matrix(m_model, (), args.matrix_port, args.load_runs)
    m_model = None
    gc.collect()
    matrix["cli"] = _matrix_cli(matrix_dir, args.matrix_port, args.matrix_runs)
    return kube


# --------------------------------------------------------------------------------------------
# 4. netpath check (bench/check_bench.py)


def bench_check(args: argparse.Namespace) -> Result:
    """10,000 expectations over the large estate: the whole command against a load-only
    process, then the split in process."""
    check = _import_generator("bench_check", "check_bench.py")
    sizes = SMALL if args.small else {}
    estate_dir = OUT / ("estate-small" if args.small else "estate")
    info = ensure_estate(sizes, estate_dir, args.regenerate)
    queries = read_queries(estate_dir / "queries.txt")

    def model_of() -> Any:
        from netpath.sources.loader import load_spec

        return load_spec(estate_dir).model

    try:
        found = check.ensure_expectations(estate_dir, OUT / ("check-small" if args.small
                                                              else "check"), queries, model_of)
    except Exception as exc:  # noqa: BLE001 - a benchmark reports what it cannot run
        return {"skipped": f"generating the expectations failed: {type(exc).__name__}: {exc}",
                "estate": info}
    gc.collect()
    result: Result = {"expectations": found, "estate": info}
    file = Path(found["file"])
    try:
        result["split"] = check.bench_check_split(estate_dir, file)
    except Exception as exc:  # noqa: BLE001
        result["split"] = {"skipped": f"{type(exc).__name__}: {exc}"}
    gc.collect()
    result["cli"] = check.bench_check_cli(estate_dir, file, args.check_runs)
    return result


# --------------------------------------------------------------------------------------------
# report


Row = tuple[str, str, str, str, str, str]  # figure, netpath, baseline, ratio, target, status
_WIDTHS = (50, 10, 10, 7, 10)


def _row(
    label: str,
    value: str = "",
    baseline: str = "",
    ratio: str = "",
    target: str = "",
    status: str = "",
) -> str:
    cells = (label, value, baseline, ratio, target)
    text = cells[0].ljust(_WIDTHS[0]) + "".join(
        c.rjust(w) for c, w in zip(cells[1:], _WIDTHS[1:], strict=True)
    )
    return (text + ("  " + status if status else "")).rstrip()


def _say(text: str, indent: int = 4) -> None:
    """A note under the table, wrapped to the table's width so the report stays compact."""
    print(
        textwrap.fill(
            text,
            width=100,
            initial_indent=" " * indent,
            subsequent_indent=" " * (indent + 2),
            break_on_hyphens=False,  # names like internet-public-ip stay whole
        )
    )


def _print_cold(colds: Sequence[Result]) -> None:
    print(_row("cold start", "netpath", "baseline", "ratio", "target"))
    for cold in colds:
        if "skipped" in cold:
            _say(f"skipped: {cold['skipped']}", indent=2)
            continue
        print(
            _row(
                f"  {cold['command']}",
                _ms(cold["netpath_median_s"]),
                _ms(cold["baseline_median_s"]),
                f"{cold['ratio']:.2f}x",
                f"<= {TARGET_COLD_RATIO}x",
                _status(cold["met"]),
            )
        )
    shown = next((c for c in colds if "skipped" not in c), None)
    if shown is not None:
        print(f"    baseline: {shown['baseline']}")
        print(f"    median of {shown['runs']} interleaved runs each (every command and the "
              "baseline, every other round in reverse), after one unmeasured warm-up")


def _print_estate(estate: Result) -> None:
    info = estate.get("estate", {})
    c = info.get("counts", {})
    print()
    print(_row("large estate", "netpath", "baseline", "ratio", "target"))
    if c:
        how = f"generated in {_s(info['generate_s'])}" if info.get("generated") else "reused"
        print(
            f"  {c['subnets']:,} subnets, {c['routes']:,} routes, {c['security_groups']:,} SGs "
            f"with {c['sg_rules']:,} rules, {c['instances']:,} instances"
        )
        print(
            f"  {len(info.get('files', []))} files, {info.get('bytes', 0) / 1e6:.1f} MB in "
            f"{info.get('dir')} ({how})"
        )
    _print_load(estate)
    _print_engine(estate.get("engine", {}))


def _print_load(estate: Result) -> None:
    """The load + validate rows (stages below), beside the yaml.compose baseline."""
    base = estate.get("yaml", {})
    load = estate.get("load", {})
    compose = base.get("compose_median_s")
    if "skipped" in load:
        _say(f"load + validate: skipped: {load['skipped']}", indent=2)
        if compose:
            print(_row("  yaml.compose, same files", "", _s(compose)))
    elif load:
        ratio = f"{load['load_median_s'] / compose:.2f}x" if compose else ""
        print(
            _row(
                f"  load + validate, median of {load['runs']}",
                _s(load["load_median_s"]),
                _s(compose) if compose else "",
                ratio,
            )
        )
        for stage, seconds in (load.get("stages_median_s") or {}).items():
            print(_row(f"    {stage}", _s(seconds)))
    if compose:
        print(
            f"    baseline: yaml.compose with libyaml (CSafeLoader) of the same files; "
            f"yaml.load: {_s(base['load_median_s'])}"
        )
    elif "skipped" in base:
        print(f"    baseline skipped: {base['skipped']}")


def _print_engine(eng: Result) -> None:
    """prepare, then the trace distribution against the 20 ms target, verdicts by kind."""
    if "skipped" in eng:
        _say(f"prepare / trace: skipped: {eng['skipped']}", indent=2)
        return
    if not eng:
        return
    target = f"< {TARGET_TRACE_MS:.0f} ms"
    print(_row("  prepare (engine indexes)", _s(eng["prepare_median_s"])))
    print(_row(f"  trace, median of {eng['queries']} queries", f"{eng['trace_median_ms']:.2f} ms"))
    print(
        _row("  trace, p95", f"{eng['trace_p95_ms']:.2f} ms", "", "", target, _status(eng["met"]))
    )
    print(
        _row(
            "  trace, max / first",
            f"{eng['trace_max_ms']:.1f} ms",
            f"{eng['first_trace_ms']:.1f} ms",
        )
    )
    print(
        f"    each query's median of {eng['passes']} passes; verdicts: "
        + ", ".join(f"{k} {v}" for k, v in sorted(eng["verdicts"].items()))
    )
    kinds = ", ".join(
        f"{k} " + "/".join(f"{v}{w[0]}" for w, v in sorted(n.items()))
        for k, n in eng["by_kind"].items()
    )
    _say(f"by kind (b blocked, r reachable, e error): {kinds}")
    _say("slowest: " + "; ".join(f"{s['query']} {s['ms']:.1f} ms" for s in eng["slowest"]))
    for err in eng["errors"]:
        _say(f"error: {err}")


def _counts(c: dict[str, int]) -> str:
    return (f"{c['pods']:,} pods ({c['deployments']:,} Deployments), {c['services']:,} Services "
            f"({c['node_port_services']:,} NodePort), {c['network_policies']:,} NetworkPolicies,"
            f"\n  {c['namespaces']:,} namespaces, {c['nodes']:,} nodes")


def _estate_line(info: Result) -> str:
    how = f"generated in {_s(info['generate_s'])}" if info.get("generated") else "reused"
    return (f"{len(info.get('files', []))} files, {info.get('bytes', 0) / 1e6:.1f} MB in "
            f"{info.get('dir')} ({how})")


def _print_matrix(m: Result, label: str, target: bool) -> None:
    if "skipped" in m:
        _say(f"{label}: skipped: {m['skipped']}", indent=2)
        return
    if not m:
        return
    if not target:
        n = len(m["namespaces"])
        label = f"{label}, {n} namespace{'' if n == 1 else 's'} of it"
    if m.get("prepare_median_s") is not None:
        print(_row("  prepare (build_matrix takes the network)", _s(m["prepare_median_s"])))
    print(_row(f"  {label}", _s(m["build_median_s"])))
    print(_row("    render text", _s(m["render_text_median_s"])))
    print(_row("    render json", _s(m["render_json_median_s"])))
    classes = f"{m['classes']:,} classes, " if m.get("classes") is not None else ""
    what = (f"{m['pods']:,} pods, {classes}{m['pairs']:,} pairs, {m['reachable_pairs']:,} "
            f"reachable on tcp/{m['port']}; median of {m['runs']}")
    if not target:
        what = (f"not judged: {', '.join(m['namespaces'])} of the cluster above, whose "
                f"policies all stay in the index; " + what)
    _say(what)


def _print_kube(kube: Result) -> None:
    info = kube.get("estate", {})
    print()
    print(_row("kubernetes", "netpath", "baseline", "ratio", "target"))
    if info.get("counts"):
        print(f"  {_counts(info['counts'])}")
        print(f"  {_estate_line(info)}")
    _print_load(kube)
    _print_engine(kube.get("engine", {}))
    _print_matrix(kube.get("matrix_in_big", {}), "matrix", False)
    matrix = kube.get("matrix", {})
    if not matrix:
        return
    m_info = matrix.get("estate", {})
    print()
    print(_row("kubernetes matrix", "netpath", "baseline", "ratio", "target"))
    if m_info.get("counts"):
        print(f"  {_counts(m_info['counts'])}")
        print(f"  {_estate_line(m_info)}")
    cli = matrix.get("cli", {})
    if "skipped" in cli:
        _say(f"the whole command: skipped: {cli['skipped']}", indent=2)
    elif cli:
        print(_row(f"  {cli['command']}", _s(cli["median_s"]), "", "",
                   f"< {TARGET_MATRIX_S:.0f} s", _status(cli["met"])))
        _say(f"a new process as a user runs it (start, load, matrix, text output), wall "
             f"clock, median of {cli['runs']} after a warm-up; split in process:")
    _print_load(matrix)
    _print_matrix(matrix.get("in_process", {}), "select + build_matrix", True)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="netpath benchmarks (figures, not pass/fail)")
    ap.add_argument("--runs", type=int, default=11, help="cold-start runs of each command")
    ap.add_argument("--load-runs", type=int, default=3, help="loads of the large estate")
    ap.add_argument("--trace-passes", type=int, default=3, help="passes over the queries")
    ap.add_argument("--small", action="store_true", help="a small estate (a quick smoke run)")
    ap.add_argument("--regenerate", action="store_true", help="generate even if up to date")
    ap.add_argument("--skip-cold", action="store_true")
    ap.add_argument("--skip-estate", action="store_true")
    ap.add_argument("--skip-kube", action="store_true", help="skip the Kubernetes section")
    ap.add_argument("--skip-check", action="store_true",
                    help="skip the `netpath check` section (10,000 expectations)")
    ap.add_argument("--check-runs", type=int, default=3,
                    help="runs of the whole `netpath check` command")
    ap.add_argument("--matrix-runs", type=int, default=5,
                    help="runs of the whole `netpath matrix` command")
    ap.add_argument("--matrix-port", type=int, default=MATRIX_PORT, help="the matrix's port")
    ap.add_argument("--skip-scale", action="store_true",
                    help="skip the scale section (issue 11's large inputs; a few minutes)")
    ap.add_argument("--scale-runs", type=int, default=1, help="runs of each scale command")
    ap.add_argument("--scale-mem-limit", type=float, default=6.0,
                    help="GB of address space a scale command may take")
    ap.add_argument("--scale-timeout", type=float, default=900.0,
                    help="seconds a scale command may take")
    ap.add_argument(
        "--json", type=Path, default=OUT / "results.json", help="where to write results"
    )
    args = ap.parse_args(argv)

    results: Result = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    print(
        f"netpath bench: Python {results['python']}, {results['cpus']} CPUs; medians, each "
        "beside a baseline measured in this run\n"
    )
    if not args.skip_cold:
        results["cold_start"], results["cold_start_demo"] = bench_cold(
            args.runs, (COLD_ARGS, DEMO_ARGS))
        _print_cold((results["cold_start"], results["cold_start_demo"]))
        results["cold_start_instructions"] = bench_instructions((COLD_ARGS, DEMO_ARGS))
        _print_instructions(results["cold_start_instructions"])
    if not args.skip_estate:
        sizes = SMALL if args.small else {}
        estate_dir = OUT / ("estate-small" if args.small else "estate")
        estate: Result = {"estate": ensure_estate(sizes, estate_dir, args.regenerate)}
        results["large_estate"] = estate
        files = sorted(estate_dir / f for f in estate["estate"]["files"])
        estate["yaml"] = bench_compose(files, args.load_runs)
        estate["load"], model = bench_load(estate_dir, args.load_runs)
        if model is not None:
            queries = read_queries(estate_dir / "queries.txt")
            estate["engine"] = bench_engine(model, queries, args.load_runs, args.trace_passes)
        _print_estate(estate)
        model = None  # a large heap would slow the garbage collector in the next section
        gc.collect()
    if not args.skip_check:
        results["check"] = bench_check(args)
        _import_generator("bench_check", "check_bench.py").print_check(
            results["check"], _row, _say)
    if not args.skip_kube:
        results["kubernetes"] = bench_kube(args)
        _print_kube(results["kubernetes"])
    if not args.skip_scale:
        scale = _import_generator("bench_scale", "scale_bench.py")
        results["scale"] = scale.bench_scale(args.small, args.scale_runs, args.scale_mem_limit,
                                             args.scale_timeout)
        scale.print_scale(results["scale"], _row, _say)

    missed = []
    cold = results.get("cold_start", {})
    if cold.get("met") is False:
        missed.append(f"cold start {cold['ratio']:.2f}x > {TARGET_COLD_RATIO}x")
    demo = results.get("cold_start_demo", {})
    if demo.get("met") is False:
        missed.append(f"demo cold start {demo['ratio']:.2f}x > {TARGET_COLD_RATIO}x")
    eng = results.get("large_estate", {}).get("engine", {})
    if eng.get("met") is False:
        missed.append(f"trace p95 {eng['trace_p95_ms']:.1f} ms >= {TARGET_TRACE_MS:.0f} ms")
    kube = results.get("kubernetes", {})
    kube_eng = kube.get("engine", {})
    if kube_eng.get("met") is False:
        missed.append(f"kubernetes trace p95 {kube_eng['trace_p95_ms']:.1f} ms >= "
                      f"{TARGET_TRACE_MS:.0f} ms")
    kube_matrix = kube.get("matrix", {})
    matrix_cli = kube_matrix.get("cli", {})
    if matrix_cli.get("met") is False:
        missed.append(f"matrix {matrix_cli['median_s']:.2f} s >= {TARGET_MATRIX_S:.0f} s")
    check_cli = results.get("check", {}).get("cli", {})
    if check_cli.get("met") is False:
        missed.append(f"check {check_cli['median_s']:.2f} s >= {check_cli['target_s']:.0f} s")
    skipped = [
        k
        for k, v in [
            ("cold start", cold),
            ("demo cold start", demo),
            *results.get("large_estate", {}).items(),
            *((f"kubernetes {k}", v) for k, v in kube.items()),
            *((f"matrix {k}", v) for k, v in kube_matrix.items()),
            *((f"check {k}", v) for k, v in results.get("check", {}).items()),
            ("scale", results.get("scale", {})),
        ]
        if isinstance(v, dict) and "skipped" in v
    ]
    results["missed"], results["skipped"] = missed, skipped
    print()
    measured = [m for m in (cold.get("met"), demo.get("met"), eng.get("met"), kube_eng.get("met"),
                            matrix_cli.get("met"), check_cli.get("met")) if m is not None]
    verdict = (
        "MISSED: " + "; ".join(missed)
        if missed
        else "all measured targets met"
        if measured
        else "none measured"
    )
    print("targets: " + verdict + (f" (skipped: {', '.join(skipped)})" if skipped else ""))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    if args.json.parent == OUT:
        (OUT / ".gitignore").write_text("*\n")  # generated output: never committed by accident
    args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"results: {args.json}")
    return 0  # a benchmark: missing a target is a figure, not a failure


if __name__ == "__main__":
    sys.exit(main())
