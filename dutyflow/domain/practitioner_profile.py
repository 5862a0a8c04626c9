"""A practitioner's profile: who they are as a reporter (name, title, licence, mandated-reporter
category, practice, address, phone), kept once so that a new report's reporter section is filled
in from it (`reporter_prefill`), and their training attestations (`dutyflow.domain.training`).

What is checked here: each field's length and characters, the attestations' requirements and
dates (`profile_problems`), every problem named by its field and never repeating the value.
Which fields a change touched (`changed_fields`) is what the audit records, never the values.
Pure: no I/O.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

from dutyflow.domain.training import Attestation, TrainingPolicy
from dutyflow.domain.validation import FieldProblem, e_mail_problems

SHORT_LIMIT = 200
ADDRESS_LIMIT = 500

# The profile's fields, in the order the page asks them, with the words it asks them in.
PROFILE_LABELS: dict[str, str] = {
    "name": "Your name, as reports give it",
    "title": "Your professional title",
    "licence_type": "Licence type",
    "licence_number": "Licence number",
    "licence_issuer": "Issuing state or body",
    "mandated_reporter_category": "Your mandated-reporter category",
    "business_name": "Your practice or clinic's name",
    "business_address": "Your practice's address",
    "phone": "Your telephone number",
    "email": "Your e-mail address",
}
# The profile's fields that fill in a new report's reporter section (the case's `Reporter`
# has no licence: the agencies' forms ask for none of it).
REPORTER_FIELDS = (
    "name",
    "title",
    "mandated_reporter_category",
    "business_name",
    "business_address",
    "phone",
    "email",
)
ATTESTATION_SHAPE = "must give the course, the date and the evidence reference"
ATTESTATION_LABELS: dict[str, str] = {
    "course": "Course or statement",
    "completed_on": "Completed on",
    "evidence_reference": "Evidence reference",
}


class PractitionerProfile(BaseModel):
    """Who the practitioner is as a reporter. Every field but the name may be left empty."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str
    title: str | None = None
    licence_type: str | None = None
    licence_number: str | None = None
    licence_issuer: str | None = None
    mandated_reporter_category: str | None = None
    business_name: str | None = None
    business_address: str | None = None
    phone: str | None = None
    email: str | None = None
    attestations: list[Attestation] = []


def _text_problems(field: str, value: Any) -> list[FieldProblem]:
    if value is None:
        return []
    limit = ADDRESS_LIMIT if field == "business_address" else SHORT_LIMIT
    if not isinstance(value, str):
        return [FieldProblem(field=field, problem="must be text")]
    if len(value) > limit:
        return [FieldProblem(field=field, problem=f"is longer than {limit} characters")]
    if any(ord(c) < 32 and c not in "\n\r\t" for c in value):
        return [FieldProblem(field=field, problem="contains a control character")]
    return []


def _date_of(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def _attestation_problems(
    index: int, raw: Any, training: TrainingPolicy, today: date
) -> list[FieldProblem]:
    where = f"attestations[{index}]"
    if not isinstance(raw, dict):
        return [FieldProblem(field=where, problem=ATTESTATION_SHAPE)]
    problems: list[FieldProblem] = []
    if training.requirement(str(raw.get("requirement", ""))) is None:
        problems.append(
            FieldProblem(field=f"{where}.requirement", problem="is not a training the law asks")
        )
    for name in ("course", "evidence_reference"):
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            problems.append(FieldProblem(field=f"{where}.{name}", problem="must not be empty"))
        else:
            problems += _text_problems(f"{where}.{name}", value)
    unknown = sorted(set(raw) - set(Attestation.model_fields))
    problems += [FieldProblem(field=f"{where}.{name}", problem="is not asked") for name in unknown]
    completed = _date_of(raw.get("completed_on"))
    if completed is None:
        problems.append(
            FieldProblem(field=f"{where}.completed_on", problem="must be a date, like 2024-03-01")
        )
    elif completed > today:
        problems.append(FieldProblem(field=f"{where}.completed_on", problem="is in the future"))
    return problems


def profile_problems(raw: Any, training: TrainingPolicy, today: date) -> list[FieldProblem]:
    """Every problem of a submitted profile at once, each named by its field (never its value)."""
    if not isinstance(raw, dict):
        return [FieldProblem(field="body", problem="must be a profile")]
    problems: list[FieldProblem] = []
    unknown = sorted(set(raw) - set(PractitionerProfile.model_fields))
    problems += [FieldProblem(field=name, problem="is not asked") for name in unknown]
    name = raw.get("name")
    if name is None or (isinstance(name, str) and not name.strip()):
        problems.append(FieldProblem(field="name", problem="must not be empty"))
    for field in PROFILE_LABELS:
        problems += _text_problems(field, raw.get(field))
    email = raw.get("email")
    if isinstance(email, str) and len(email) <= SHORT_LIMIT:
        problems += e_mail_problems("email", email)
    attestations = raw.get("attestations") or []
    if not isinstance(attestations, list):
        return [*problems, FieldProblem(field="attestations", problem="must be a list")]
    seen: set[str] = set()
    for index, item in enumerate(attestations):
        problems += _attestation_problems(index, item, training, today)
        requirement = str(item.get("requirement")) if isinstance(item, dict) else None
        if requirement is not None and requirement in seen:
            problems.append(
                FieldProblem(
                    field=f"attestations[{index}].requirement",
                    problem="is recorded twice: keep one attestation per training",
                )
            )
        if requirement is not None:
            seen.add(requirement)
    return problems


def checked_profile(raw: dict[str, Any]) -> PractitionerProfile:
    """The profile, once `profile_problems` finds none; empty text is no value."""
    cleaned = {
        key: (value if not (isinstance(value, str) and not value.strip()) else None)
        for key, value in raw.items()
    }
    return PractitionerProfile.model_validate(cleaned)


def changed_fields(before: PractitionerProfile | None, after: PractitionerProfile) -> list[str]:
    """The fields a change touched (the audit's words: names, never values); an attestation is
    named by its requirement (``attestations.us-ny-child-abuse-coursework``)."""
    old = before.model_dump() if before else {}
    new = after.model_dump()
    changed = [f for f in PROFILE_LABELS if old.get(f) != new.get(f)]
    old_attested = {a["requirement"]: a for a in old.get("attestations", [])}
    new_attested = {a["requirement"]: a for a in new["attestations"]}
    changed += [
        f"attestations.{requirement}"
        for requirement in sorted(set(old_attested) | set(new_attested))
        if old_attested.get(requirement) != new_attested.get(requirement)
    ]
    return changed


def reporter_prefill(profile: PractitionerProfile | None) -> dict[str, list[str]]:
    """A new report's reporter inputs (``reporter.name``...) as the profile fills them in; the
    fields the profile leaves empty are left for the practitioner to type."""
    if profile is None:
        return {}
    return {
        f"reporter.{field}": [value]
        for field in REPORTER_FIELDS
        if (value := getattr(profile, field))
    }
