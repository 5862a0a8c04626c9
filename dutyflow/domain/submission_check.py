"""Every problem of a new report's form at once, before anything is opened: the opening (who
reports, where, whose record) and the grounds, checked by the same rules the API and the case's
Update apply (`dutyflow.domain.validation`), so a form that would be refused opens no case and
the practitioner sees all that is wrong in one go. Pure, no I/O.

What this does not check, the API still does on opening: the caller's identity and clinic, and
whether an agency is known for the county.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from dutyflow.domain.case import CaseOpening, GroundsSubmission
from dutyflow.domain.validation import (
    FieldProblem,
    grounds_problems,
    grounds_rules_for,
    opening_problems,
)

# An opening is checked before its case has an id: any opaque id stands in for it.
_CHECKED_CASE_ID = "case-being-checked"


def field_path(location: Sequence[int | str]) -> str:
    """A pydantic error's location as a case-file path: ``("victims", 1, "phone")`` is
    ``victims[1].phone``."""
    name = ""
    for part in location:
        text = str(part)
        name += f"[{text}]" if text.isdigit() else (f".{text}" if name else text)
    return name


def _without(body: dict[str, Any], location: Sequence[int | str]) -> None:
    node: Any = body
    for part in location[:-1]:
        node = node[part]
    if isinstance(node, dict):
        node.pop(location[-1], None)


def _shape_problems(
    model: type[GroundsSubmission] | type[CaseOpening], body: dict[str, Any]
) -> tuple[Any, list[FieldProblem]]:
    """The body read as ``model`` and the problems of its shape (types). A value of the wrong
    type is left out and the rest read again, so that the rules are still checked on the rest.
    Problems never quote a value."""
    problems: list[FieldProblem] = []
    for _ in range(3):
        try:
            return model.model_validate(body), problems
        except ValidationError as err:
            for error in err.errors():
                location = error["loc"]
                problems.append(FieldProblem(field=field_path(location), problem=error["msg"]))
                if error["type"] != "missing" and location:
                    _without(body, location)
            if any(e["type"] == "missing" for e in err.errors()):
                return None, problems
    return None, problems


def report_form_problems(
    opening: dict[str, Any], grounds: dict[str, Any], now: datetime, policy: Any
) -> list[FieldProblem]:
    """Every problem of a new report's opening and grounds, as the API would refuse them."""
    opening = copy.deepcopy(opening)
    reporter = opening.setdefault("reporter", {})
    for name in ("name", "title", "mandated_reporter_category", "business_name"):
        reporter.setdefault(name, "")  # a blank is named by the opening's rules
    for name in ("business_address", "phone"):
        reporter.setdefault(name, "")
    for name in ("county", "client_id"):
        opening.setdefault(name, "")
    checked, problems = _shape_problems(
        CaseOpening, {**opening, "case_id": _CHECKED_CASE_ID, "kind": policy.kind}
    )
    if checked is not None:
        problems += opening_problems(checked)
        if not checked.client_id.strip():
            problems.append(FieldProblem(field="client_id", problem="must not be empty"))
    grounds = copy.deepcopy(grounds)
    basics = grounds.setdefault("grounds", {})
    basics.setdefault("statutory_basis", "")
    if not basics.get("suspicion_formed_at"):
        problems.append(
            FieldProblem(field="grounds.suspicion_formed_at", problem="must say when it was")
        )
        basics["suspicion_formed_at"] = now.isoformat()  # stands in, to check the rest
    submission, grounds_shape = _shape_problems(GroundsSubmission, grounds)
    problems += grounds_shape
    if submission is not None:
        rules = grounds_rules_for(policy)
        problems += grounds_problems(submission, now, rules.statutory_bases, rules)
    return problems
