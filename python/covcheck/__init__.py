"""covcheck from Python: compile coverage-policy rules once, decide cases (dicts, YAML or
JSON text), corpora (lists, iterators, pandas DataFrames) and policy changes.

    >>> import covcheck
    >>> rules = covcheck.RuleSet.load(["rules/acme"])
    >>> d = rules.check({"id": "c1", "request": {...}, ...})
    >>> d.decision, d.covered, d.prior_auth, d.benefit

Cases are decided by the same C++ engine and decision session as the `covcheck` CLI; an
answer's ``to_dict()`` has exactly the keys of ``covcheck check --format json``
(docs/json.md). See docs/python.md.
"""

from __future__ import annotations

import enum
import itertools
import json
import os
from collections import Counter
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from . import _covcheck

__all__ = [
    "RuleSet",
    "Determination",
    "Decision",
    "Diagnostic",
    "CovcheckError",
    "CompileError",
    "CaseError",
    "Impact",
    "compare",
    "diff",
]


class Decision(str, enum.Enum):
    """A case's decision, ordered as the engine orders them (covered < pend < denied < excluded).
    Compares equal to its JSON spelling: ``Decision.COVERED == "covered"``."""

    COVERED = "covered"
    PEND = "pend"
    DENIED = "denied"
    EXCLUDED = "excluded"

    def __str__(self) -> str:
        return self.value


class Diagnostic:
    """One diagnostic, with the keys of docs/json.md's diagnostic shape as attributes:
    severity, code, message, source, line, column, span, at, field, help, notes."""

    __slots__ = ("_d",)
    _keys = ("severity", "code", "message", "source", "line", "column", "span", "at", "field", "help", "notes")

    def __init__(self, d: Dict[str, Any]):
        self._d = d

    def __getattr__(self, name: str) -> Any:
        if name in Diagnostic._keys:
            return self._d.get(name)
        raise AttributeError(name)

    def to_dict(self) -> Dict[str, Any]:
        """The diagnostic as the JSON object every covcheck surface writes."""
        return dict(self._d)

    def __str__(self) -> str:
        where = f"{self._d['at']}: " if self._d.get("at") else ""
        field = f" (at `{self._d['field']}`)" if self._d.get("field") else ""
        return f"{where}{self._d['severity']}[{self._d['code']}]: {self._d['message']}{field}"

    def __repr__(self) -> str:
        return f"Diagnostic({self._d['severity']!r}, {self._d['code']!r}, {self._d['message']!r})"


class CovcheckError(Exception):
    """Base of covcheck's errors. ``diagnostics`` holds Diagnostic objects; ``str(error)`` is
    their compiler-style rendering, as the CLI prints it."""

    def __init__(self, text: str, diagnostics: List[Diagnostic]):
        super().__init__(text)
        self.text = text
        self.diagnostics = diagnostics


class CompileError(CovcheckError):
    """The rule files could not be loaded, checked or compiled."""


class CaseError(CovcheckError):
    """The case could not be read, validated or decided. ``error`` is the first error's
    message, ``case_id`` the case's id when it was read, ``undecidable`` true when the case
    was valid but no policy was in force for it."""

    def __init__(self, text: str, diagnostics: List[Diagnostic], record: Dict[str, Any], undecidable: bool):
        super().__init__(text, diagnostics)
        self.case_id: Optional[str] = record.get("case")
        self.error: str = record.get("error", "")
        self.undecidable = undecidable
        self._record = record

    def to_dict(self) -> Dict[str, Any]:
        """The JSON error object of ``check --format json`` (docs/json.md)."""
        return dict(self._record)


def _diagnostics(text: str) -> List[Diagnostic]:
    return [Diagnostic(d) for d in json.loads(text)] if text else []


