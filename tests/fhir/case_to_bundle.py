#!/usr/bin/env python3
# The differential test's generator: turns a covcheck case (YAML) into the FHIR R4 Bundle an
# EHR would hold for it, and into the same case with the facts FHIR cannot carry removed
# (dose adequacy, trial outcome, REMS flags, riders, ... : see docs/fhir.md). Codes come from
# the shipped mapping tables read backwards (rules/fhir/*.yaml), so a value no table can
# express is dropped from both.
# Use: case_to_bundle.py CASE.yaml OUT.bundle.json OUT.reduced.yaml
import json
import sys
from datetime import date, timedelta
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
TABLES = ROOT / "rules" / "fhir"


def load(name):
    return yaml.safe_load((TABLES / name).read_text())


SYSTEMS = {k: v[0] for k, v in load("systems.yaml")["systems"].items()}


def reverse(name):
    """to -> (system, code, display, route) of the table's first row for it."""
    t = load(name)
    out = {}
    for g in t["groups"]:
        system = g.get("system", t.get("system"))
        for code, display in g["codes"].items():
            out.setdefault(g["to"], (system, str(code), str(display), g.get("route")))
    return out


DRUGS, SPECIALTIES, SITES = reverse("drug_classes.yaml"), reverse("specialties.yaml"), reverse("sites.yaml")
INSTRUMENTS, DOCUMENTS, PLANS = reverse("instruments.yaml"), reverse("documents.yaml"), reverse("plan_types.yaml")
SERVICES = {}
for g in load("services.yaml")["groups"]:
    if g["system"] == "rxnorm":  # the order is a MedicationRequest: the drug and its route
        SERVICES.setdefault(g["to"], (g["system"], str(next(iter(g["codes"]))), g.get("route")))


def coding(system, code, display=None):
    c = {"system": SYSTEMS[system], "code": code}
    if display:
        c["display"] = display
    return {"coding": [c]}


def concept(row):
    system, code, display, _ = row
    if system == "text":
        return {"text": code}
    return coding(system, code, display)


