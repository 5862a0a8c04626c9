"""Accounting of disclosures (45 CFR 164.528): what an entry says, in words a client reads.

An entry holds the date, the recipient's name and address, a brief description of the
information disclosed and the purpose. The description is built from the *names* of the disclosed
fields, grouped by what they are about, never from their values.
"""

from __future__ import annotations

from collections.abc import Iterable

SECTION_DESCRIPTIONS = {
    "reporter": "the reporting clinician's name and professional contact details",
    "phone_report": "details of the earlier telephone report",
    "victim": "the identity, contact details and whereabouts of the person at risk",
    "guardians": "the identity and contact details of parents or guardians",
    "suspect": "the identity and contact details of the person suspected",
    "incident": "the date, time and place of the incident",
    "grounds": "the grounds for the report (what was observed or said, and when)",
    "clinical_context": "clinical information from the client's record",
}


def describe_disclosure(report_title: str, disclosed_fields: Iterable[str]) -> str:
    sections = []
    for path in disclosed_fields:
        section = path.split(".", 1)[0]
        if section not in sections:
            sections.append(section)
    described = [SECTION_DESCRIPTIONS.get(s, s.replace("_", " ")) for s in sections]
    return f"{report_title}: {'; '.join(described)}." if described else f"{report_title}."
