"""Validates covcheck's JSON output against docs/schema/covcheck.schema.json.

Usage: validate_json.py SHAPES FILE [--lines]
SHAPES is one or more of the schema's $defs joined by `|` (answer|batch_error): the document
(or, with --lines, every non-blank line) must match one of them. Prints what failed and
exits 1; exits 0 when everything matched. Runs on Debian's python3-jsonschema.
"""
import json
import pathlib
import sys

import jsonschema

root = pathlib.Path(__file__).resolve().parents[3]
schema = json.loads((root / "docs" / "schema" / "covcheck.schema.json").read_text())
shapes, path = sys.argv[1].split("|"), sys.argv[2]
lines = "--lines" in sys.argv[3:]
validator = jsonschema.Draft202012Validator(
    dict(schema, anyOf=[{"$ref": "#/$defs/" + s} for s in shapes]))
jsonschema.Draft202012Validator.check_schema(schema)

text = pathlib.Path(path).read_text(encoding="utf-8")
documents = [l for l in text.splitlines() if l.strip()] if lines else [text]
if not documents and not lines:  # a batch of blank lines answers nothing
    print(f"{path}: no JSON document")
    sys.exit(1)
bad = 0
for n, doc in enumerate(documents, 1):
    try:
        value = json.loads(doc)
    except json.JSONDecodeError as e:
        print(f"{path}:{n}: not JSON: {e}")
        bad += 1
        continue
    errors = list(validator.iter_errors(value))
    if errors:
        bad += 1
        best = jsonschema.exceptions.best_match(errors)
        print(f"{path}:{n}: not {sys.argv[1]}: {best.message} at {list(best.absolute_path)}")
sys.exit(1 if bad else 0)
