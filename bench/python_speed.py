#!/usr/bin/env python3
"""Speed of the Python package against `covcheck batch` (issue 20, docs/PERFORMANCE.md):
check_many over a JSON Lines corpus (text records) and over Python dicts, compact and full,
1 and 2 threads; `covcheck batch --compact` on the same file; the Dask example with 1 and
2 workers. Prints a Markdown table of medians.

    PYTHONPATH=build/python /usr/bin/python3 bench/python_speed.py CASES.jsonl [ROUNDS]

CASES.jsonl: the peer workload (bench/run.sh generates cases-100000.jsonl); the rules are
bench/workload. Set COVCHECK to the CLI (default build/covcheck), and DASK=0 to leave out the
Dask example's rows (they take most of a run's minute).
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import covcheck

ROOT = Path(__file__).resolve().parents[1]
RULES = [str(ROOT / "bench/workload")]


def median_seconds(fn, rounds):
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), min(times), max(times)


def main():
    cases_path = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    cli = os.environ.get("COVCHECK", str(ROOT / "build/covcheck"))
    lines = [l for l in Path(cases_path).read_text().split("\n") if l.strip()]
    dicts = [json.loads(l) for l in lines]
    n = len(lines)
    rs = covcheck.RuleSet.load(RULES)
    rows = []

    def row(what, fn):
        med, lo, hi = median_seconds(fn, rounds)
        rows.append((what, med, lo, hi))

    for threads in (1, 2):
        row(f"covcheck batch --compact, {threads} thread(s)",
            lambda: subprocess.run([cli, "batch", "--rules", *RULES, "--cases", cases_path, "--compact",
                                    "--threads", str(threads), "--out", os.devnull], check=True))
    for threads in (1, 2):
        row(f"check_many(JSON lines, compact=True), {threads} thread(s)",
            lambda: list(rs.check_many(lines, threads=threads, compact=True)))
        row(f"check_many(dicts, compact=True), {threads} thread(s)",
            lambda: list(rs.check_many(dicts, threads=threads, compact=True)))
        row(f"check_many(JSON lines), full answers, {threads} thread(s)",
            lambda: list(rs.check_many(lines, threads=threads)))
        row(f"check_many(dicts), full answers, {threads} thread(s)",
            lambda: list(rs.check_many(dicts, threads=threads)))
        row(f"batch_lines(JSON lines, compact=True), {threads} thread(s)",
            lambda: rs.batch_lines(lines, threads=threads, compact=True))
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (1, 2) if os.environ.get("DASK", "1") != "0" else ():
            out = os.path.join(tmp, "out.jsonl")
            inner = []

            def example():
                p = subprocess.run([sys.executable, str(ROOT / "examples/dask/decide_corpus.py"), "--rules", *RULES,
                                    "--cases", cases_path, "--out", out, "--workers", str(workers), "--compact"],
                                   check=True, capture_output=True, text=True)
                # "N cases on W worker(s) in S s": reading, deciding and writing, without the cluster's start.
                inner.append(float(p.stderr.strip().splitlines()[-1].split(" in ")[1].split(" s")[0]))

            row(f"examples/dask/decide_corpus.py --compact, {workers} worker(s), with the cluster's start", example)
            rows.append(("the same, without the cluster's start", statistics.median(inner), min(inner), max(inner)))
    print(f"| {n:,} cases, {rounds} rounds | wall s, median (min–max) | cases/s (median) |")
    print("|---|---|---|")
    for what, med, lo, hi in rows:
        print(f"| {what} | {med:.3f} ({lo:.3f}–{hi:.3f}) | {n / med:,.0f} |")


if __name__ == "__main__":
    main()
