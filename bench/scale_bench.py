"""The scale section of `make bench` (bench/run.py imports it; --skip-scale skips it).

Issue 11's "quadratic paths on accepted input": inputs netpath accepts whose cost grew with the
square of their size. Each is generated deterministically under bench/out/scale/ and run as a
user runs it (a new process, output to /dev/null), at two sizes (three for the first), beside a
baseline measured in the same run. The figures are wall clock and peak memory (the process's
maxrss); the growth from one size to the next, against how much the input grew, says whether a
path is linear (twice the input, twice the time) or quadratic (four times).

1. errors: N one-pod documents in one manifest file, each with a bad `containerPort`:
   `netpath show` reports N located errors (exit 2). Baseline: `yaml.compose_all` of the file
   (libyaml) in a new process. Issue: 4,000 documents 2.0 s, 8,000 7.8 s, 100,000 over 10
   minutes (run at all three sizes).
2. matrix: `netpath matrix --format json` (then csv and text) over bench/kube_estate.py's EKS
   cluster at N pods: N x (N - 1) pairs written. Baseline: a process that only loads the spec.
   Issue: 5,000 pods peaked at 9.3 GB for JSON.
3. schema: a spec of one mapping of N internet hosts and one unknown top-level key: `netpath
   show` reports the key (exit 2). Baseline: `yaml.compose` of the file. Issue: 1.6 million
   keys (50 MB) took 17-39 s and 1.7 GB.
4. group: `netpath check` with one group expectation over a namespace of N pods (every pod to
   every other on tcp/8080, N x (N - 1) pairs). Baseline: the same check with a one-pair
   expectation. Issue: 400 pods took 10 s.
5. show: `netpath show` on a Kubernetes-only spec (pod_cidr 10.0.0.0/8) of 10 Deployments of
   N / 10 replicas. Baseline: a process that only loads the spec. Issue: 100,000 pods 93 s.

Every command runs under a memory limit (RLIMIT_AS, --scale-mem-limit) and a timeout
(--scale-timeout), so that a quadratic path is a figure ("over 6 GB") and not a machine brought
down: the benchmark shares its machine.
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GENERATOR_VERSION = 1
Result = dict[str, Any]

# Sizes per case, smallest first: the issue's, and those of `--small`.
SIZES: dict[str, tuple[int, ...]] = {
    "errors": (4_000, 8_000, 100_000),
    "matrix": (2_500, 5_000),
    "schema": (400_000, 1_600_000),
    "group": (200, 400),
    "show": (10_000, 100_000),
}
SMALL_SIZES: dict[str, tuple[int, ...]] = {
    "errors": (400, 800),
    "matrix": (250, 500),
    "schema": (40_000, 160_000),
    "group": (40, 80),
    "show": (1_000, 10_000),
}
MATRIX_FORMATS = ("json", "csv", "text")
MATRIX_PORT = 8080
COMPOSE_ALL = ("import sys, yaml; text = open(sys.argv[1], encoding='utf-8').read(); "
               "list(yaml.compose_all(text, Loader=yaml.CSafeLoader))")
LOAD_ONLY = ("import sys; from pathlib import Path; from netpath.sources.loader import load_spec; "
             "load_spec(Path(sys.argv[1]))")


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1000:.0f} ms"


def _mb(kilobytes: float) -> str:
    return f"{kilobytes / 1024 / 1024:.1f} GB" if kilobytes >= 1024 * 1024 else \
        f"{kilobytes / 1024:.0f} MB"


# --- the inputs ---------------------------------------------------------------------------------


def _stamped(out: Path, key: Result, write: Callable[[Path], None]) -> Path:
    """`out`, written by `write` unless it holds what `key` describes already."""
    stamp = out / "stamp.json"
    wanted = {"generator_version": GENERATOR_VERSION, **key}
    if stamp.exists() and json.loads(stamp.read_text()) == wanted:
        return out
    out.mkdir(parents=True, exist_ok=True)
    write(out)
    stamp.write_text(json.dumps(wanted, indent=2) + "\n")
    return out


def write_error_documents(path: Path, count: int) -> None:
    """`count` one-pod documents, each with a containerPort out of range: one located error
    each."""
    docs = (f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: pod-{i}\n  labels: {{app: a{i % 10}}}\n"
            f"spec:\n  containers:\n  - name: c\n    image: nginx\n"
            f"    ports: [{{containerPort: 99999}}]\n" for i in range(count))
    path.write_text("---\n".join(docs), encoding="utf-8")


def write_hosts_spec(path: Path, count: int) -> None:
    """A netpath spec of `count` internet hosts (one mapping of `count` keys, about 37 bytes
    each), then one unknown top-level key."""
    with path.open("w", encoding="utf-8") as f:
        f.write("netpath: 1\ninternet_hosts:\n")
        for i in range(count):
            f.write(f"  h{i:07d}.example.com: 203.0.{(i >> 8) & 255}.{i & 255}\n")
        f.write("internet_hostz: {}\n")


def write_group_check(out: Path, pods: int) -> None:
    """A Kubernetes-only manifest file with namespace `big` of `pods` pods (Deployments of 50,
    in three tiers), policies that admit the namespace to itself on 8080 and read the `tier`
    label, and two expectations files: the group (every pod of `big` to every other) and one
    pair."""
    tiers = ("web", "api", "db")
    docs = ["apiVersion: v1\nkind: Namespace\nmetadata: {name: big, labels: {team: big}}\n"]
    deployments = -(-pods // 50)
    for d in range(deployments):
        replicas = min(50, pods - 50 * d)
        docs.append(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app-{d}, namespace: big}}\n"
            f"spec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: app-{d}}}}}\n"
            f"  template:\n    metadata: {{labels: {{app: app-{d}, tier: {tiers[d % 3]}}}}}\n"
            f"    spec:\n      containers:\n      - name: c\n        image: nginx\n"
            f"        ports: [{{containerPort: 8080, name: http}}, {{containerPort: 5432}}]\n")
    docs.append(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        "metadata: {name: same-namespace, namespace: big}\n"
        "spec:\n  podSelector: {}\n  policyTypes: [Ingress]\n"
        "  ingress:\n  - from: [{podSelector: {}}]\n    ports: [{port: http}]\n")
    docs.append(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        "metadata: {name: db-from-api, namespace: big}\n"
        "spec:\n  podSelector: {matchLabels: {tier: db}}\n  policyTypes: [Ingress]\n"
        "  ingress:\n  - from: [{podSelector: {matchLabels: {tier: api}}}]\n"
        "    ports: [{port: 5432}]\n")
    (out / "k8s.yaml").write_text("---\n".join(docs), encoding="utf-8")
    (out / "expect-group.yaml").write_text(
        "netpath-expect: 1\nexpectations:\n"
        "  - {name: big talks to itself, from: {namespace: big}, to: {namespace: big}, "
        "port: 8080, reachable: true}\n", encoding="utf-8")
    (out / "expect-pair.yaml").write_text(
        "netpath-expect: 1\nexpectations:\n"
        "  - {name: one pair, from: big/app-0-0, to: big/app-1-0, port: 8080, "
        "reachable: true}\n", encoding="utf-8")


def write_show_spec(out: Path, pods: int) -> None:
    """A Kubernetes-only netpath spec, pod_cidr 10.0.0.0/8, whose manifests are 10 Deployments
    of pods / 10 replicas over three namespaces."""
    docs = [
        f"apiVersion: apps/v1\nkind: Deployment\n"
        f"metadata: {{name: app-{d}, namespace: ns-{d % 3}}}\nspec:\n  replicas: {pods // 10}\n"
        f"  selector: {{matchLabels: {{app: app-{d}}}}}\n"
        f"  template:\n    metadata: {{labels: {{app: app-{d}}}}}\n"
        f"    spec:\n      containers:\n      - name: c\n        image: nginx\n"
        f"        ports: [{{containerPort: 8080, name: http}}]\n" for d in range(10)]
    (out / "k8s.yaml").write_text("---\n".join(docs), encoding="utf-8")
    (out / "netpath.yaml").write_text(
        "netpath: 1\nclusters:\n  big:\n    cni: calico\n    pod_cidr: 10.0.0.0/8\n"
        "    service_cidr: 172.20.0.0/16\n    manifests: [k8s.yaml]\n", encoding="utf-8")


def _kube_estate(out: Path, pods: int) -> Path:
    spec = importlib.util.spec_from_file_location("bench_kube_estate",
                                                  ROOT / "bench" / "kube_estate.py")
    gen: ModuleType
    if "bench_kube_estate" in sys.modules:
        gen = sys.modules["bench_kube_estate"]
    else:
        assert spec and spec.loader
        gen = importlib.util.module_from_spec(spec)
        sys.modules["bench_kube_estate"] = gen
        spec.loader.exec_module(gen)
    params = gen.Params(pods=pods, services=max(1, pods // 5), policies=pods // 10).resolved()

    def write(folder: Path) -> None:
        gen.write(gen.build(params), folder)

    return _stamped(out, {"case": "matrix", "params": asdict(params),
                          "kube_estate": gen.GENERATOR_VERSION}, write)


def inputs(case: str, size: int, base: Path) -> Path:
    """The input of `case` at `size` (generated unless up to date): a file or a directory."""
    out = base / f"{case}-{size}"
    key = {"case": case, "size": size}
    if case == "errors":
        return _stamped(out, key, lambda d: write_error_documents(d / "pods.yaml", size)) \
            / "pods.yaml"
    if case == "schema":
        return _stamped(out, key, lambda d: write_hosts_spec(d / "hosts.yaml", size)) \
            / "hosts.yaml"
    if case == "group":
        return _stamped(out, key, lambda d: write_group_check(d, size))
    if case == "show":
        return _stamped(out, key, lambda d: write_show_spec(d, size)) / "netpath.yaml"
    if case == "matrix":
        return _kube_estate(out, size)
    raise ValueError(case)


# --- running ------------------------------------------------------------------------------------


def measure(argv: Sequence[str], cwd: str, env: dict[str, str], mem_limit: int,
            timeout: float) -> Result:
    """One run of `argv`: wall clock, peak memory (KB), exit code, the first line of stderr;
    `stopped` says why when the memory limit or the timeout ended it."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (mem_limit, mem_limit))

    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err,
                                preexec_fn=limit)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read(200_000).decode("utf-8", "replace")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    code = proc.returncode
    stopped = None
    if elapsed >= timeout:
        stopped = f"over {_s(timeout)}"
    elif code < 0 or "MemoryError" in text:
        stopped = f"over {_mb(mem_limit / 1024)}" if "MemoryError" in text or code == -9 else \
            f"signal {-code}"
    return {"s": elapsed, "maxrss_kb": usage.ru_maxrss, "exit_code": code,
            "first_line": lines[0][:200] if lines else "", "last_line": lines[-1][:200]
            if lines else "", "stopped": stopped}


