# check_many, batch_lines and check_frame: input order, threads, error records, and the
# differential tests against `covcheck batch` on the shipped corpus and the workload sample.
import gc
import json

import pandas as pd
import pytest

import covcheck
from conftest import ACME, ROOT, WORKLOAD, without_locations

CORPUS = "examples/corpus/cases.jsonl"
SAMPLE = "tests/data/workload/cases.jsonl"


def batch(cli, rules, cases, *extra):
    args = [a for p in rules for a in ("--rules", p)]
    status, out, err = cli("batch", *args, "--cases", cases, "--threads", "2", *extra)
    assert status in (0, 1, 4), err
    return out.splitlines()


def records(path):
    return [l for l in (ROOT / path).read_text().split("\n") if l.strip()]


@pytest.mark.parametrize("rules,path", [(ACME, CORPUS), (WORKLOAD, SAMPLE)], ids=["corpus", "workload"])
@pytest.mark.parametrize("compact", [False, True], ids=["full", "compact"])
def test_check_many_answers_as_covcheck_batch(cli, rules, path, compact):
    rs = covcheck.RuleSet.load(rules)
    expected = batch(cli, rules, path, *(["--compact"] if compact else []))
    lines = records(path)
    assert len(expected) == len(lines)
    got = list(rs.check_many(lines, threads=2, compact=compact))
    for g, e in zip(got, map(json.loads, expected)):
        if "error" in e:
            assert isinstance(g, dict) and g["error"] == e["error"]
            assert [d["code"] for d in g["diagnostics"]] == [d["code"] for d in e["diagnostics"]]
        else:
            assert without_locations(g.to_dict()) == without_locations(e)
    # As dicts (value trees), the same answers.
    dicts = [json.loads(l) for l in lines]
    for g, e in zip(rs.check_many(dicts, compact=compact), map(json.loads, expected)):
        if "error" in e:
            assert isinstance(g, dict) and g["error"] == e["error"]
        else:
            assert without_locations(g.to_dict()) == without_locations(e)
    # batch_lines is the CLI's output byte for byte, error records' locations included.
    assert rs.batch_lines(lines, name=path, threads=2, compact=compact) == expected


def test_results_keep_input_order_across_threads_and_chunks(workload, workload_lines):
    one = [d.to_json() for d in workload.check_many(workload_lines, threads=1)]
    for threads, chunk in ((2, 8192), (2, 7), (3, 100), (8, 1000)):
        got = [d.to_json() for d in workload.check_many(iter(workload_lines), threads=threads, chunk_size=chunk)]
        assert got == one
    ids = [json.loads(l)["id"] for l in workload_lines]
    assert [d.case_id for d in workload.check_many(workload_lines, threads=2)] == ids


@pytest.mark.parametrize("compact", [False, True], ids=["full", "compact"])
def test_answers_join_the_garbage_collector_once_they_hold_their_dict(workload, workload_lines, compact):
    # Untracked while they hold only the engine's result (a corpus's answers would make the
    # collector walk the caller's cases again and again); tracked once to_dict() parsed the
    # answer, so a cycle through that dict is collected.
    answers = list(workload.check_many(workload_lines[:50], compact=compact))
    assert all(isinstance(a, covcheck.Determination) and not gc.is_tracked(a) for a in answers)
    assert answers[0].decision and answers[0].to_json()
    assert not gc.is_tracked(answers[0])
    assert answers[0].to_dict()["decision"] == answers[0].decision
    assert gc.is_tracked(answers[0]) and not gc.is_tracked(answers[1])
    assert gc.is_tracked(workload.check(workload_lines[0], compact=compact))  # one case: an ordinary object


def test_check_many_takes_a_generator_lazily(workload, workload_lines):
    taken = []

    def cases():
        for l in workload_lines:
            taken.append(l)
            yield l

    it = workload.check_many(cases(), chunk_size=10)
    next(it)
    assert len(taken) == 10


