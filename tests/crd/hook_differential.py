#!/usr/bin/env python3
# The CDS Hooks differential test against a running `covcheck serve --rules rules`: every
# shipped example case becomes the bundle an EHR holds (tests/fhir/case_to_bundle.py) and the
# order-sign request it sends (bundle_to_hook.py); the coverage-information the hook answers
# must say what the same case in YAML decides through POST /v1/check (the facts FHIR cannot
# carry removed from both), for every payer of the registry, and its questionnaire must ask
# for exactly the facts the case waits for. Then, for every case that
# pends with a questionnaire, the questionnaire's items are answered (rounds of questions
# until none is left) and the case must leave `conditional` unless only a reviewer or
# records a questionnaire cannot carry can settle it.
# Use: hook_differential.py BASE_URL OUT_DIR   (prints a summary; exit 1 on a mismatch)
import json
import sys
from datetime import date, timedelta
import urllib.error
import urllib.request
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fhir"))
sys.path.insert(0, str(HERE))
import case_to_bundle  # noqa: E402
import bundle_to_hook  # noqa: E402

BASE = sys.argv[1].rstrip("/")
OUT = Path(sys.argv[2])


def post(path, body, media="application/json"):
    req = urllib.request.Request(BASE + path, data=body.encode(), headers={"Content-Type": media})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def get(url):
    with urllib.request.urlopen(url) as r:
        return json.loads(r.read())


CI = "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information"


def assertion(answer):
    """(covered, pa-needed, questionnaire) of the answer's one system action, or None."""
    actions = answer.get("systemActions", [])
    if len(actions) != 1:
        return None
    for e in actions[0]["resource"].get("extension", []):
        if e.get("url") == CI:
            sub = {}
            for s in e["extension"]:
                sub.setdefault(s["url"], next((v for k, v in s.items() if k.startswith("value")), None))
            return sub.get("covered"), sub.get("pa-needed"), sub.get("questionnaire")
    return None


def expected(check):
    covered = {"covered": "covered", "pend": "conditional"}.get(check["decision"], "not-covered")
    pa = None if covered == "not-covered" else {True: "auth-needed", False: "no-auth", None: "conditional"}[
        check.get("prior_auth")]
    return covered, pa


def answer_item(item, service_date):
    """A plausible answer (the schema's checks refuse implausible ones, as for any case)."""
    t, link = item["type"], item["linkId"]
    if t == "boolean":
        return {"valueBoolean": True}
    if t == "integer":
        return {"valueInteger": 28 if link.endswith("period_days") else 4}
    if t == "decimal":
        return {"valueDecimal": 2}
    if t == "date":
        day = date.fromisoformat(service_date) if service_date else date(2026, 3, 2)
        if link == "date_of_service":
            return {"valueDate": day.isoformat()}
        return {"valueDate": (day - timedelta(days=1 if link.endswith(".end") else 200)).isoformat()}
    if t == "choice":
        options = [o["valueCoding"] for o in item["answerOption"]]
        if item.get("repeats"):
            return {"valueCoding": options[-1]}  # none of these: the list is known empty
        preferred = [o for o in options if o["code"] in ("therapeutic", "failed", "office", "psychiatry")]
        return {"valueCoding": (preferred or options)[0]}
    if t == "string":
        return {"valueString": "F33.2" if link.endswith("diagnosis") or link.endswith("code") else "answered"}
    return None


def settle(hook, first, name, stats, service_date):
    """Answers questionnaires round after round; the last assertion."""
    responses, state, seen = [], first, set()
    for round_ in range(4):
        covered, pa, q = state
        if covered != "conditional" or not q:
            return state
        questionnaire = get(q.replace("https://covcheck.example", BASE))
        items = [i for i in questionnaire["item"] if i["type"] != "display"]
        asked = tuple(i["linkId"] for i in items)
        if not items or asked in seen:
            stats["records_only"] += 1  # what is left needs records (a list of treatments), not answers
            return state
        seen.add(asked)
        responses.append({"resourceType": "QuestionnaireResponse", "id": f"qr{round_}", "status": "completed",
                          "questionnaire": q, "subject": {"reference": "Patient/" + hook["context"]["patientId"]},
                          "item": [{"linkId": i["linkId"], "answer": [answer_item(i, service_date)]} for i in items]})
        hook["prefetch"]["questionnaireResponse"] = {
            "resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in responses]}
        status, answer = post("/cds-services/covcheck-order-sign", json.dumps(hook))
        if status != 200:
            print(f"FAIL: {name}: answering the questionnaire gave HTTP {status}: {json.dumps(answer)[:300]}")
            stats["failed"] += 1
            return None
        state = assertion(answer)
        if round_ > 0:
            stats["second_round"] += 1
    return state


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    stats = {"compared": 0, "errors_alike": 0, "failed": 0, "pended": 0, "settled": 0, "reviewer": 0,
             "records_only": 0, "second_round": 0, "no_order": 0, "questionnaires_alike": 0}
    payers = set()
    for case_path in sorted(ROOT.glob("rules/*/cases/*.yaml")):
        name = f"{case_path.parent.parent.name}/{case_path.stem}"
        case = yaml.safe_load(case_path.read_text())
        bundle, reduced = case_to_bundle.convert(case)
        hook = bundle_to_hook.to_hook(bundle)
        if not hook["context"]["draftOrders"]["entry"]:
            stats["no_order"] += 1  # the service has no FHIR coding (docs/fhir.md): nothing to sign
            continue
        c_status, check = post("/v1/check", json.dumps(reduced, default=str))
        h_status, answer = post("/cds-services/covcheck-order-sign", json.dumps(hook))
        if c_status != 200 or h_status != 200:
            # No answer either way (no payer, an unknown one, no policy in force): both refuse.
            if c_status != 200 and h_status in (400, 422) and answer.get("resourceType") == "OperationOutcome":
                stats["errors_alike"] += 1
                continue
            print(f"FAIL: {name}: /v1/check HTTP {c_status}, hook HTTP {h_status}: {json.dumps(answer)[:300]}")
            stats["failed"] += 1
            continue
        got = assertion(answer)
        want = expected(check)
        if got is None or got[:2] != want:
            print(f"FAIL: {name}: the hook says {got}, the case decides {check['decision']} "
                  f"(prior_auth {check.get('prior_auth')}): expected {want}")
            stats["failed"] += 1
            continue
        stats["compared"] += 1
        payers.add(check.get("payer"))
        # The questionnaire asks exactly for the facts the YAML case waits for.
        if got[2]:
            asked = [i["linkId"] for i in get(got[2].replace("https://covcheck.example", BASE))["item"]]
            waiting = [m["fact"] for m in check.get("missing", [])]
            if asked != waiting:
                print(f"FAIL: {name}: the questionnaire asks {asked}, the case waits for {waiting}")
                stats["failed"] += 1
                continue
            stats["questionnaires_alike"] += 1
        if got[0] == "conditional" and got[2]:
            stats["pended"] += 1
            final = settle(hook, got, name, stats, str(case.get("date_of_service") or ""))
            if final is None:
                continue
            if final[0] != "conditional":
                stats["settled"] += 1
            elif not final[2]:
                stats["reviewer"] += 1  # a `pend` rule: the card says only a reviewer settles it
        if name == "acme/esk-trial-end-unknown":
            (OUT / "order_sign_request.json").write_text(json.dumps(hook, indent=1) + "\n")
    stats["payers"] = len(payers)
    print(json.dumps(stats, sort_keys=True))
    return 1 if stats["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
