# RuleSet.load / from_source / check: answers equal the CLI's `check --format json`, errors
# carry diagnostics of the JSON shape, enums and attributes read the answer.
import json
from pathlib import Path

import pytest
import yaml

import covcheck
from conftest import ACME, ROOT, without_locations

CASES = sorted((ROOT / "rules/acme/cases").glob("*.yaml"))
DIAGNOSTIC_KEYS = ["severity", "code", "message", "source", "line", "column", "span", "at", "field", "help", "notes"]


def cli_answer(cli, case: Path, *extra, trace=False):
    rules = [a for p in ACME for a in ("--rules", p)]
    status, out, _ = cli("check", *rules, "--case", case, "--format", "json", *([] if trace else ["--no-trace"]), *extra)
    return status, json.loads(out)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_every_example_case_as_dict_text_and_path_answers_as_the_cli(acme, cli, case):
    status, expected = cli_answer(cli, case)
    as_dict = yaml.safe_load(case.read_text())  # dates become datetime.date: read as ISO dates
    if "error" in expected:
        for given in (as_dict, case.read_text(), case):
            with pytest.raises(covcheck.CaseError) as e:
                acme.check(given)
            assert e.value.error == expected["error"]
            assert [d.code for d in e.value.diagnostics] == [d["code"] for d in expected["diagnostics"]]
            assert [d.field for d in e.value.diagnostics] == [d["field"] for d in expected["diagnostics"]]
        return
    for given in (as_dict, case.read_text(), case):
        d = acme.check(given)
        assert without_locations(d.to_dict()) == without_locations(expected)
        assert list(d.to_dict()) == list(expected)  # the same keys in the same order
        assert d.decision == covcheck.Decision(expected["decision"])
        assert d.decision == expected["decision"]
        assert d.covered == (expected["decision"] == "covered")
        assert d.prior_auth == expected["prior_auth"]
        assert d.benefit == expected["benefit"]
        assert d.case_id == expected["case"]
        assert d.reasons == expected["reasons"] and d.missing == expected["missing"]
        assert d.next_steps == expected["next_steps"] and d.checklist == expected["requirements"]
        assert d.trace is None


def test_trace_on_request_is_the_clis(acme, cli):
    case = ROOT / "rules/acme/cases/esk-age-17.yaml"
    _, expected = cli_answer(cli, case, trace=True)
    d = acme.check(case, trace=True)
    assert d.trace == expected["trace"] and d.trace
    assert "trace" not in acme.check(case).to_dict()


def test_text_rendering_is_the_clis(acme, cli):
    case = ROOT / "rules/acme/cases/esk-age-17.yaml"
    status, out, _ = cli("check", "--rules", ACME[0], "--rules", ACME[1], "--case", case, "--no-trace")
    assert str(acme.check(case)).strip() == out.strip()


def test_compact_answer_has_the_compact_lines_keys(acme):
    case = ROOT / "rules/acme/cases/esk-age-17.yaml"
    d = acme.check(case, compact=True)
    full = acme.check(case)
    assert list(d.to_dict()) == ["case", "decision", "basis", "prior_auth", "benefit", "reasons"]
    assert (d.decision, d.basis, d.prior_auth, d.benefit) == (full.decision, full.basis, full.prior_auth, full.benefit)
    assert d.reasons == [r["rule"] for r in full.reasons]
    assert d.compact and not full.compact


def wrong_type_case():
    case = yaml.safe_load((ROOT / "rules/acme/cases/esk-age-17.yaml").read_text())
    case["request"]["sessions"] = "eight"
    return case


