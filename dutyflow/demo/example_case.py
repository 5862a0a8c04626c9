"""A fictional California child-abuse case: what `dutyflow demo` files, and where `dutyflow bench`
and the tests start.

Every name, address and number here is invented. The clinical context is deliberately filled in:
it is what a report must never carry, so the demo shows it being withheld.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any


def opening_request(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "jurisdiction": "US-CA",
        "kind": "child-abuse",
        "county": "Demo County",
        "clinic_id": "clinic-demo-01",
        "practitioner_id": "practitioner-0042",
        "client_id": "client-demo-0007",
        "reporter": {
            "name": "Dr. Alex Rivera",
            "title": "Licensed Marriage and Family Therapist",
            "mandated_reporter_category": "Marriage and family therapist (PC 11165.7(a)(21))",
            "business_name": "Demo Family Counselling",
            "business_address": "300 Oak Avenue, Demo City, CA 90000",
            "phone": "+1 555 0142",
            "witnessed_incident": False,
        },
    }
    body.update(changes)
    return body


def grounds_submission(now: datetime | None = None, **changes: Any) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    formed = (now - timedelta(minutes=2)).replace(microsecond=0)
    body: dict[str, Any] = {
        "grounds": {
            "suspicion_formed_at": formed.isoformat(),
            "statutory_basis": "PC 11166(a)",
            "source_of_information": "victim-disclosed",
            "source_description": "Disclosed by the child during a session",
            "observations": "Bruising on the child's left upper arm consistent with a tight grip; "
            "the child flinched when the arm was touched.",
            "statements": 'The child said: "Dad grabbed my arm hard when I spilled the juice."',
            "past_incidents": "The child mentioned a similar incident last month.",
            "abuse_types": ["physical"],
        },
        "victim": {
            "name": "Sam Example",
            "birth_date": "2016-05-14",
            "sex": "M",
            "address": "12 Elm Street, Demo City, CA 90000",
            "present_location": "With the mother at the clinic",
            "school": "Demo Elementary School",
            "grade": "4",
            "primary_language": "English",
            "in_foster_care": False,
            "relationship_to_suspect": "Son",
            "medical_record_number": "MRN-0000-DEMO",
        },
        "guardians": [
            {
                "name": "Jordan Example",
                "relationship": "Mother",
                "address": "12 Elm Street, Demo City, CA 90000",
                "phone": "+1 555 0111",
            }
        ],
        "suspect": {"name": "Casey Example", "address": "12 Elm Street, Demo City, CA 90000"},
        "incident": {
            "occurred_on": (now - timedelta(days=2)).date().isoformat(),
            "place": "Family home",
        },
        "clinical_context": {
            "diagnosis": "Adjustment disorder with anxiety (demo)",
            "psychotherapy_notes": "Session notes that no agency receives (demo).",
            "treatment_summary": "Weekly play therapy since last spring (demo).",
        },
    }
    body.update(changes)
    return body


def phone_report(now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    return {
        "agency_name": "Demo County Child Welfare Services hotline",
        "official_name": "Intake worker M. Lee",
        "official_title": "Hotline social worker",
        "phone_number": "+1 555 0100",
        "reference_number": "HOTLINE-2026-0001",
        "made_at": (now - timedelta(minutes=1)).replace(microsecond=0).isoformat(),
    }


__all__ = ["grounds_submission", "opening_request", "phone_report"]
