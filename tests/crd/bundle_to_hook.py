#!/usr/bin/env python3
# Turns a FHIR Bundle holding one patient's order (tests/fhir/case_to_bundle.py writes them)
# into the CDS Hooks request an EHR sends when that order is signed: the orders as
# context.draftOrders (status draft), the rest as the prefetch keys covcheck's discovery
# document names (searchset Bundles; the payer Organization beside the Coverage, as
# `_include=Coverage:payor` returns it).
# Use: bundle_to_hook.py BUNDLE.json OUT.json [HOOK]
import json
import sys

KEYS = {"Condition": "conditions", "MedicationStatement": "medicationStatements", "Observation": "observations",
        "DocumentReference": "documents", "PractitionerRole": "practitionerRoles",
        "QuestionnaireResponse": "questionnaireResponse"}


def to_hook(bundle, hook="order-sign"):
    """The CDS Hooks request (a dict) for the bundle's order."""
    pid, orders, groups, prefetch = None, [], {}, {}
    searched = {}
    for e in bundle.get("entry", []):
        r = e["resource"]
        t = r["resourceType"]
        if t == "Bundle":  # an empty searchset: the list is known empty
            url = next((l["url"] for l in r.get("link", []) if l.get("relation") == "self"), "")
            searched[url.split("?")[0]] = r
            continue
        if t in ("MedicationRequest", "ServiceRequest"):
            r = dict(r, status="draft")
            orders.append({"resource": r})
            continue
        if t == "Patient":
            pid = r["id"]
            prefetch["patient"] = r
            continue
        key = "coverage" if t in ("Coverage", "Organization") else KEYS.get(t, t[0].lower() + t[1:] + "s")
        groups.setdefault(key, []).append(r)
    for t, ss in searched.items():
        key = KEYS.get(t, t[0].lower() + t[1:] + "s")
        groups.setdefault(key, [])
        searched[t] = key
    for key, resources in groups.items():
        prefetch[key] = {"resourceType": "Bundle", "type": "searchset", "total": len(resources),
                         "link": [{"relation": "self", "url": f"{type_of(key, resources)}?patient={pid}"}],
                         "entry": [{"resource": r} for r in resources]}
    if "coverage" not in prefetch:
        prefetch["coverage"] = {"resourceType": "Bundle", "type": "searchset", "total": 0,
                                "link": [{"relation": "self", "url": f"Coverage?patient={pid}"}]}
    request = {"hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea", "fhirServer": "https://ehr.example/r4",
               "hook": hook, "context": {"userId": "Practitioner/pr1", "patientId": pid,
                                         "draftOrders": {"resourceType": "Bundle", "type": "collection",
                                                         "entry": orders}},
               "prefetch": prefetch}
    return request


def main():
    bundle = json.load(open(sys.argv[1]))
    request = to_hook(bundle, sys.argv[3] if len(sys.argv) > 3 else "order-sign")
    json.dump(request, open(sys.argv[2], "w"), indent=1)


def type_of(key, resources):
    if key == "coverage":
        return "Coverage"
    if resources:
        return resources[0]["resourceType"]
    return {v: k for k, v in KEYS.items()}.get(key, key)


if __name__ == "__main__":
    main()