class Determination:
    """The answer for one case. ``decision`` (a Decision), ``covered``, ``prior_auth``
    (True/False/None for unknown), ``benefit`` and ``case_id`` are read straight from the
    engine; the other attributes from ``to_dict()``, which is the JSON answer itself (the
    keys of ``covcheck check --format json``; a compact answer has the keys of
    ``batch --compact``)."""

    __slots__ = ("_r", "_dict")

    def __init__(self, result: Any):
        self._r = result
        self._dict: Optional[Dict[str, Any]] = None

    @property
    def decision(self) -> Decision:
        return Decision(self._r.decision)

    @property
    def covered(self) -> bool:
        """True when the decision is ``covered``."""
        return self._r.decision == "covered"

    @property
    def prior_auth(self) -> Optional[bool]:
        return self._r.prior_auth

    @property
    def benefit(self) -> Optional[str]:
        return self._r.benefit

    @property
    def case_id(self) -> Optional[str]:
        return self._r.case_id

    @property
    def compact(self) -> bool:
        """True for a compact answer (``compact=True``): no messages, missing facts or next steps."""
        return self._r.compact

    def to_dict(self) -> Dict[str, Any]:
        """The JSON answer as a dict: exactly the keys (and order) ``check --format json`` writes."""
        if self._dict is None:
            self._dict = json.loads(self._r.json())
            # check_many's answers are left out of the garbage collector while they hold no
            # container (see _covcheck.check_many); holding one now, this one goes back.
            _covcheck._track(self)
        return self._dict

    def to_json(self) -> str:
        """The JSON answer on one line: the line ``covcheck batch`` writes for the case."""
        return self._r.json()

    def _key(self, key: str, default: Any = None) -> Any:
        return self.to_dict().get(key, default)

    @property
    def basis(self) -> Optional[str]:
        return self._key("basis")

    @property
    def reasons(self) -> List[Any]:
        """The reasons (dicts with rule, effect, message, decisive, cite, at); rule ids when compact."""
        return self._key("reasons", [])

    @property
    def missing(self) -> List[Dict[str, Any]]:
        """Facts whose absence leaves the case pending: ``{"fact": path, "rules": [...]}``."""
        return self._key("missing", [])

    @property
    def requirements(self) -> List[Dict[str, Any]]:
        """The document checklist: ``{"item", "status", "rule"}`` each."""
        return self._key("requirements", [])

    checklist = requirements

    @property
    def next_steps(self) -> List[str]:
        return self._key("next_steps", [])

    @property
    def warnings(self) -> List[Dict[str, Any]]:
        return self._key("warnings", [])

    @property
    def policies(self) -> List[Dict[str, Any]]:
        return self._key("policies", [])

    @property
    def trace(self) -> Optional[List[Dict[str, Any]]]:
        """The explanation trace (docs/trace.md) when the case was checked with ``trace=True``."""
        return self._key("trace")

    def __str__(self) -> str:
        return self._r.text()

    def __repr__(self) -> str:
        return f"<Determination case={self.case_id!r} decision={self._r.decision}>"


Case = Union[Mapping[str, Any], str, bytes, "os.PathLike[str]"]


_PLAIN = (str, dict, bytes)


def _case_input(case: Any) -> Any:
    if type(case) in _PLAIN:  # the common cases skip the (slow) abstract-class checks below
        return case
    if isinstance(case, os.PathLike):
        with open(case, "rb") as f:
            return f.read()
    if isinstance(case, Mapping) and not isinstance(case, dict):
        return dict(case)
    return case


def _error_record(result: Any) -> Dict[str, Any]:
    return json.loads(result.json())


def _raise_case_error(result: Any) -> None:
    raise CaseError(
        result.diagnostics_text or result.error,
        _diagnostics(result.diagnostics_json),
        _error_record(result),
        result.undecidable,
    )


def _paths(paths: Union[str, "os.PathLike[str]", Iterable[Union[str, "os.PathLike[str]"]]]) -> List[str]:
    if isinstance(paths, (str, os.PathLike)):
        return [os.fspath(paths)]
    return [os.fspath(p) for p in paths]


