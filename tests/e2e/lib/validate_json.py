"""Validates covcheck's JSON output against docs/schema/covcheck.schema.json.

Usage: validate_json.py SHAPES FILE [--lines]
       validate_json.py --manifest FILE    (lines of NAME<TAB>SHAPES<TAB>FILE<TAB>lines|whole)
SHAPES is one or more of the schema's $defs joined by `|` (answer|batch_error): the document
(or, with --lines, every non-blank line) must match one of them. Prints `FAIL: …` for each
document that does not and exits 1; with a manifest, prints `ok NAME` for each that does.
Runs on Debian's python3-jsonschema.
"""
import json
import pathlib
import sys

import jsonschema

root = pathlib.Path(__file__).resolve().parents[3]
schema = json.loads((root / "docs" / "schema" / "covcheck.schema.json").read_text())
jsonschema.Draft202012Validator.check_schema(schema)
validators = {}


def problems(shapes, path, lines):
    """The ways the file fails to be SHAPES; empty when it is."""
    if shapes not in validators:
        validators[shapes] = jsonschema.Draft202012Validator(
            dict(schema, anyOf=[{"$ref": "#/$defs/" + s} for s in shapes.split("|")]))
    text = pathlib.Path(path).read_text(encoding="utf-8")
    documents = [l for l in text.splitlines() if l.strip()] if lines else [text]
    if not documents and not lines:  # a batch of blank lines answers nothing
        return ["no JSON document"]
    out = []
    for n, doc in enumerate(documents, 1):
        try:
            value = json.loads(doc)
        except json.JSONDecodeError as e:
            out.append(f"document {n}: not JSON: {e}")
            continue
        errors = list(validators[shapes].iter_errors(value))
        if errors:
            best = jsonschema.exceptions.best_match(errors)
            out.append(f"document {n}: not {shapes}: {best.message} at {list(best.absolute_path)}")
    return out


bad = 0
if sys.argv[1] == "--manifest":
    for entry in pathlib.Path(sys.argv[2]).read_text().splitlines():
        name, shapes, path, mode = entry.split("\t")
        found = problems(shapes, path, mode == "lines")
        if found:
            bad += 1
            print(f"FAIL: {name}: {found[0][:400]}")
        else:
            print(f"ok {name}")
else:
    for p in problems(sys.argv[1], sys.argv[2], "--lines" in sys.argv[3:]):
        bad += 1
        print(f"FAIL: {sys.argv[2]}: {p[:400]}")
sys.exit(1 if bad else 0)
