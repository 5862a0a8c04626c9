"""Grounds and clinician steps for each report kind: fictional cases, every name invented.

`tests.reporting` drives the California child-abuse scenario; these bodies give the other kinds
(and jurisdictions) what their policy's grounds questions ask."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from dutyflow.demo import example_case as scenario
from tests.reporting import PRACTITIONER


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _formed(now: datetime) -> str:
    return (now - timedelta(minutes=3)).isoformat()


def client_identity() -> dict[str, Any]:
    return {
        "name": "Robin Example",
        "birth_date": "1990-02-03",
        "sex": "M",
        "address": "7 Birch Road, Demo City, CA 90000",
        "distinguishing_features": "Tall, red jacket",
    }


def clinical_context() -> dict[str, Any]:
    return {
        "diagnosis": "MARKER-DIAGNOSIS-KINDS",
        "psychotherapy_notes": "MARKER-NOTES-KINDS",
        "treatment_summary": "MARKER-TREATMENT-KINDS",
        "treatment_dates": "Weekly since March",
    }


def elder_abuse(
    statutory_basis: str = "WIC 15630(b)(1)", facility: bool = False, injury: bool = False
) -> dict[str, Any]:
    now = _now()
    return {
        "grounds": {
            "suspicion_formed_at": _formed(now),
            "statutory_basis": statutory_basis,
            "source_of_information": "victim-disclosed",
            "observations": (
                "Unexplained bruises on both wrists; the client's mother seemed afraid."
            ),
            "statements": "She said her son takes her pension and shouts at her.",
        },
        "victim": {
            "name": "Pat Example",
            "birth_date": "1941-06-01",
            "address": "12 Elm Street, Demo City, CA 90000",
            "present_location": "At home",
        },
        "suspect": {"name": "Chris Example"},
        "incident": {"place": "The victim's home"},
        "care_setting": {"long_term_care_facility": facility, "serious_bodily_injury": injury},
        "elder_abuse": {"abuse_types": ["financial", "psychological"], "timeframe": "Since spring"},
        "clinical_context": clinical_context(),
    }


def threat(
    statutory_basis: str, victims: int = 2, support_contacts: int = 0, imminent: bool = True
) -> dict[str, Any]:
    now = _now()
    return {
        "grounds": {"suspicion_formed_at": _formed(now), "statutory_basis": statutory_basis},
        "client": client_identity(),
        "threat": {
            "description": "Said he would hurt his neighbour with a knife tonight.",
            "communicated_at": _formed(now),
            "means": "A kitchen knife",
            "serious_and_imminent": imminent,
            "belief_basis": "own-contact",
        },
        "potential_victims": [
            {
                "name": f"Neighbour Example {n}",
                "phone": f"+1 555 02{n:02d}",
                "address": f"{n} Birch Road, Demo City",
                "relationship_to_client": "Neighbour",
            }
            for n in range(1, victims + 1)
        ],
        "support_contacts": [
            {
                "name": f"Sibling Example {n}",
                "phone": f"+1 555 03{n:02d}",
                "relationship_to_client": "Sibling",
            }
            for n in range(1, support_contacts + 1)
        ],
        "clinical_context": clinical_context(),
    }


def court_order(authorised_fields: list[str] | None = None) -> dict[str, Any]:
    now = _now()
    return {
        "grounds": {
            "suspicion_formed_at": _formed(now),
            "statutory_basis": "45 CFR 164.512(e)(1)(i)",
        },
        "client": client_identity(),
        "court_order": {
            "court": "Demo County Superior Court",
            "case_number": "DC-2026-0815",
            "issued_on": (now - timedelta(days=3)).date().isoformat(),
            "judge": "Hon. Example",
            "received_at": _formed(now),
            "comply_by": (now + timedelta(days=10)).isoformat(),
            "scope": "Dates of treatment of the client named",
            "authorised_fields": authorised_fields
            if authorised_fields is not None
            else ["client.name", "clinical_context.treatment_dates"],
            "directed_to": "Demo Family Counselling",
        },
        "clinical_context": clinical_context(),
    }


def subpoena(assured: bool) -> dict[str, Any]:
    now = _now()
    request: dict[str, Any] = {
        "requesting_party": "Example & Example LLP",
        "requesting_party_address": "1 Court Plaza, Demo City",
        "court": "Demo County Superior Court",
        "case_number": "DC-2026-0999",
        "received_at": _formed(now),
        "respond_by": (now + timedelta(days=14)).isoformat(),
        "requested_records": "Dates of treatment",
        "requested_fields": ["client.name", "clinical_context.treatment_dates"],
        "assurance_statement_received": True,
        "client_explicit_consent": False,  # no written authorisation from the client
    }
    if assured:
        request |= {
            "written_notice_given_on": (now - timedelta(days=30)).date().isoformat(),
            "notice_allowed_objection": True,
            "objection_period_expired": True,
            "objections_none_or_resolved": True,
            "client_explicit_consent": True,  # the client's written authorisation
        }
    return {
        "grounds": {
            "suspicion_formed_at": _formed(now),
            "statutory_basis": "45 CFR 164.512(e)(1)(ii)",
        },
        "client": client_identity(),
        "subpoena": request,
        "clinical_context": clinical_context(),
    }


def gb_child_abuse(immediate_danger: bool = False) -> dict[str, Any]:
    body = scenario.grounds_submission()
    body["grounds"]["statutory_basis"] = "DPA 2018 Sch 1 para 18"
    body["incident"]["immediate_danger"] = immediate_danger
    body["sharing_decision"] = {
        "decision": "Share with children's social care",
        "reasons": "A child at risk of significant harm; sharing is necessary and proportionate.",
        "consent": "Not sought: seeking it could place the child at increased risk.",
    }
    return body


def ny_child_abuse() -> dict[str, Any]:
    body = scenario.grounds_submission()
    body["grounds"]["statutory_basis"] = "SSL 413"
    return body


def decision(
    recipient_id: str, disclose: bool, reasons: str = "Reasoned decision (demo)."
) -> dict[str, Any]:
    return {
        "practitioner_id": PRACTITIONER,
        "recipient_id": recipient_id,
        "decision": "disclose" if disclose else "decline",
        "reasons": reasons,
    }


def contact(
    recipient_id: str,
    outcome: str = "reached",
    channel: str = "phone",
    exhausted: bool = False,
    notes: str | None = None,
) -> dict[str, Any]:
    return {
        "practitioner_id": PRACTITIONER,
        "recipient_id": recipient_id,
        "channel": channel,
        "attempted_at": (_now() - timedelta(seconds=30)).isoformat(),
        "outcome": outcome,
        "efforts_exhausted": exhausted,
        "spoke_with": "Spoke with the person themselves" if outcome == "reached" else None,
        "notes": notes,
    }


def inform_client(informed: bool, exception: str | None = None) -> dict[str, Any]:
    if informed:
        return {
            "practitioner_id": PRACTITIONER,
            "informed": True,
            "informed_at": (_now() - timedelta(seconds=20)).isoformat(),
            "method": "In person, at the end of the session",
        }
    return {
        "practitioner_id": PRACTITIONER,
        "informed": False,
        "exception": exception,
        "reasons": "Telling the client now would put them at risk (demo).",
    }
