"""Every duty with a deadline, as a person reads it: what kind of duty it is (the phone report,
the written report, the contacts to attempt, the acknowledgement follow-up, the decision to
inform the client) and whether it is overdue or at risk.

Pure: a function of a deadline's id and the case's obligations. The workflow names each duty
when it starts watching its deadline; `activities.duties` writes it to the ``duty`` table, from
which the overdue and at-risk lists are read (`dutyflow.compliance.case_lists`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol


class DutyKind(StrEnum):
    PHONE_REPORT = "phone-report"
    WRITTEN_REPORT = "written-report"
    CONTACT = "contact"
    ACKNOWLEDGEMENT_FOLLOW_UP = "acknowledgement-follow-up"
    INFORM_CLIENT_DECISION = "inform-client-decision"


# What the practitioner must do, in words, per kind of duty (no case content).
WHAT_TO_DO = {
    DutyKind.PHONE_REPORT: "make the statutory phone report",
    DutyKind.WRITTEN_REPORT: "send the written report",
    DutyKind.CONTACT: "reach every contact the law requires and log each attempt",
    DutyKind.ACKNOWLEDGEMENT_FOLLOW_UP: "follow up the report the agency has not acknowledged",
    DutyKind.INFORM_CLIENT_DECISION: "decide whether to inform the client",
}

ACKNOWLEDGEMENT_PREFIX = "acknowledgement:"

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
    if deadline_id.startswith(ACKNOWLEDGEMENT_PREFIX):
        return DutyKind.ACKNOWLEDGEMENT_FOLLOW_UP
    kinds = {
        _KIND_OF_DELIVERY.get(o.delivery, DutyKind.WRITTEN_REPORT)
        for o in obligations
        if deadline_id in o.deadline_ids
    }
    for kind in (DutyKind.WRITTEN_REPORT, DutyKind.PHONE_REPORT, DutyKind.CONTACT):
        if kind in kinds:
            return kind
    return DutyKind.WRITTEN_REPORT


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
