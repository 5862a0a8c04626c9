"""Pure decisions of the delivery channels on which the practitioner takes the report to the
agency (its portal, fax, post): the report's sections in the portal's order, and whether what the
practitioner records as sent is complete.

What is not here: which channel an agency takes (the agency directory), the PDF for fax and post
(`paper_report`), recording the delivery and its accounting entry (the activities).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from dutyflow.domain.agencies import PHONE_NUMBER
from dutyflow.domain.rendering import SectionText
from dutyflow.domain.validation import FieldProblem

# A clock a little ahead of the server's is not a sending time in the future.
CLOCK_TOLERANCE = timedelta(minutes=5)


def in_portal_order(
    sections: Sequence[SectionText], portal_order: Sequence[str]
) -> list[SectionText]:
    """The sections the agency's portal lists first, in its order; every other section after
    them, in the form's order. Nothing is left out and nothing added."""
    position = {section_id: index for index, section_id in enumerate(portal_order)}
    listed = sorted((s for s in sections if s.id in position), key=lambda s: position[s.id])
    return [*listed, *(s for s in sections if s.id not in position)]


def report_sent_problems(
    channel: str,
    *,
    sent_at: datetime,
    sent_to: str | None,
    confirmation_number: str | None,
    now: datetime,
    prepared_at: datetime | None = None,
) -> list[FieldProblem]:
    """What is missing or wrong in the practitioner's record of a report taken to the agency:
    a portal gives a confirmation number; a fax goes to a number and a letter to an address; no
    channel's sending lies in the future (or before the report was ready)."""
    problems: list[FieldProblem] = []
    if sent_at.tzinfo is None:
        problems.append(FieldProblem(field="sent_at", problem="must give its time zone"))
    elif sent_at > now + CLOCK_TOLERANCE:
        problems.append(FieldProblem(field="sent_at", problem="is in the future"))
    elif prepared_at is not None and sent_at < prepared_at - CLOCK_TOLERANCE:
        problems.append(
            FieldProblem(field="sent_at", problem="is before the report was ready to send")
        )
    if channel == "portal" and not confirmation_number:
        problems.append(
            FieldProblem(
                field="confirmation_number", problem="is required: the portal's confirmation"
            )
        )
    if channel == "fax":
        if not sent_to:
            problems.append(FieldProblem(field="sent_to", problem="is required: the fax number"))
        elif not PHONE_NUMBER.match(sent_to):
            problems.append(
                FieldProblem(field="sent_to", problem="must be a fax number like +1 555 0101")
            )
    if channel == "mail" and not sent_to:
        problems.append(
            FieldProblem(field="sent_to", problem="is required: the address it was posted to")
        )
    return problems
