# covcheck.dask on a distributed.LocalCluster of 2 worker processes: bags and dataframes of
# cases, and the example script, whose output is `covcheck batch`'s byte for byte.
import json
import subprocess
import sys

import dask.bag as db
import dask.dataframe as dd
import pandas as pd
import pytest
from distributed import Client, LocalCluster

import covcheck
import covcheck.dask
from conftest import ROOT, WORKLOAD

N = 2000  # cases of the committed workload sample: small enough for CI


@pytest.fixture(scope="module")
def client():
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    c = Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def lines(workload_lines):
    return workload_lines[:N]


def paths():
    return list(WORKLOAD)


def test_check_bag_gives_the_answers_in_order_as_plain_dicts(client, workload, lines):
    bag = db.from_sequence([json.loads(l) for l in lines], npartitions=6)
    got = covcheck.dask.check_bag(bag, paths()).compute()
    assert got == [d.to_dict() for d in workload.check_many(lines)]
    assert all(type(a) is dict for a in got)
    compact = covcheck.dask.check_bag(db.from_sequence(lines, npartitions=4), paths(), compact=True).compute()
    assert [a["decision"] for a in compact] == [a["decision"] for a in got]


def test_each_worker_process_compiles_the_rules_once(client, lines):
    bag = db.from_sequence(lines, npartitions=8)
    covcheck.dask.check_bag(bag, paths()).compute()
    counts = client.run(lambda: len(covcheck.dask._rule_sets))
    assert sorted(counts.values()) == [1, 1]


def test_check_dataframe_decides_each_partition(client, workload, lines):
    frame = pd.json_normalize([json.loads(l) for l in lines[:500]])
    ddf = dd.from_pandas(frame, npartitions=4)
    got = covcheck.dask.check_dataframe(ddf, paths()).compute()
    expected = workload.check_frame(frame)
    assert list(got["decision"]) == list(expected["decision"])
    assert list(got["case"]) == list(expected["case"])
    assert list(got.index) == list(frame.index)


@pytest.mark.parametrize("compact", [False, True], ids=["full", "compact"])
def test_the_example_writes_what_covcheck_batch_writes(cli, tmp_path, lines, compact):
    cases = tmp_path / "cases.jsonl"
    # A blank line and a bad record: the error record names the same line as the CLI's.
    body = lines[:1000] + ["", "{\"id\": \"broken\", \"age\": \"old\"}"] + lines[1000:]
    cases.write_text("\n".join(body) + "\n")
    flag = ["--compact"] if compact else []
    status, expected, err = cli("batch", "--rules", "bench/workload", "--cases", cases, *flag)
    out = tmp_path / "out.jsonl"
    p = subprocess.run([sys.executable, str(ROOT / "examples/dask/decide_corpus.py"), "--rules", "bench/workload",
                        "--cases", str(cases), "--out", str(out), "--workers", "2", "--partitions", "7", *flag],
                       cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert out.read_text() == expected
    assert "error" in expected.splitlines()[1000]