def convert(case):
    entries, reduced = [], {}
    pid = "p1"

    def add(resource):
        entries.append({"fullUrl": f"urn:uuid:{resource['resourceType'].lower()}-{resource['id']}", "resource": resource})

    def searchset(rtype):
        add({"resourceType": "Bundle", "id": f"ss-{rtype}", "type": "searchset", "total": 0,
             "link": [{"relation": "self", "url": f"{rtype}?patient={pid}"}]})

    def iso(d):
        return d.isoformat() if isinstance(d, date) else str(d)

    patient = {"resourceType": "Patient", "id": pid}
    p = case.get("patient") or {}
    rp = {}
    if "birth_date" in p:
        patient["birthDate"] = rp["birth_date"] = iso(p["birth_date"])
    if "sex" in p:
        patient["gender"] = rp["sex"] = p["sex"]
    if "state" in p:
        patient["address"] = [{"use": "home", "state": p["state"]}]
        rp["state"] = p["state"]
    add(patient)
    if rp:
        reduced["patient"] = rp

    plan = case.get("plan") or {}
    if plan.get("payer") or plan.get("type") in PLANS:
        cov = {"resourceType": "Coverage", "id": "cov1", "status": "active", "beneficiary": {"reference": f"Patient/{pid}"}}
        rplan = {}
        if plan.get("payer"):
            add({"resourceType": "Organization", "id": "payer1", "name": plan["payer"]})
            cov["payor"] = [{"reference": "Organization/payer1"}]
            rplan["payer"] = plan["payer"]
        if plan.get("type") in PLANS:
            cov["type"] = concept(PLANS[plan["type"]])
            rplan["type"] = plan["type"]
        add(cov)
        reduced["plan"] = rplan

    req = case.get("request") or {}
    rreq = {}
    dos = case.get("date_of_service")
    service = SERVICES.get(req.get("service"))
    order_ref = None
    if service:
        system, code, route = service
        order = {"resourceType": "MedicationRequest", "id": case.get("id") or "order1", "status": "active",
                 "intent": "order", "subject": {"reference": f"Patient/{pid}"},
                 "medicationCodeableConcept": coding(system, code)}
        if route:
            order["dosageInstruction"] = [{"route": coding(route["system"], route["code"])}]
        if dos:
            order["dispenseRequest"] = {"validityPeriod": {"start": iso(dos)}}
        rreq["service"] = req["service"]
        order_ref = f"MedicationRequest/{order['id']}"
        # The administration: a ServiceRequest based on the drug order, with the billing codes.
        sr = {"resourceType": "ServiceRequest", "id": "admin1", "status": "active", "intent": "order",
              "subject": {"reference": f"Patient/{pid}"}, "basedOn": [{"reference": order_ref}],
              "code": {"coding": [{"system": SYSTEMS["cpt"], "code": str(c)} for c in req.get("cpt") or []] +
                                 [{"system": SYSTEMS["hcpcs"], "code": str(c)} for c in req.get("hcpcs") or []]}}
        if req.get("cpt"):
            rreq["cpt"] = [str(c) for c in req["cpt"]]
        if req.get("hcpcs"):
            rreq["hcpcs"] = [str(c) for c in req["hcpcs"]]
        if "sessions" in req:
            order["dispenseRequest"] = dict(order.get("dispenseRequest", {}), numberOfRepeatsAllowed=req["sessions"] - 1)
            rreq["sessions"] = req["sessions"]
        if req.get("site") in SITES:
            sr["locationCode"] = [concept(SITES[req["site"]])]
        if req.get("prescriber_specialty") in SPECIALTIES:
            add({"resourceType": "PractitionerRole", "id": "role1", "specialty": [concept(SPECIALTIES[req["prescriber_specialty"]])]})
            order["requester"] = {"reference": "PractitionerRole/role1"}
            rreq["prescriber_specialty"] = req["prescriber_specialty"]
        primary = [d["code"] for d in case.get("diagnoses") or [] if d.get("primary")]
        if primary:
            order["reasonCode"] = [coding("icd10cm", primary[0])]
        add(order)
        if sr["code"]["coding"] or "locationCode" in sr:
            add(sr)
        # The site is read from the order itself (a MedicationRequest has no locationCode).
        if dos:
            reduced["id"] = order["id"]
            reduced["date_of_service"] = iso(dos)
        else:
            reduced["id"] = order["id"]
        if rreq:
            reduced["request"] = rreq

    if "diagnoses" in case:
        dx = case["diagnoses"] or []
        if not dx:
            searchset("Condition")
        rdx = []
        primary_given = False
        for i, d in enumerate(dx):
            add({"resourceType": "Condition", "id": f"c{i}", "subject": {"reference": f"Patient/{pid}"},
                 "code": coding("icd10cm", d["code"])})
            e = {"code": d["code"]}
            if d.get("primary") and service and not primary_given:
                e["primary"] = True
                primary_given = True
            rdx.append(e)
        reduced["diagnoses"] = rdx

    meds = []
    for t in case.get("treatments") or []:
        meds.append((t, "completed"))
    for m in case.get("current_medications") or []:
        meds.append((m, "active"))
    if "treatments" in case or "current_medications" in case:
        if not meds:
            searchset("MedicationStatement")
        rt, rc = [], []
        for i, (t, status) in enumerate(meds):
            ms = {"resourceType": "MedicationStatement", "id": f"m{i}", "status": status,
                  "subject": {"reference": f"Patient/{pid}"}}
            e = {}
            row = DRUGS.get(t.get("class"))
            if row:
                ms["medicationCodeableConcept"] = concept(row)
                e["name"], e["class"] = row[2], t["class"]
            else:
                ms["medicationCodeableConcept"] = {"text": t.get("name") or "unknown"}
                e["name"] = t.get("name") or "unknown"
            if "start" in t and "end" in t:
                ms["effectivePeriod"] = {"start": iso(t["start"]), "end": iso(t["end"])}
                e["start"], e["end"] = iso(t["start"]), iso(t["end"])
            elif "start" in t:
                ms["effectiveDateTime"] = iso(t["start"])
                e["start"] = iso(t["start"])
            add(ms)
            rt.append(e)
            if status == "active":
                rc.append({k: v for k, v in e.items() if k in ("name", "class", "start")})
        reduced["treatments"] = rt
        reduced["current_medications"] = rc

    if "assessments" in case:
        ra = []
        if not case["assessments"]:
            searchset("Observation")
        for i, a in enumerate(case["assessments"] or []):
            row = INSTRUMENTS.get(a.get("instrument"))
            if not row:
                continue
            obs = {"resourceType": "Observation", "id": f"o{i}", "status": "final",
                   "subject": {"reference": f"Patient/{pid}"}, "code": concept(row)}
            e = {"instrument": a["instrument"]}
            if "score" in a:
                obs["valueInteger"] = a["score"]
                e["score"] = a["score"]
            if "date" in a:
                obs["effectiveDateTime"] = iso(a["date"])
                e["date"] = iso(a["date"])
            add(obs)
            ra.append(e)
        if ra or not case["assessments"]:
            reduced["assessments"] = ra
        else:
            # Only instruments no table maps: the Observations the EHR holds are still there.
            add({"resourceType": "Observation", "id": "o-other", "status": "final",
                 "subject": {"reference": f"Patient/{pid}"}, "code": {"text": "unmapped instrument"}})
            reduced["assessments"] = []

    if "documents" in case:
        rd = []
        if not case["documents"]:
            searchset("DocumentReference")
        for i, d in enumerate(case["documents"] or []):
            row = DOCUMENTS.get(d)
            doc = {"resourceType": "DocumentReference", "id": f"d{i}", "status": "current",
                   "subject": {"reference": f"Patient/{pid}"},
                   "type": concept(row) if row else {"text": f"unmapped {d}"}}
            add(doc)
            if row:
                rd.append(d)
        reduced["documents"] = rd

    bundle = {"resourceType": "Bundle", "id": "b1", "type": "collection", "entry": entries}
    return bundle, reduced


def main():
    case = yaml.safe_load(Path(sys.argv[1]).read_text())
    bundle, reduced = convert(case)
    Path(sys.argv[2]).write_text(json.dumps(bundle, indent=1) + "\n")
    Path(sys.argv[3]).write_text(yaml.safe_dump(reduced, sort_keys=False))


if __name__ == "__main__":
    main()
