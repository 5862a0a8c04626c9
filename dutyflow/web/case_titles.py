"""What a page calls a case: its client's reference, kind, jurisdiction and opening date
(``client-0042 · Child abuse · US-CA · opened 2026-03-01``), never ``case-<32 hex>``. A supervisor,
whose view is de-identified, sees no client reference (the API leaves it out). Pure functions of
the case's heading (``GET /reports/{case_id}/heading``); the date is the clinic's
(`dutyflow.web.times`).
"""

from __future__ import annotations

from typing import Any

from dutyflow.web.times import day


def kind_words(kind: str) -> str:
    """``child-abuse`` as ``Child abuse``."""
    return kind.replace("-", " ").capitalize()


def case_title(heading: dict[str, Any] | None, case_id: str) -> str:
    """The case as a person recognises it; its id only if the heading could not be read."""
    if heading is None:
        return f"Case {case_id}"
    parts = [
        heading.get("client_reference"),
        kind_words(heading["kind"]),
        heading["jurisdiction"],
        f"opened {day(heading['opened_at'])}",
    ]
    return " · ".join(p for p in parts if p)
