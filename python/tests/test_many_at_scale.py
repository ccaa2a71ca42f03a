# check_many against `covcheck batch` on 100,000 workload cases (issue 20, item 4): the
# 3,000-case sample's fields recombined by a seeded generator into new cases, so order,
# chunking and threads are exercised at the size a payer's corpus starts at.
import json
import random

import pytest

from conftest import WORKLOAD, without_locations

N = 100_000
SEED = 20261207


def recombined_cases(sample_lines, n, seed):
    """n cases: each takes the shape (which keys it has) of one sample case and every
    value from another sample case that has that key, so the rules see combinations the
    sample lacks; ids are new and unique."""
    sample = [json.loads(l) for l in sample_lines]
    holders = {}
    for case in sample:
        for key in case:
            holders.setdefault(key, []).append(case)
    rng = random.Random(seed)
    out = []
    for k in range(n):
        shape = rng.choice(sample)
        case = {key: rng.choice(holders[key])[key] for key in shape}
        case["id"] = f"M{k:07d}"
        out.append(json.dumps(case, separators=(",", ":")))
    return out


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, workload_lines):
    lines = recombined_cases(workload_lines, N, SEED)
    path = tmp_path_factory.mktemp("scale") / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path, lines


@pytest.fixture(scope="module")
def expected(cli, corpus):
    path, _ = corpus
    args = [a for p in WORKLOAD for a in ("--rules", p)]
    status, out, err = cli("batch", *args, "--cases", path, "--threads", "2", "--compact")
    assert status in (0, 1, 4), err
    return out.splitlines()


def test_the_recombined_corpus_is_new_and_varied(workload_lines, corpus):
    _, lines = corpus
    assert len(lines) == N
    assert recombined_cases(workload_lines, 10, SEED) == lines[:10]  # seeded: the same corpus every run
    sample = set(workload_lines)
    assert not any(l in sample for l in lines[:1000])  # new ids at least: no case copied whole


def test_check_many_from_lines_answers_as_covcheck_batch(workload, corpus, expected):
    _, lines = corpus
    assert len(expected) == N
    got = workload.check_many(lines, threads=2, compact=True)
    decisions = set()
    for i, (g, e) in enumerate(zip(got, expected)):
        e = json.loads(e)
        assert not isinstance(g, dict), f"case {i} was refused: {g}"
        assert without_locations(g.to_dict()) == without_locations(e), f"case {i} ({e.get('case')}) differs"
        decisions.add(e["decision"])
    assert i == N - 1
    assert len(decisions) >= 3  # the corpus reaches several outcomes, not one


def test_check_many_from_dicts_answers_as_covcheck_batch(workload, corpus, expected):
    _, lines = corpus
    dicts = (json.loads(l) for l in lines)  # a generator: taken lazily, in order
    count = 0
    for g, e in zip(workload.check_many(dicts, threads=2, compact=True), expected):
        assert without_locations(g.to_dict()) == without_locations(json.loads(e))
        count += 1
    assert count == N
