"""The rules a clinician's input must meet, shared by the API and the workflow's Update validators.

Each check returns `FieldProblem`s naming the field and the problem in words a clinician can act
on. Messages never repeat the submitted value: they may end up in logs or error reports.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from dutyflow.domain.case import CaseOpening, Confirmation, GroundsSubmission, PhoneReport

CLOCK_SKEW = timedelta(minutes=2)
SHORT_TEXT_LIMIT = 500
NARRATIVE_LIMIT = 20_000
NARRATIVE_FIELDS = {
    "observations",
    "statements",
    "past_incidents",
    "other_relevant_information",
    "diagnosis",
    "psychotherapy_notes",
    "treatment_summary",
}
OPAQUE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"


class FieldProblem(BaseModel):
    field: str
    problem: str

    def __str__(self) -> str:
        return f"{self.field}: {self.problem}"


def describe(problems: list[FieldProblem]) -> str:
    return "; ".join(str(p) for p in problems)


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def _text_problems(model: BaseModel, prefix: str) -> list[FieldProblem]:
    """Length and character checks on every text field, however deeply nested."""
    problems: list[FieldProblem] = []

    def walk(value: Any, path: str, name: str) -> None:
        if isinstance(value, BaseModel):
            for key in type(value).model_fields:
                walk(getattr(value, key), f"{path}.{key}" if path else key, key)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{path}[{index}]", name)
        elif isinstance(value, str):
            limit = NARRATIVE_LIMIT if name in NARRATIVE_FIELDS else SHORT_TEXT_LIMIT
            if len(value) > limit:
                problems.append(FieldProblem(field=path, problem=f"is longer than {limit} characters"))
            if "\x00" in value:
                problems.append(FieldProblem(field=path, problem="contains a NUL character"))

    walk(model, prefix, prefix)
    return problems


def _not_future(value: datetime, now: datetime, field: str) -> list[FieldProblem]:
    if value.tzinfo is None:
        return [FieldProblem(field=field, problem="needs a time zone (e.g. 2026-11-24T14:30:00-08:00)")]
    if value > now + CLOCK_SKEW:
        return [FieldProblem(field=field, problem="is in the future")]
    return []


def opening_problems(opening: CaseOpening) -> list[FieldProblem]:
    problems = _text_problems(opening, "")
    for name in ("case_id", "clinic_id", "practitioner_id", "client_id"):
        if not re.fullmatch(OPAQUE_ID_PATTERN, getattr(opening, name)):
            problems.append(
                FieldProblem(
                    field=name,
                    problem="must be an opaque id: letters, digits, '_', '.', ':' or '-', at most 64",
                )
            )
    if _blank(opening.county):
        problems.append(FieldProblem(field="county", problem="must not be empty"))
    for name in ("name", "title", "mandated_reporter_category", "business_address", "phone"):
        if _blank(getattr(opening.reporter, name)):
            problems.append(FieldProblem(field=f"reporter.{name}", problem="must not be empty"))
    return problems


def grounds_problems(
    submission: GroundsSubmission, now: datetime, statutory_bases: list[str] | None
) -> list[FieldProblem]:
    """``statutory_bases`` comes from the case's policy; None when not yet known."""
    grounds = submission.grounds
    problems = _text_problems(submission, "")
    if _blank(grounds.observations):
        problems.append(
            FieldProblem(field="grounds.observations", problem="must describe what was observed or said")
        )
    if _blank(grounds.statutory_basis):
        problems.append(FieldProblem(field="grounds.statutory_basis", problem="must not be empty"))
    elif statutory_bases is not None and grounds.statutory_basis not in statutory_bases:
        problems.append(
            FieldProblem(
                field="grounds.statutory_basis",
                problem=f"must be one of the case's policy: {', '.join(statutory_bases)}",
            )
        )
    problems += _not_future(grounds.suspicion_formed_at, now, "grounds.suspicion_formed_at")
    if not grounds.abuse_types:
        problems.append(FieldProblem(field="grounds.abuse_types", problem="must name at least one type"))
    if _blank(submission.victim.name) and _blank(submission.victim.present_location):
        problems.append(
            FieldProblem(field="victim.name", problem="name the child, or at least where the child is now")
        )
    if submission.victim.birth_date is not None and submission.victim.birth_date > now.date():
        problems.append(FieldProblem(field="victim.birth_date", problem="is in the future"))
    if submission.incident.occurred_on is not None and submission.incident.occurred_on > now.date():
        problems.append(FieldProblem(field="incident.occurred_on", problem="is in the future"))
    return problems


def phone_report_problems(
    report: PhoneReport, now: datetime, suspicion_formed_at: datetime | None
) -> list[FieldProblem]:
    problems = _text_problems(report, "phone_report")
    for name in ("agency_name", "official_name", "phone_number"):
        if _blank(getattr(report, name)):
            problems.append(FieldProblem(field=f"phone_report.{name}", problem="must not be empty"))
    problems += _not_future(report.made_at, now, "phone_report.made_at")
    if (
        suspicion_formed_at is not None
        and report.made_at.tzinfo is not None
        and report.made_at < suspicion_formed_at
    ):
        problems.append(
            FieldProblem(field="phone_report.made_at", problem="is before the suspicion was formed")
        )
    return problems


def confirmation_problems(
    confirmation: Confirmation, review_sha256: str | None, practitioner_id: str
) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if confirmation.practitioner_id != practitioner_id:
        problems.append(
            FieldProblem(field="practitioner_id", problem="only the case's practitioner may confirm")
        )
    if review_sha256 is None:
        problems.append(FieldProblem(field="review_sha256", problem="there is no report to confirm yet"))
    elif confirmation.review_sha256 != review_sha256:
        problems.append(
            FieldProblem(
                field="review_sha256",
                problem="does not match the report under review; review it again before confirming",
            )
        )
    return problems
