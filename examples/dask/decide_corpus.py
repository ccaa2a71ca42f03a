#!/usr/bin/env python3
"""Decides a JSON Lines corpus on a Dask cluster and writes what `covcheck batch` writes for
it: the same lines in the same order, byte for byte.

    /usr/bin/python3 examples/dask/decide_corpus.py --rules bench/workload \
        --cases tests/data/workload/cases.jsonl --out results.jsonl --workers 2

starts a distributed.LocalCluster of 2 worker processes on this machine. On a real cluster,
give the scheduler's address instead (the rule paths must be readable on every worker):

    /usr/bin/python3 examples/dask/decide_corpus.py --scheduler tcp://scheduler:8786 ...

The corpus is read here, cut into partitions of whole records (each keeping its line
numbers, so error records name the same lines as the CLI's), decided on the workers (each
worker process compiles the rules once) and written here in order.
"""

import argparse
import sys
import time

import dask.bag as db
from distributed import Client, LocalCluster

import covcheck.dask


def records(path):
    """(line number, text) of each non-blank line, as `covcheck batch` splits JSON Lines."""
    with open(path, "r", encoding="utf-8", newline="") as f:
        text = f.read()
    if text.startswith("\ufeff"):
        text = text[1:]
    out = []
    for number, line in enumerate(text.split("\n"), 1):
        if line.endswith("\r"):
            line = line[:-1]
        if line.strip(" \t\r\n"):
            out.append((number, line))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rules", action="append", required=True, help="rule file or directory (repeatable)")
    p.add_argument("--cases", required=True, help="JSON Lines corpus")
    p.add_argument("--out", required=True, help="where to write the results (JSON Lines)")
    p.add_argument("--name", help="the input's name in error records (default: --cases as given, as the CLI)")
    p.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes (default 2)")
    p.add_argument("--scheduler", help="address of a running Dask scheduler (tcp://host:8786) instead of a LocalCluster")
    p.add_argument("--partitions", type=int, default=0, help="partitions (default: 4 per worker)")
    p.add_argument("--compact", action="store_true", help="as `batch --compact`")
    p.add_argument("--as-of", help="judge effective ranges on this date (YYYY-MM-DD)")
    args = p.parse_args()

    cluster = None
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        # One thread per worker process: the engine decides a partition on one core.
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        workers = max(1, len(client.scheduler_info()["workers"]))
        recs = records(args.cases)
        parts = args.partitions or 4 * workers
        started = time.perf_counter()
        bag = db.from_sequence(recs, npartitions=max(1, min(parts, len(recs) or 1)))
        lines = covcheck.dask.check_jsonl_bag(bag, args.rules, name=args.name or args.cases, as_of=args.as_of,
                                              compact=args.compact).compute()
        with open(args.out, "w", encoding="utf-8", newline="") as f:
            for line in lines:
                f.write(line)
                f.write("\n")
        seconds = time.perf_counter() - started
        rate = len(lines) / seconds if seconds > 0 else 0.0
        print(f"{len(lines)} cases on {workers} worker(s) in {seconds:.2f} s ({rate:,.0f} cases/s)", file=sys.stderr)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


if __name__ == "__main__":
    main()