def _median_run(argv: Sequence[str], runs: int, cwd: str, env: dict[str, str],
                mem_limit: int, timeout: float) -> Result:
    found = [measure(argv, cwd, env, mem_limit, timeout) for _ in range(runs)]
    middle = sorted(found, key=lambda r: r["s"])[len(found) // 2]
    return {**middle, "runs": runs, "all_s": [r["s"] for r in found]}


Command = tuple[str, str, list[str], int]  # command, what the size counts, argv, exit code


def _case(case: str, path: Path) -> tuple[list[Command], tuple[str, list[str]]]:
    """The commands of a case (argv after `netpath`) and its baseline (label, argv after the
    interpreter)."""
    if case == "errors":
        return ([("netpath show", "documents, an error in each", ["show", "--spec", str(path)],
                  2)], ("yaml.compose_all of the file", ["-c", COMPOSE_ALL, str(path)]))
    if case == "matrix":
        commands = [(f"netpath matrix --format {fmt}", "pods",
                     ["matrix", "--spec", str(path), "--port", str(MATRIX_PORT), "--format",
                      fmt], 0) for fmt in MATRIX_FORMATS]
        return commands, ("load_spec alone", ["-c", LOAD_ONLY, str(path)])
    if case == "schema":
        return ([("netpath show", "keys and an unknown one", ["show", "--spec", str(path)], 2)],
                ("yaml.compose of the file", ["-c", COMPOSE_ALL, str(path)]))
    if case == "group":
        spec = str(path / "k8s.yaml")
        return ([("netpath check", "pods, one group to itself",
                  ["check", "--spec", spec, str(path / "expect-group.yaml")], 0)],
                ("the same check, one pair",
                 ["-m", "netpath", "check", "--spec", spec, str(path / "expect-pair.yaml")]))
    if case == "show":
        return ([("netpath show", "pods", ["show", "--spec", str(path)], 0)],
                ("load_spec alone", ["-c", LOAD_ONLY, str(path)]))
    raise ValueError(case)


def bench_scale(small: bool, runs: int, mem_limit_gb: float, timeout: float,
                cases: Sequence[str] = tuple(SIZES), out: Path | None = None) -> Result:
    netpath = Path(sys.executable).parent / "netpath"
    if not netpath.exists():
        return {"skipped": f"no console script at {netpath} (run `make bench`, which installs it)"}
    base = out or ROOT / "bench" / "out" / ("scale-small" if small else "scale")
    env = {k: v for k, v in os.environ.items()
           if k not in ("NETPATH_SPEC", "PYTHONDONTWRITEBYTECODE")}
    env["NO_COLOR"] = "1"
    mem_limit = int(mem_limit_gb * 1024 ** 3)
    result: Result = {"mem_limit_gb": mem_limit_gb, "timeout_s": timeout, "runs": runs,
                      "cases": {}}
    sizes = SMALL_SIZES if small else SIZES
    with tempfile.TemporaryDirectory() as cwd:
        for case in cases:
            rows: list[Result] = []
            for size in sizes[case]:
                started = time.perf_counter()
                try:
                    path = inputs(case, size, base)
                except Exception as exc:  # noqa: BLE001 - a benchmark reports what it cannot run
                    rows.append({"size": size, "skipped": f"generating failed: {exc}"})
                    continue
                generated = time.perf_counter() - started
                commands, (base_label, base_argv) = _case(case, path)
                baseline = _median_run([sys.executable, *base_argv], runs, cwd, env, mem_limit,
                                       timeout)
                baseline["label"] = base_label
                for command, unit, argv, expected in commands:
                    found = _median_run([str(netpath), *argv], runs, cwd, env, mem_limit,
                                        timeout)
                    rows.append({"size": size, "command": command,
                                 "label": f"{command}, {size:,} {unit}",
                                 "expected_exit": expected,
                                 "prepare_s": generated, **found, "baseline": baseline,
                                 "ratio": found["s"] / baseline["s"] if baseline["s"] else None})
            result["cases"][case] = rows
    return result


# --- the report ---------------------------------------------------------------------------------


def _growth(rows: list[Result]) -> list[str]:
    """For each command, how its time and memory grew from one size to the next."""
    by_command: dict[str, list[Result]] = {}
    for row in rows:
        if "skipped" not in row and not row.get("stopped"):
            by_command.setdefault(row["command"], []).append(row)
    lines = []
    for label, found in by_command.items():
        for small, large in zip(found, found[1:], strict=False):
            grew = large["size"] / small["size"]
            lines.append(f"{label}: input x{grew:g}, time x{large['s'] / small['s']:.1f} "
                         f"(baseline x{large['baseline']['s'] / small['baseline']['s']:.1f}), "
                         f"memory x{large['maxrss_kb'] / small['maxrss_kb']:.1f}")
    return lines


def print_scale(result: Result, row: Callable[..., str], say: Callable[..., None]) -> None:
    print()
    print(row("scale (issue 11)", "netpath", "baseline", "ratio", "peak mem"))
    if "skipped" in result:
        say(f"skipped: {result['skipped']}", indent=2)
        return
    for case, rows in result["cases"].items():
        for r in rows:
            if "skipped" in r:
                say(f"{case} {r['size']:,}: skipped: {r['skipped']}", indent=2)
                continue
            base = r["baseline"]
            if r["stopped"]:
                value, ratio = r["stopped"], ""
            elif r["exit_code"] != r["expected_exit"]:
                value, ratio = f"exit {r['exit_code']}", ""
                say(f"{r['label']}: exited {r['exit_code']}, expected {r['expected_exit']}: "
                    f"{r['first_line']}", indent=2)
            else:
                value, ratio = _s(r["s"]), f"{r['ratio']:.1f}x"
            print(row(f"  {r['label']}", value, _s(base["s"]), ratio, _mb(r["maxrss_kb"])))
        for line in _growth(rows):
            say(line)
        baselines = {r["size"]: r["baseline"] for r in rows if "baseline" in r}
        if baselines:
            label = next(iter(baselines.values()))["label"]
            say(f"baseline: {label}; its peak memory " + ", ".join(
                f"{_mb(b['maxrss_kb'])} at {size:,}" for size, b in baselines.items()))
    say(f"each a new process, output to /dev/null; median of {result['runs']}; limits "
        f"{result['mem_limit_gb']:g} GB of address space and {_s(result['timeout_s'])}")


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="netpath's scale cases alone (bench/run.py runs "
                                 "them as its `scale` section)")
    ap.add_argument("cases", nargs="*", metavar="CASE",
                    help=f"some of {', '.join(SIZES)} (default: all)")
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--mem-limit", type=float, default=6.0, help="GB of address space")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per command")
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args(argv)
    unknown = [c for c in args.cases if c not in SIZES]
    if unknown:
        ap.error(f"unknown case {unknown[0]!r}: the cases are {', '.join(SIZES)}")
    result = bench_scale(args.small, args.runs, args.mem_limit, args.timeout,
                         args.cases or tuple(SIZES))

    def row(*cells: str) -> str:
        return cells[0].ljust(50) + "".join(c.rjust(w) for c, w in zip(cells[1:], (10, 10, 7, 10),
                                                                        strict=False))

    def say(text: str, indent: int = 4) -> None:
        print(" " * indent + text)

    print_scale(result, row, say)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