class RuleSet:
    """A compiled rule set: loaded, checked and compiled once, then deciding any number of
    cases, from any number of threads."""

    def __init__(self, handle: Any, paths: Sequence[str] = ()):
        self._h = handle
        self.paths: Tuple[str, ...] = tuple(paths)

    @classmethod
    def load(cls, paths: Union[str, "os.PathLike[str]", Iterable[Any]], as_of: Optional[str] = None) -> "RuleSet":
        """Loads rule files or directories of ``*.cpl`` files (as ``--rules``); ``as_of``
        (YYYY-MM-DD) judges effective ranges on that date instead of each case's date of
        service. Raises CompileError when the rules do not compile."""
        p = _paths(paths)
        handle, diagnostics, text = _covcheck.load(p, None if as_of is None else str(as_of))
        if handle is None:
            raise CompileError(text, _diagnostics(diagnostics))
        return cls(handle, p)

    @classmethod
    def from_source(cls, text: str, as_of: Optional[str] = None, name: str = "<source>.cpl") -> "RuleSet":
        """Compiles one rule file given as text (a notebook cell); ``name`` names it in
        locations, and its imports are resolved from the current directory."""
        handle, diagnostics, rendered = _covcheck.from_source(text, name, None if as_of is None else str(as_of))
        if handle is None:
            raise CompileError(rendered, _diagnostics(diagnostics))
        return cls(handle, [name])

    @property
    def as_of(self) -> Optional[str]:
        return self._h.as_of

    def check(self, case: Case, *, trace: bool = False, compact: bool = False, trace_elements: int = 5) -> Determination:
        """Decides one case: a dict (read as a value tree, as its YAML would be), YAML or JSON
        text, or a path to a case file. Raises CaseError when the case cannot be read,
        validated or decided."""
        result = self._h.check_many([_case_input(case)], 1, trace, compact, trace_elements)[0]
        if not result.answered:
            _raise_case_error(result)
        return Determination(result)

    def check_many(
        self,
        cases: Iterable[Case],
        *,
        threads: int = 1,
        trace: bool = False,
        compact: bool = False,
        chunk_size: int = 8192,
        trace_elements: int = 5,
    ) -> Iterator[Union[Determination, Dict[str, Any]]]:
        """Decides many cases on ``threads`` threads (the GIL is released while deciding),
        yielding results in input order: a Determination per case, or, for a case that
        gets no answer, its error record (a dict: ``case``, ``error``, ``diagnostics``).
        The input is consumed ``chunk_size`` cases at a time, so it may be a generator."""
        it = iter(cases)
        while True:
            chunk = [_case_input(c) for c in itertools.islice(it, chunk_size)]
            if not chunk:
                return
            # The engine wraps each answer in a Determination itself (and errors not).
            for r in self._h.check_many(chunk, threads, trace, compact, trace_elements, Determination):
                yield r if r.__class__ is Determination else _error_record(r)

    def batch_lines(
        self,
        records: Sequence[str],
        *,
        lines: Optional[Sequence[int]] = None,
        name: str = "<stdin>",
        threads: int = 1,
        compact: bool = False,
        trace: bool = False,
    ) -> List[str]:
        """Decides JSON Lines records as ``covcheck batch`` does, returning its output lines
        (without newlines), byte for byte: error records name ``name`` and the record's line
        ``lines[i]`` (default: 1, 2, …)."""
        recs = list(records)
        nums = list(lines) if lines is not None else list(range(1, len(recs) + 1))
        return self._h.batch_lines(recs, nums, name, threads, trace, compact)

    def check_frame(self, df: Any, *, threads: int = 1, compact: bool = False) -> Any:
        """Decides a pandas DataFrame, one row a case. Columns are case fields: dotted names
        (``request.service``) nest, and a string starting with ``[`` or ``{`` is read as
        JSON (lists of records such as ``treatments``); missing values (None, NaN) are
        absent facts. Returns a DataFrame with the same index and the columns ``case``,
        ``decision``, ``basis``, ``prior_auth``, ``benefit``, ``reasons`` (rule ids),
        ``missing`` (fact paths; empty when compact) and ``error``."""
        import pandas as pd

        rows = frame_cases(df)
        out = []
        for r in self.check_many(rows, threads=threads, compact=compact):
            out.append(_row(r))
        columns = ["case", "decision", "basis", "prior_auth", "benefit", "reasons", "missing", "error"]
        return pd.DataFrame(out, index=df.index, columns=columns)

    def __repr__(self) -> str:
        return f"<RuleSet {list(self.paths)!r}>"


def _row(r: Union[Determination, Dict[str, Any]]) -> Dict[str, Any]:
    if isinstance(r, dict):
        return {"case": r.get("case"), "decision": None, "basis": None, "prior_auth": None, "benefit": None,
                "reasons": [], "missing": [], "error": r.get("error")}
    d = r.to_dict()
    reasons = d.get("reasons", [])
    return {
        "case": d.get("case"),
        "decision": d["decision"],
        "basis": d.get("basis"),
        "prior_auth": d.get("prior_auth"),
        "benefit": d.get("benefit"),
        "reasons": [x if isinstance(x, str) else x["rule"] for x in reasons],
        "missing": [m["fact"] for m in d.get("missing", [])],
        "error": None,
    }


def _missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        return v != v  # NaN, pandas.NA raises
    except TypeError:
        return True


