"""Every duty with a deadline, as a person reads it: what kind of duty it is (the phone report,
the written report, each contact to attempt, the acknowledgement follow-up, the decision to
inform the client, a supervisor's consultation, a disclosure exception awaiting a second person)
and whether it is overdue or at risk; and when a second person's decision is due.

Pure: a function of a deadline's id and the case's obligations. The workflow names each duty
when it starts watching its deadline; `activities.duties` writes it to the ``duty`` table, from
which the overdue and at-risk lists are read (`dutyflow.compliance.case_lists`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol


class DutyKind(StrEnum):
    PHONE_REPORT = "phone-report"
    WRITTEN_REPORT = "written-report"
    CONTACT = "contact"
    ACKNOWLEDGEMENT_FOLLOW_UP = "acknowledgement-follow-up"
    INFORM_CLIENT_DECISION = "inform-client-decision"
    SUPERVISOR_CONSULTATION = "supervisor-consultation"
    DISCLOSURE_EXCEPTION = "disclosure-exception"


# What the practitioner must do, in words, per kind of duty (no case content).
WHAT_TO_DO = {
    DutyKind.PHONE_REPORT: "make the statutory phone report",
    DutyKind.WRITTEN_REPORT: "send the written report",
    DutyKind.CONTACT: "reach a contact the law requires and log each attempt",
    DutyKind.ACKNOWLEDGEMENT_FOLLOW_UP: "follow up the report the agency has not acknowledged",
    DutyKind.INFORM_CLIENT_DECISION: "decide whether to inform the client",
    DutyKind.SUPERVISOR_CONSULTATION: "approve the report or return it with comments",
    DutyKind.DISCLOSURE_EXCEPTION: "approve or refuse a disclosure beyond the allow-list",
}

ACKNOWLEDGEMENT_PREFIX = "acknowledgement:"
# Deadlines Dutyflow names for one contact, one consultation round, one exception
# (`dutyflow.ids`).
CONTACT_PREFIX = "contact:"
CONSULTATION_PREFIX = "supervisor-consultation:"
EXCEPTION_PREFIX = "disclosure-exception:"
_KIND_OF_PREFIX = {
    ACKNOWLEDGEMENT_PREFIX: DutyKind.ACKNOWLEDGEMENT_FOLLOW_UP,
    CONTACT_PREFIX: DutyKind.CONTACT,
    CONSULTATION_PREFIX: DutyKind.SUPERVISOR_CONSULTATION,
    EXCEPTION_PREFIX: DutyKind.DISCLOSURE_EXCEPTION,
}

# Product policy, not law: no statute sets when a supervisor or a second reviewer must answer.
# Their decision holds the report back, so it is due by the case's earliest deadline still
# open (a later answer makes the report late), or within a day where the case has none; the
# supervisor is reminded halfway there, compliance three quarters of the way.
DECISION_CITATION = (
    "Dutyflow operating policy (not law): a decision holding a report back is due by the "
    "case's earliest open deadline, or within 24 hours where it has none"
)
DECISION_DUE_WITHOUT_DEADLINE = timedelta(hours=24)
DECISION_LADDER = (("supervisor", 0.5), ("compliance", 0.75))
# The same, as `dutyflow policy explain` says it.
DECISION_LADDER_IN_WORDS = (
    "A consultation awaiting the supervisor, or a disclosure exception awaiting a second person, "
    "is due by the case's earliest deadline still open (within 24 hours where there is none). "
    "Reminders before it is due: the supervisor halfway there, the compliance officer three "
    "quarters of the way. Each contact to attempt (a warning, a call) is a duty of its own, "
    "with the deadline and reminders of the rule that binds it."
)

# The ways of meeting a duty to a recipient (``Obligation.delivery``), as kinds of duty.
_KIND_OF_DELIVERY = {
    "phone-report": DutyKind.PHONE_REPORT,
    "contact": DutyKind.CONTACT,
    "intake": DutyKind.WRITTEN_REPORT,
}


class BindsDeadlines(Protocol):
    """What the kind of a duty is read from: an obligation's way of meeting it, and the
    deadlines it must meet."""

    @property
    def delivery(self) -> str: ...

    @property
    def deadline_ids(self) -> list[str]: ...


def duty_kind(deadline_id: str, obligations: Iterable[BindsDeadlines]) -> DutyKind:
    """The kind of duty a deadline is: named by the deadline itself where Dutyflow knows it, else
    by how the obligations it binds are met (a deadline binding a written report is the written
    report's, whatever the policy calls it)."""
    if deadline_id == "phone-report":
        return DutyKind.PHONE_REPORT
    if deadline_id == "inform-client":
        return DutyKind.INFORM_CLIENT_DECISION
    for prefix, kind in _KIND_OF_PREFIX.items():
        if deadline_id.startswith(prefix):
            return kind
    kinds = {
        _KIND_OF_DELIVERY.get(o.delivery, DutyKind.WRITTEN_REPORT)
        for o in obligations
        if deadline_id in o.deadline_ids
    }
    for kind in (DutyKind.WRITTEN_REPORT, DutyKind.PHONE_REPORT, DutyKind.CONTACT):
        if kind in kinds:
            return kind
    return DutyKind.WRITTEN_REPORT


def what_to_do(kind: str, deadline_id: str) -> str:
    """What a duty asks, in words; a contact's names whom by the recipient's id (a label such as
    ``potential-victim-1``, never a name)."""
    if deadline_id.startswith(CONTACT_PREFIX):
        whom = deadline_id.removeprefix(CONTACT_PREFIX).replace("-", " ")
        return f"reach {whom} and log each attempt"
    try:
        return WHAT_TO_DO[DutyKind(kind)]
    except ValueError:
        return "act on the case"


@dataclass(frozen=True)
class DecisionDeadline:
    """When a second person's decision is due, and who is reminded when before it."""

    due_at: datetime
    escalations: list[tuple[str, datetime]]


def decision_deadline(asked_at: datetime, open_deadlines: Iterable[datetime]) -> DecisionDeadline:
    """The deadline of a decision asked for at ``asked_at`` (see ``DECISION_CITATION``): the
    earliest of the case's open deadlines (never before it was asked), else a day later."""
    due = max(min(open_deadlines, default=asked_at + DECISION_DUE_WITHOUT_DEADLINE), asked_at)
    span = due - asked_at
    return DecisionDeadline(
        due_at=due, escalations=[(who, asked_at + span * part) for who, part in DECISION_LADDER]
    )


def is_overdue(due_at: datetime, met_at: datetime | None, now: datetime) -> bool:
    """A duty not met by its deadline is overdue until it is met."""
    return met_at is None and due_at < now


def is_at_risk(due_at: datetime, met_at: datetime | None, now: datetime, within: timedelta) -> bool:
    """A duty still open whose deadline passes within ``within``."""
    return met_at is None and now <= due_at <= now + within


def countdown(due_at: datetime, now: datetime) -> str:
    """A deadline as a person reads it: ``due in 1 h 5 min`` or ``overdue by 3 min``."""
    seconds = int((due_at - now).total_seconds())
    minutes = abs(seconds) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = ([f"{days} d"] if days else []) + ([f"{hours} h"] if hours else []) + [f"{mins} min"]
    text = " ".join(parts)
    return f"due in {text}" if seconds >= 0 else f"overdue by {text}"
