"""What an agency's inbox says of each report it received: how urgent it is (from the case's
policy: a phone report first, a written-report deadline), where it stands (received,
acknowledged, supplemented) and the reporter's phone number to call back. Pure functions, no
I/O; Dutyflow's agency pages (`dutyflow.api.routes.agency`) and the reference intake service's
inbox (`dutyflow.intake.pages`) both read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

UrgencyLevel = Literal["urgent", "deadline", "routine"]


@dataclass(frozen=True)
class Urgency:
    level: UrgencyLevel
    words: str


def report_urgency(
    phone_report_due_at: datetime | None, written_report_due_at: datetime | None
) -> Urgency:
    """``urgent`` when the policy asks for a phone report first (the law's "immediately");
    ``deadline`` when a written report is due by a statutory time; ``routine`` otherwise (a
    permitted disclosure, a court's own timetable)."""
    if phone_report_due_at is not None:
        return Urgency("urgent", "Urgent: the law asks for a phone report first")
    if written_report_due_at is not None:
        return Urgency(
            "deadline", f"Written report due by {written_report_due_at:%Y-%m-%d %H:%M} UTC"
        )
    return Urgency("routine", "No statutory deadline")


def report_status(acknowledgement: str | None, supplemented: bool) -> str:
    """``supplemented`` once a supplemental report followed it; else ``acknowledged`` (with the
    decision) or ``received``."""
    if supplemented:
        return "supplemented"
    if acknowledgement:
        return f"acknowledged ({acknowledgement.replace('-', ' ')})"
    return "received"


def reporter_phone(fields: dict[str, Any]) -> str | None:
    """The reporter's phone number among the fields the agency received (None if withheld)."""
    reporter = fields.get("reporter")
    phone = reporter.get("phone") if isinstance(reporter, dict) else None
    return phone if isinstance(phone, str) and phone.strip() else None