def frame_cases(df: Any) -> List[Dict[str, Any]]:
    """The cases of a DataFrame as dicts (see RuleSet.check_frame)."""
    cases = []
    for record in df.to_dict("records"):
        case: Dict[str, Any] = {}
        for column, value in record.items():
            if not isinstance(value, (list, dict)) and _missing(value):
                continue
            if isinstance(value, str) and value[:1] in ("[", "{"):
                value = json.loads(value)
            parts = str(column).split(".")
            node = case
            for p in parts[:-1]:
                node = node.setdefault(p, {})
            node[parts[-1]] = value
        cases.append(case)
    return cases


def compare(case: Case, rule_sets: Union[Mapping[str, RuleSet], Sequence[RuleSet]], *, trace: bool = False
            ) -> Dict[str, Union[Determination, CaseError]]:
    """Decides one case against several rule sets side by side, as ``covcheck compare``:
    a mapping from each set's name (its paths when given as a list) to its Determination,
    or to the CaseError of a set that cannot decide it (no policy in force: an error row)."""
    sets = rule_sets.items() if isinstance(rule_sets, Mapping) else ((",".join(r.paths), r) for r in rule_sets)
    out: Dict[str, Union[Determination, CaseError]] = {}
    for name, rs in sets:
        try:
            out[name] = rs.check(case, trace=trace)
        except CaseError as e:
            out[name] = e
    return out


class Impact:
    """What changing the rules from ``old`` to ``new`` does to a corpus, as ``covcheck diff``
    reports it: ``matrix[(old, new)]`` counts cases by decision (``error`` for a case that got
    no answer), ``rules[(old, new)]`` counts the decisive reasons present on one side only in
    a changed cell, keyed (side, rule, effect, cite) as the CLI's report, ``changed`` lists each changed case as (index, case id, old, new) with the
    Determinations (or error records), and ``prior_auth_changed`` / ``benefit_changed`` count
    cases whose prior authorization or benefit routing changed."""

    def __init__(self) -> None:
        self.cases = 0
        self.matrix: Counter = Counter()
        self.rules: Dict[Tuple[str, str], Counter] = {}
        self.changed: List[Tuple[int, Optional[str], Any, Any]] = []
        self.prior_auth_changed = 0
        self.benefit_changed = 0

    def to_frame(self) -> Any:
        """The matrix as a pandas DataFrame (old decisions as rows, new as columns)."""
        import pandas as pd

        order = ["covered", "pend", "denied", "excluded", "error"]
        frame = pd.DataFrame(0, index=order, columns=order)
        for (o, n), count in self.matrix.items():
            frame.loc[o, n] = count
        return frame

    def __repr__(self) -> str:
        return f"<Impact cases={self.cases} changed={len(self.changed)}>"


def _cell(r: Any) -> str:
    return r["decision"] if isinstance(r, dict) and "decision" in r else ("error" if isinstance(r, dict) else r._r.decision)


def _decisive(r: Any) -> set:
    if isinstance(r, dict):
        return set()
    return {(x["rule"], x["effect"], x.get("cite")) for x in r.reasons if isinstance(x, dict) and x.get("decisive")}


def diff(old: RuleSet, new: RuleSet, cases: Iterable[Case], *, threads: int = 1) -> Impact:
    """Decides every case under both rule sets and summarises the change (see Impact), as
    ``covcheck diff --old … --new … --cases …``."""
    impact = Impact()
    chunk_size = 8192
    it = iter(cases)
    index = 0
    while True:
        chunk = [_case_input(c) for c in itertools.islice(it, chunk_size)]
        if not chunk:
            break
        for a, b in zip(old.check_many(chunk, threads=threads), new.check_many(chunk, threads=threads)):
            o, n = _cell(a), _cell(b)
            impact.cases += 1
            impact.matrix[(o, n)] += 1
            if o != n:
                case_id = a.get("case") if isinstance(a, dict) else a.case_id
                impact.changed.append((index, case_id, a, b))
                cell = impact.rules.setdefault((o, n), Counter())
                da, db = _decisive(a), _decisive(b)
                for rule, effect, cite in da - db:
                    cell[("old", rule, effect, cite)] += 1
                for rule, effect, cite in db - da:
                    cell[("new", rule, effect, cite)] += 1
            if not isinstance(a, dict) and not isinstance(b, dict):
                if a.prior_auth != b.prior_auth:
                    impact.prior_auth_changed += 1
                if a.benefit != b.benefit:
                    impact.benefit_changed += 1
            index += 1
    return impact
