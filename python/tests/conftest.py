# Shared fixtures of the covcheck Python tests: the repository, the CLI built beside the
# module (the differential tests compare against it) and the shipped rule sets.
import os
import subprocess
from pathlib import Path

import pytest

import covcheck  # a missing module is a collection error: the test fails, never skips

ROOT = Path(__file__).resolve().parents[2]
# Rule paths are given relative to the repository, as the CLI runs get them, so that the
# locations in answers (`rules/acme/acme-2026.1.cpl:50:1`) are the same.
os.chdir(ROOT)


def _cli() -> str:
    path = os.environ.get("COVCHECK") or str(ROOT / "build" / "covcheck")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"the covcheck CLI is not at {path}; set COVCHECK")
    return path


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def cli():
    """Runs the CLI from the repository root; returns (status, stdout, stderr)."""
    path = _cli()

    def run(*args, input=None):
        p = subprocess.run([path, *map(str, args)], cwd=ROOT, input=input, capture_output=True, text=True)
        return p.returncode, p.stdout, p.stderr

    return run


ACME = ["rules/acme", "rules/mandates"]
WORKLOAD = ["bench/workload"]


@pytest.fixture(scope="session")
def acme():
    return covcheck.RuleSet.load(ACME)


@pytest.fixture(scope="session")
def workload():
    return covcheck.RuleSet.load(WORKLOAD)


@pytest.fixture(scope="session")
def workload_lines():
    return [l for l in (ROOT / "tests/data/workload/cases.jsonl").read_text().split("\n") if l.strip()]


def without_locations(answer):
    """An answer with the locations of its case warnings removed: a dict case has no lines."""
    a = dict(answer)
    a["warnings"] = [{k: v for k, v in w.items() if k != "at"} for w in a.get("warnings", [])]
    return a