def test_a_bad_case_in_a_batch_is_an_error_record(acme):
    good = (ROOT / "rules/acme/cases/esk-age-17.yaml").read_text()
    results = list(acme.check_many([good, "{not json", {"id": "x", "request": {"sessions": "eight"}}, 7, good]))
    assert isinstance(results[0], covcheck.Determination) and isinstance(results[4], covcheck.Determination)
    for bad in results[1:4]:
        assert isinstance(bad, dict) and set(bad) == {"case", "error", "diagnostics"}
    assert results[2]["case"] == "x" and results[2]["diagnostics"][0]["field"] == "request.sessions"
    assert results[3]["diagnostics"][0]["code"] == "case.value"


def test_check_frame_decides_rows_with_dotted_and_json_columns(workload, workload_lines):
    dicts = [json.loads(l) for l in workload_lines[:300]]
    frame = pd.json_normalize(dicts)  # nested records as dotted columns, lists as objects
    frame["diagnoses"] = frame["diagnoses"].map(json.dumps)  # lists as JSON text, as a CSV holds them
    out = workload.check_frame(frame, threads=2)
    expected = list(workload.check_many(dicts))
    assert list(out.columns) == ["case", "decision", "basis", "prior_auth", "benefit", "reasons", "missing", "error"]
    assert list(out["decision"]) == [d.to_dict()["decision"] for d in expected]
    assert list(out["case"]) == [d.case_id for d in expected]
    assert list(out["reasons"]) == [[r["rule"] for r in d.reasons] for d in expected]
    assert list(out.index) == list(frame.index)
    compact = workload.check_frame(frame, compact=True)
    assert list(compact["decision"]) == list(out["decision"])


def test_compare_decides_one_case_against_several_rule_sets(cli):
    case = ROOT / "rules/acme/cases/esk-age-17.yaml"
    sets = {"acme": covcheck.RuleSet.load(["rules/acme"]),
            "medicare": covcheck.RuleSet.load(["rules/medicare-j09-a59250", "rules/appeals"])}
    out = covcheck.compare(case, sets)
    assert list(out) == ["acme", "medicare"]
    for name, rs in sets.items():
        try:
            assert out[name].to_dict() == rs.check(case).to_dict()
        except covcheck.CaseError as e:
            assert isinstance(out[name], covcheck.CaseError) and out[name].error == e.error
    status, text, _ = cli("compare", "--set", "acme=rules/acme", "--set",
                          "medicare=rules/medicare-j09-a59250,rules/appeals", "--case", case, "--format", "json")
    report = json.loads(text)
    rows = report if isinstance(report, list) else report.get("sets", report.get("rows", []))
    for row in rows:
        got = out[row["name"] if "name" in row else row["set"]]
        if isinstance(got, covcheck.Determination):
            assert row["decision"] == got.decision


def test_diff_reports_the_matrix_and_rules_of_covcheck_diff(cli):
    old_paths = ["rules/acme/acme-2025.2.cpl", "rules/acme/common.cpl"]
    new_paths = ["rules/acme/acme-2026.1.cpl", "rules/acme/common.cpl"]
    old = covcheck.RuleSet.load(old_paths, as_of="2025-10-01")
    new = covcheck.RuleSet.load(new_paths, as_of="2026-03-01")
    impact = covcheck.diff(old, new, records(CORPUS), threads=2)
    status, out, err = cli("diff", "--old", *old_paths, "--new", *new_paths, "--cases", CORPUS,
                           "--old-as-of", "2025-10-01", "--new-as-of", "2026-03-01", "--format", "json")
    report = json.loads(out)
    assert impact.cases == report["cases"] == 400
    assert len(impact.changed) == report["changed"]
    assert dict(impact.matrix) == {(c["old"], c["new"]): c["cases"] for c in report["matrix"]}
    for c in report["matrix"]:
        if c["old"] != c["new"]:
            expected = {(r["side"], r["rule"], r["effect"], r["cite"]): r["cases"] for r in c["reasons"]}
            assert dict(impact.rules[(c["old"], c["new"])]) == expected
    frame = impact.to_frame()
    assert int(frame.values.sum()) == 400
