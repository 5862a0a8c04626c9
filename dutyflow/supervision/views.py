"""What a supervisor sees of a case: the de-identified view (`dutyflow.domain.deidentify`) of the
case file, plus only the fields the practitioner revealed with a recorded reason; the fields they
may reveal; and the field paths of that view (shown, removed, coarsened, masked, revealed) for the
audit, never values.

Content marked private and psychotherapy notes are never in the view: `deidentify` removes them
before it looks at what was revealed, and a reveal naming them is refused.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel

from dutyflow.domain.case import CaseFile
from dutyflow.domain.deidentify import PRIVATE_KEYS, Change, DeidentifiedView, deidentify
from dutyflow.domain.safe_harbor import SUPERVISION_COARSENING
from dutyflow.domain.validation import SHORT_TEXT_LIMIT, FieldProblem


class ViewPaths(BaseModel):
    """The audit's account of a view: field paths only."""

    shown: list[str]
    removed: list[str]
    coarsened: list[str]
    masked: list[str]
    revealed: list[str]


def supervision_view(case_file: CaseFile, on: date, revealed: set[str]) -> DeidentifiedView:
    """No profession and no exact age, in fields or free text: a life stage is what the decision
    needs."""
    return deidentify(
        case_file.model_dump(mode="json"),
        on=on,
        reveal=frozenset(revealed),
        coarsening=SUPERVISION_COARSENING,
    )


def shown_paths(content: Any, prefix: str = "") -> list[str]:
    """The leaf paths of served content that carry a value."""
    found: list[str] = []
    if isinstance(content, dict):
        for key, value in content.items():
            found += shown_paths(value, f"{prefix}.{key}" if prefix else key)
    elif isinstance(content, list):
        for index, item in enumerate(content):
            found += shown_paths(item, f"{prefix}[{index}]")
    elif content not in (None, "", [], {}):
        found.append(prefix)
    return found


def view_paths(view: DeidentifiedView, revealed: set[str]) -> ViewPaths:
    shown = shown_paths(view.content)
    return ViewPaths(
        shown=shown,
        removed=sorted({c.path for c in view.changes if c.what == "removed"}),
        coarsened=sorted({c.path for c in view.changes if c.what == "coarsened"}),
        masked=sorted({c.path for c in view.changes if c.what == "masked"}),
        revealed=sorted(
            p for p in revealed if any(s == p or s.startswith((f"{p}.", f"{p}[")) for s in shown)
        ),
    )


def revealable(case_file: CaseFile, on: date) -> list[Change]:
    """What the practitioner may reveal: each field the de-identified view hides or changes (its
    first change, in the view's order), never private content. Paths and categories, no value."""
    found: dict[str, Change] = {}
    for change in supervision_view(case_file, on, set()).changes:
        if not _private(change.path):
            found.setdefault(change.path, change)
    return list(found.values())


def reveal_problems(
    fields: list[str], reason: str, case_file: CaseFile, on: date
) -> list[FieldProblem]:
    """A field may be revealed to the supervisor only if the de-identified view hides or changes
    it, never if it is private, and only with a reason."""
    problems: list[FieldProblem] = []
    if not reason or not reason.strip():
        problems.append(
            FieldProblem(field="reason", problem="must say why the supervisor needs to see it")
        )
    elif len(reason) > 5_000:
        problems.append(FieldProblem(field="reason", problem="is longer than 5000 characters"))
    if not fields:
        problems.append(FieldProblem(field="fields", problem="must name at least one field"))
    paths = {c.path for c in revealable(case_file, on)}
    for path in fields:
        if len(path) > SHORT_TEXT_LIMIT:
            problems.append(FieldProblem(field="fields", problem="names a path that is too long"))
        elif _private(path):
            problems.append(
                FieldProblem(
                    field="fields",
                    problem=f"{path} is private content and is never shown in supervision",
                )
            )
        elif path not in paths:
            problems.append(
                FieldProblem(
                    field="fields",
                    problem=f"{path} is not hidden or changed in the supervisor's view",
                )
            )
    return problems


def _private(path: str) -> bool:
    parts = path.replace("[", ".[").split(".")
    return any(part in PRIVATE_KEYS for part in parts)
