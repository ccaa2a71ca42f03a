#!/usr/bin/env python3
"""Generates a corpus of realistic case v1 documents for impact analysis (`covcheck diff`).

Esketamine (Spravato) and IV ketamine requests dated in 2026, with varied antidepressant
trial histories, diagnoses, prescribers, sites, documents and billing codes, so that a
policy change shows up in every interesting cell of the report. Deterministic for a seed:
the same seed and count always give the same file byte for byte. Python 3 standard library only.

Usage: python3 tools/gen-corpus.py [--seed N] [--count N] [--format jsonl|yaml] [--out FILE]
The shipped example: python3 tools/gen-corpus.py --seed 2026 --count 400 --out examples/corpus/cases.jsonl
"""

import argparse
import datetime as dt
import json
import random
import sys

ANTIDEPRESSANTS = {
    "ssri": ["sertraline", "escitalopram", "fluoxetine", "paroxetine", "citalopram"],
    "snri": ["venlafaxine XR", "duloxetine", "desvenlafaxine"],
    "tca": ["nortriptyline", "amitriptyline"],
    "maoi": ["phenelzine"],
    "atypical": ["bupropion XL", "mirtazapine", "vortioxetine"],
}
PAIN_TREATMENTS = {
    "anticonvulsant": ["gabapentin", "pregabalin"],
    "nerve_block": ["stellate ganglion blocks", "lumbar sympathetic blocks"],
    "physical_therapy": ["physical therapy"],
    "opioid": ["tramadol"],
    "nsaid": ["naproxen"],
}
DEPRESSION_CODES = ["F33.2", "F33.1", "F32.2", "F33.9", "F32.A", "F33.3"]
OTHER_PSYCH_CODES = ["F32.81", "F41.1", "F31.4"]  # PMDD, generalized anxiety, bipolar: not covered depression
PTSD_CODES = ["F43.10", "F43.12"]
PAIN_CODES = ["G90.512", "G90.521", "G89.29", "G89.4"]
STATES = ["CA", "NY", "TX", "FL", "WA", "IL", "MA", "CO"]


def iso(d):
    return d.isoformat()


def trial(rng, klass, name, dos, adequate_bias):
    """One past trial ending before the date of service; `adequate_bias` steers how often it counts."""
    end = dos - dt.timedelta(days=rng.randint(30, 700))
    adequate = rng.random() < adequate_bias
    weeks = rng.choice([8, 10, 12, 16]) if adequate else rng.choice([3, 4, 5, 8, 12])
    start = end - dt.timedelta(weeks=weeks)
    outcome = rng.choice(["failed", "failed", "intolerant"]) if adequate else rng.choice(["failed", "partial", "effective"])
    t = {"name": name, "class": klass, "start": iso(start), "end": iso(end), "outcome": outcome}
    if rng.random() < 0.95:
        t["adequate_dose"] = adequate or rng.random() < 0.5
    else:
        pass  # adequate dose not documented: unknown
    return t


def antidepressant_history(rng, dos):
    """0 to 4 trials; the mix decides 2025.2 (one adequate trial) versus 2026.1 (two, two classes)."""
    shape = rng.choices(["none", "one", "two_same", "two_diff", "three", "missing"], [6, 22, 12, 38, 14, 8])[0]
    if shape == "missing":
        return None  # no `treatments` field at all: unknown
    counts = {"none": 0, "one": 1, "two_same": 2, "two_diff": 2, "three": 3}[shape]
    classes = list(ANTIDEPRESSANTS)
    chosen = [rng.choice(classes)]
    while len(chosen) < counts:
        chosen.append(chosen[0] if shape == "two_same" else rng.choice([c for c in classes if c not in chosen]))
    return [trial(rng, c, rng.choice(ANTIDEPRESSANTS[c]), dos, 0.8) for c in chosen[:counts]]


def patient(rng, dos):
    age = rng.choices([rng.randint(16, 17), rng.randint(18, 80)], [4, 96])[0]
    birth = dos.replace(year=dos.year - age) - dt.timedelta(days=rng.randint(1, 360))
    return {
        "birth_date": iso(birth),
        "sex": rng.choice(["female", "male", "female", "other"]),
        "state": rng.choice(STATES),
        "pregnant": False,
        "veteran": rng.random() < 0.08,
    }


