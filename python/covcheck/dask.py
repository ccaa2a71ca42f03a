"""covcheck on Dask: decide a corpus spread over a Dask cluster's workers with
``map_partitions``. Only rule paths travel to the workers; each worker process compiles
the rule set once (cached per process) and returns plain dicts or JSON lines, which pickle.

    >>> import dask.bag as db, covcheck.dask
    >>> bag = db.from_sequence(cases, npartitions=8)
    >>> answers = covcheck.dask.check_bag(bag, ["rules/acme"]).compute()

The paths must be readable on every worker (a shared file system, or the same checkout on
each machine). See docs/python.md and examples/dask/.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import covcheck

_lock = threading.Lock()
_rule_sets: Dict[Tuple[Tuple[str, ...], Optional[str]], covcheck.RuleSet] = {}


def rule_set(rule_paths: Sequence[str], as_of: Optional[str] = None) -> covcheck.RuleSet:
    """The rule set of ``rule_paths``, compiled once per process (a Dask worker's threads share it)."""
    key = (tuple(str(p) for p in rule_paths), as_of)
    with _lock:
        rs = _rule_sets.get(key)
        if rs is None:
            rs = covcheck.RuleSet.load(list(key[0]), as_of=as_of)
            _rule_sets[key] = rs
        return rs


def _answer(r: Any) -> Dict[str, Any]:
    return r if isinstance(r, dict) else r.to_dict()


def decide_partition(cases: Iterable[Any], rule_paths: Sequence[str], as_of: Optional[str] = None,
                     compact: bool = False, threads: int = 1) -> List[Dict[str, Any]]:
    """One partition of cases (dicts or YAML/JSON text) -> their JSON answers as dicts (error
    records for cases that get none), in order."""
    rs = rule_set(rule_paths, as_of)
    return [_answer(r) for r in rs.check_many(list(cases), threads=threads, compact=compact)]


def batch_partition(records: Iterable[Tuple[int, str]], rule_paths: Sequence[str], name: str = "<stdin>",
                    as_of: Optional[str] = None, compact: bool = False, threads: int = 1) -> List[str]:
    """One partition of ``(line number, JSON text)`` records -> the lines ``covcheck batch``
    writes for them (error records name ``name`` and the line), in order."""
    rs = rule_set(rule_paths, as_of)
    pairs = list(records)
    return rs.batch_lines([t for _, t in pairs], lines=[n for n, _ in pairs], name=name, compact=compact,
                          threads=threads)


def check_bag(bag: Any, rule_paths: Sequence[str], *, as_of: Optional[str] = None, compact: bool = False) -> Any:
    """A dask.bag of cases (dicts or YAML/JSON text) -> a bag of JSON answers as dicts, in
    the same order (error records for cases that get none)."""
    paths = [str(p) for p in rule_paths]
    return bag.map_partitions(decide_partition, paths, as_of, compact)


def check_jsonl_bag(bag: Any, rule_paths: Sequence[str], *, name: str = "<stdin>", as_of: Optional[str] = None,
                    compact: bool = False) -> Any:
    """A dask.bag of ``(line number, JSON text)`` records -> a bag of the lines ``covcheck
    batch`` writes, in order: joined with newlines, the CLI's output byte for byte."""
    paths = [str(p) for p in rule_paths]
    return bag.map_partitions(batch_partition, paths, name, as_of, compact)


_COLUMNS = ["case", "decision", "basis", "prior_auth", "benefit", "reasons", "missing", "error"]


def _frame_partition(df: Any, rule_paths: Sequence[str], as_of: Optional[str], compact: bool) -> Any:
    return rule_set(rule_paths, as_of).check_frame(df, compact=compact)


def check_dataframe(ddf: Any, rule_paths: Sequence[str], *, as_of: Optional[str] = None, compact: bool = False) -> Any:
    """A dask.dataframe of cases (as RuleSet.check_frame reads them) -> a dask.dataframe
    with the same index and RuleSet.check_frame's decision columns."""
    import pandas as pd

    meta = pd.DataFrame({c: pd.Series(dtype=object) for c in _COLUMNS})
    paths = [str(p) for p in rule_paths]
    return ddf.map_partitions(_frame_partition, paths, as_of, compact, meta=meta)
