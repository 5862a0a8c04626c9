"""What an escalation's message says, and to whom it goes next if it cannot be delivered.

A message carries no case content: who must do what (the kind of duty, in words), by when, and a
link to the case in Dutyflow, where the reader signs in. Its Message-ID is made from the
escalation step and the person, so the same step to the same person is always the same message
(a mail client shows a copy that slipped through once).

Pure: `dutyflow.notifications` resolves the people, sends and records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from dutyflow.domain.duties import WHAT_TO_DO, DutyKind

# The ladder of people a deadline escalates to, in order; a message that cannot reach one goes on
# to the next.
LADDER = ("practitioner", "supervisor", "compliance")

_WHO = {
    "practitioner": "You are the practitioner on this case",
    "supervisor": "You supervise the practitioner on this case",
    "compliance": "You are a compliance officer",
}


@dataclass(frozen=True)
class Notification:
    subject: str
    body: str
    message_id: str


def next_on_ladder(role: str) -> str | None:
    """Who is told when ``role`` cannot be: the next person up, or nobody after compliance."""
    if role not in LADDER:
        return None
    index = LADDER.index(role)
    return LADDER[index + 1] if index + 1 < len(LADDER) else None


def message_id(escalation_id: str, user_id: str, mail_domain: str) -> str:
    """The same escalation step to the same person is always the same message."""
    local = f"{escalation_id}/{user_id}".replace("/", ".").replace(":", "-")
    return f"<{local}@{mail_domain}>"


def escalation_notice(
    *,
    kind: str,
    role: str,
    due_at: datetime,
    now: datetime,
    link: str,
    escalation_id: str,
    user_id: str,
    mail_domain: str,
) -> Notification:
    """The message telling ``role`` that a duty's deadline is near or past."""
    try:
        what = WHAT_TO_DO[DutyKind(kind)]
    except ValueError:
        what = "act on the case"
    due = due_at.astimezone(UTC)
    state = "was due" if due <= now else "is due"
    when = f"{due:%Y-%m-%d %H:%M} UTC"
    subject = f"Dutyflow: a deadline {'has passed' if due <= now else 'is near'} ({when})"
    body = (
        f"{_WHO.get(role, 'You are on the escalation ladder of this case')}.\n\n"
        f"Someone must {what}. It {state} by {when}.\n\n"
        f"Open the case in Dutyflow (sign in first): {link}\n\n"
        "This message carries no case details by design.\n"
    )
    return Notification(
        subject=subject,
        body=body,
        message_id=message_id(escalation_id, user_id, mail_domain),
    )