def esketamine_case(rng, n, dos):
    dx = rng.choices([DEPRESSION_CODES, OTHER_PSYCH_CODES, PTSD_CODES], [88, 7, 5])[0]
    hcpcs = rng.choices([None, ["J0013", "G2082"], ["J0013", "G2083"], ["S0013", "G2082"]], [45, 30, 10, 15])[0]
    treatments = antidepressant_history(rng, dos)
    request = {
        "service": "esketamine_nasal",
        "site": rng.choices(["office", "outpatient_clinic", "telehealth"], [60, 35, 5])[0],
        "sessions": rng.choices([8, 6, 12], [70, 20, 10])[0],
        "period_days": 28,
        "prescriber_specialty": rng.choices(["psychiatry", "psychiatric_nurse_practitioner", "family_medicine"], [85, 8, 7])[0],
        "rems_certified_site": rng.random() < 0.94,
        "submitted": iso(dos + dt.timedelta(days=rng.choice([3, 7, 14, 30, 95]))),
    }
    if hcpcs:
        request["hcpcs"] = hcpcs
    case = {
        "id": f"esk-{n:04d}",
        "date_of_service": iso(dos),
        "patient": patient(rng, dos),
        "plan": {"payer": "Acme Health", "type": rng.choice(["commercial", "employer"]), "network": "in", "riders": []},
        "request": request,
        "diagnoses": [{"code": rng.choice(dx), "primary": True}],
    }
    if treatments is not None:
        case["treatments"] = treatments
    if rng.random() < 0.9:
        klass = rng.choice(list(ANTIDEPRESSANTS))
        case["current_medications"] = [{"name": rng.choice(ANTIDEPRESSANTS[klass]), "class": klass}]
    case["documents"] = ["treatment_history"] + (["letter_of_medical_necessity"] if rng.random() < 0.88 else [])
    case["conditions"] = rng.choices([[], ["psychosis"], ["uncontrolled_hypertension"]], [92, 3, 5])[0]
    return case


def iv_case(rng, n, dos):
    kind = rng.choices(["pain", "depression_rider", "depression", "ptsd"], [40, 25, 25, 10])[0]
    riders = ["ketamine_mental_health"] if kind == "depression_rider" or rng.random() < 0.1 else []
    request = {
        "service": "ketamine_iv",
        "site": rng.choices(["outpatient_clinic", "hospital_outpatient", "office", "home"], [60, 20, 15, 5])[0],
        "sessions": rng.choice([4, 6, 6, 8]),
        "period_days": rng.choice([14, 21, 28]),
        "submitted": iso(dos + dt.timedelta(days=rng.choice([5, 10, 20]))),
    }
    if rng.random() < 0.7:
        request["cpt"] = rng.choice([["96365", "96366"], ["96365"], ["96374"]])
    case = {
        "id": f"iv-{n:04d}",
        "date_of_service": iso(dos),
        "patient": patient(rng, dos),
        "plan": {"payer": "Acme Health", "type": "commercial", "network": "in", "riders": riders},
        "request": request,
    }
    if kind == "pain":
        request["prescriber_specialty"] = rng.choice(["anesthesiology", "pain_medicine", "neurology"])
        case["diagnoses"] = [{"code": rng.choice(PAIN_CODES), "primary": True}]
        klasses = rng.sample(list(PAIN_TREATMENTS), rng.randint(0, 3))
        case["treatments"] = [trial(rng, k, rng.choice(PAIN_TREATMENTS[k]), dos, 0.7) for k in klasses]
    else:
        request["prescriber_specialty"] = rng.choices(["psychiatry", "psychiatric_nurse_practitioner"], [85, 15])[0]
        codes = PTSD_CODES if kind == "ptsd" else DEPRESSION_CODES
        case["diagnoses"] = [{"code": rng.choice(codes), "primary": True}]
        history = antidepressant_history(rng, dos)
        if history is not None:
            if kind == "ptsd":
                history.append({"name": "prolonged exposure", "class": "psychotherapy", "start": iso(dos - dt.timedelta(days=300)),
                                "end": iso(dos - dt.timedelta(days=200)), "outcome": rng.choice(["failed", "partial", "effective"])})
            case["treatments"] = history
        score = rng.choice([8, 12, 16, 21, 24])
        case["assessments"] = [{"instrument": "phq9", "score": score, "date": iso(dos - dt.timedelta(days=rng.choice([5, 20, 45])))}]
    case["documents"] = ["treatment_history"] + (["letter_of_medical_necessity"] if rng.random() < 0.85 else [])
    case["conditions"] = []
    return case


def generate(seed, count):
    rng = random.Random(seed)
    start = dt.date(2026, 1, 5)
    cases = []
    for n in range(1, count + 1):
        dos = start + dt.timedelta(days=rng.randint(0, 340))
        make = esketamine_case if rng.random() < 0.65 else iv_case
        cases.append(make(rng, n, dos))
    return cases


def to_yaml(case):
    """Flow-style YAML: JSON is YAML, one document per case."""
    return "---\n" + json.dumps(case, ensure_ascii=False) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--format", choices=["jsonl", "yaml"], default="jsonl")
    parser.add_argument("--out", default="-")
    args = parser.parse_args()
    if args.count < 1:
        parser.error("--count must be at least 1")
    cases = generate(args.seed, args.count)
    if args.format == "jsonl":
        text = "".join(json.dumps(c, ensure_ascii=False, separators=(",", ":")) + "\n" for c in cases)
    else:
        text = "".join(to_yaml(c) for c in cases)
    if args.out == "-":
        sys.stdout.write(text)
    else:
        with open(args.out, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)


if __name__ == "__main__":
    main()
