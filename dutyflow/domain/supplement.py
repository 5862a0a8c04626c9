"""A supplemental report on a delivered case: the practitioner gives only the answers that are new
or changed (in the shape of the grounds form), and they are merged into the grounds as they stand.

Pure decisions, no I/O: merging the answers (`merge_answers`), naming what changed by path
(`changed_paths`, names never values) and refusing what a supplement may not do
(`supplement_problems`). Recording, limiting per recipient, rendering and delivering live in the
activities and the case workflow (`workflows.supplements`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dutyflow.domain.case import GroundsSubmission
from dutyflow.domain.validation import FieldProblem

# The moment the suspicion was formed starts every deadline of the case: a supplement never
# moves it (a later suspicion about the same person is a new report).
FIXED_PATHS = ("grounds.suspicion_formed_at",)


class SupplementalAnswers(BaseModel):
    """What the practitioner sends: their own user id and the new or changed answers, as a part
    of the grounds form (``{"grounds": {"observations": ...}, "victim": {"school": ...}}``)."""

    model_config = ConfigDict(extra="forbid")

    practitioner_id: str = Field(min_length=1, max_length=64)
    answers: dict[str, Any]


def _answered(value: Any) -> bool:
    return value not in (None, "", [], {})


def merge_answers(grounds: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """``grounds`` with ``answers`` merged in: a section's answers replace the same answers of
    that section and keep the others; a list (several victims, abuse types) is replaced whole;
    an empty answer is no answer, so it never erases what was documented."""
    merged = dict(grounds)
    for key, value in answers.items():
        if not _answered(value):
            continue
        before = merged.get(key)
        if isinstance(value, dict) and isinstance(before, dict):
            merged[key] = merge_answers(before, value)
        else:
            merged[key] = value
    return merged


def changed_paths(before: dict[str, Any], after: dict[str, Any], prefix: str = "") -> list[str]:
    """The dotted paths whose answer differs between ``before`` and ``after`` (a list is one
    answer), sorted."""
    found: list[str] = []
    for key in sorted(set(before) | set(after)):
        path = f"{prefix}{key}"
        old, new = before.get(key), after.get(key)
        if isinstance(old, dict) or isinstance(new, dict):  # a section, perhaps newly answered
            old_section = old if isinstance(old, dict) else {}
            new_section = new if isinstance(new, dict) else {}
            found += changed_paths(old_section, new_section, path + ".")
        elif old != new and (_answered(old) or _answered(new)):
            found.append(path)
    return found


def _problem_path(location: tuple[int | str, ...]) -> str:
    name = ""
    for part in location:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return f"answers.{name}" if name else "answers"


def supplement_problems(
    grounds: GroundsSubmission, answers: dict[str, Any]
) -> tuple[GroundsSubmission | None, list[str], list[FieldProblem]]:
    """The grounds after the supplement, the paths it changes, and why it is refused (if it is):
    an answer the grounds form has no place for, or of the wrong kind; a change to a fixed
    answer; or nothing new at all. Problems name the field, never the value."""
    before = grounds.model_dump(mode="json")
    merged = merge_answers(before, answers)
    try:
        submission = GroundsSubmission.model_validate(merged)
    except ValidationError as err:
        return (
            None,
            [],
            [
                FieldProblem(field=_problem_path(tuple(e["loc"])), problem=e["msg"])
                for e in err.errors()
            ],
        )
    changed = changed_paths(before, submission.model_dump(mode="json"))
    problems = [
        FieldProblem(
            field=f"answers.{path}",
            problem="cannot change in a supplemental report: the case's deadlines run from it",
        )
        for path in changed
        if path in FIXED_PATHS
    ]
    if not changed:
        problems.append(
            FieldProblem(field="answers", problem="give at least one new or changed answer")
        )
    return submission, changed, problems