def test_a_bad_case_raises_case_error_with_json_shaped_diagnostics(acme, cli, tmp_path):
    case = wrong_type_case()
    with pytest.raises(covcheck.CaseError) as e:
        acme.check(case)
    err = e.value
    assert err.case_id == "esk-age-17"
    # A Python string is a quoted scalar: the messages are those of the same case in JSON.
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(case, default=str))
    _, expected = cli_answer(cli, path)
    assert err.error == expected["error"]
    assert [list(d.to_dict()) for d in err.diagnostics] == [DIAGNOSTIC_KEYS] * len(err.diagnostics)
    assert [(d.code, d.field, d.message) for d in err.diagnostics] == [
        (d["code"], d["field"], d["message"]) for d in expected["diagnostics"]
    ]
    assert err.diagnostics[0].field == "request.sessions" and err.diagnostics[0].severity == "error"
    assert "request.sessions" in str(err) and "case.type" in str(err)
    assert err.to_dict()["error"] == expected["error"]


def test_values_without_case_meaning_are_case_errors(acme):
    with pytest.raises(covcheck.CaseError) as e:
        acme.check({"id": "x", "request": {"sessions": {1, 2}}})
    assert "set" in e.value.error and e.value.diagnostics[0].code == "case.value"
    with pytest.raises(covcheck.CaseError):
        acme.check(42)
    with pytest.raises(covcheck.CaseError) as e:
        acme.check("id: [unclosed")
    assert e.value.diagnostics[0].code.startswith("case.")


def test_load_errors_are_compile_errors(tmp_path):
    bad = tmp_path / "bad.cpl"
    bad.write_text("policy broken version 1\nrule r {\n")
    with pytest.raises(covcheck.CompileError) as e:
        covcheck.RuleSet.load(bad)
    assert e.value.diagnostics and e.value.diagnostics[0].severity == "error"
    assert str(bad) in str(e.value) and e.value.diagnostics[0].source == str(bad)
    assert list(e.value.diagnostics[0].to_dict()) == DIAGNOSTIC_KEYS
    with pytest.raises(covcheck.CompileError) as e:
        covcheck.RuleSet.load(tmp_path / "missing")
    assert e.value.diagnostics[0].code.startswith("io.")
    with pytest.raises(ValueError):
        covcheck.RuleSet.load(ACME, as_of="2026-13-45")


def test_from_source_compiles_a_rule_file_given_as_text():
    with pytest.raises(covcheck.CompileError) as e:
        covcheck.RuleSet.from_source("policy x version 1\nrule r {\n", name="notebook.cpl")
    assert "notebook.cpl" in str(e.value) and e.value.diagnostics[0].source == "notebook.cpl"
    # Imports are resolved from the current directory: the cell names common.cpl absolutely.
    text = (ROOT / "rules/acme/acme-2026.1.cpl").read_text()
    assert 'import "common.cpl"' in text
    rs = covcheck.RuleSet.from_source(text.replace('import "common.cpl"', f'import "{ROOT}/rules/acme/common.cpl"'),
                                      name="acme.cpl")
    files = covcheck.RuleSet.load(["rules/acme/acme-2026.1.cpl", "rules/acme/common.cpl"])
    for case in CASES[:10]:
        try:
            expected = files.check(case).to_dict()
        except covcheck.CaseError:
            with pytest.raises(covcheck.CaseError):
                rs.check(case)
            continue
        got = rs.check(case).to_dict()
        assert (got["decision"], got["prior_auth"], got["benefit"]) == (
            expected["decision"], expected["prior_auth"], expected["benefit"])


def test_as_of_judges_effective_ranges_on_that_date(cli):
    case = ROOT / "rules/acme/cases/esk-age-17.yaml"
    rs = covcheck.RuleSet.load(["rules/acme"], as_of="2025-10-01")
    assert rs.as_of == "2025-10-01"
    status, out, _ = cli("check", "--rules", "rules/acme", "--case", case, "--format", "json", "--no-trace",
                         "--as-of", "2025-10-01")
    expected = json.loads(out)
    if "error" in expected:
        with pytest.raises(covcheck.CaseError):
            rs.check(case)
    else:
        assert rs.check(case).to_dict() == expected
