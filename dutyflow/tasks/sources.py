"""The task sources of the inbox, one function per source: each reads what it needs from the
database for one person and returns their tasks. A source is ``(session, principal, now) ->
list[Task]``; `dutyflow.tasks.inbox.SOURCES` lists them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import BaseModel
from sqlmodel import Session, col, select

from dutyflow.auth.roles import Principal
from dutyflow.domain.duties import WHAT_TO_DO, DutyKind, countdown
from dutyflow.domain.notifications import LADDER
from dutyflow.store.delivery_tasks import open_delivery_tasks
from dutyflow.store.tables import (
    CaseRecord,
    DisclosureException,
    DutyRecord,
    SupervisionConsultation,
)

# A duty due within this is "due soon"; a duty met within the last of this still shows, as met.
DUE_SOON = timedelta(hours=24)
RECENTLY_MET = timedelta(days=7)
LIMIT = 200


class Task(BaseModel):
    """One thing a person must do (or did), on one case. ``category``: due-soon, overdue,
    escalated-to-me, awaiting-my-decision, delivery, met."""

    task_id: str
    case_id: str
    category: str
    what: str
    due_at: datetime | None
    countdown: str | None
    met_at: datetime | None = None
    escalated_to: str | None = None


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _what(kind: str) -> str:
    try:
        return WHAT_TO_DO[DutyKind(kind)]
    except ValueError:
        return "act on the case"


def _duty_task(duty: DutyRecord, category: str, now: datetime) -> Task:
    due = _utc(duty.due_at)
    return Task(
        task_id=f"{category}:{duty.duty_id}",
        case_id=duty.case_id,
        category=category,
        what=_what(duty.kind),
        due_at=due,
        countdown=None if duty.met_at else countdown(due, now),
        met_at=_utc(duty.met_at) if duty.met_at else None,
        escalated_to=duty.escalated_to,
    )


def duties_owed_by_me(session: Session, principal: Principal, now: datetime) -> list[Task]:
    """A practitioner's duties on their cases: overdue, due soon, or met lately (as met)."""
    if principal.role != "practitioner":
        return []
    duties = session.exec(
        select(DutyRecord)
        .join(CaseRecord, col(CaseRecord.case_id) == col(DutyRecord.case_id))
        .where(col(CaseRecord.practitioner_id) == principal.user_id)
        .where(
            (col(DutyRecord.met_at).is_(None) & (col(DutyRecord.due_at) < now + DUE_SOON))
            | (col(DutyRecord.met_at) >= now - RECENTLY_MET)
        )
        .order_by(col(DutyRecord.due_at))
        .limit(LIMIT)
    ).all()
    tasks = []
    for duty in duties:
        if duty.met_at is not None:
            category = "met"
        elif _utc(duty.due_at) < now:
            category = "overdue"
        else:
            category = "due-soon"
        tasks.append(_duty_task(duty, category, now))
    return tasks


def escalated_to_me(session: Session, principal: Principal, now: datetime) -> list[Task]:
    """Open duties whose escalation has reached the person's rung of the ladder (or gone past
    it): a supervisor's of their clinic, a compliance officer's of every clinic."""
    if principal.role not in ("supervisor", "compliance"):
        return []
    reached = LADDER[LADDER.index(principal.role) :]
    query = (
        select(DutyRecord)
        .join(CaseRecord, col(CaseRecord.case_id) == col(DutyRecord.case_id))
        .where(col(DutyRecord.met_at).is_(None))
        .where(col(DutyRecord.escalated_to).in_(reached))
    )
    if principal.role == "supervisor":
        query = query.where(col(CaseRecord.clinic_id) == principal.clinic_id)
    duties = session.exec(query.order_by(col(DutyRecord.due_at)).limit(LIMIT)).all()
    return [_duty_task(duty, "escalated-to-me", now) for duty in duties]


def awaiting_my_decision(session: Session, principal: Principal, now: datetime) -> list[Task]:
    """A supervisor's consultations awaiting them, and the disclosure exceptions awaiting a second
    person (a supervisor of the clinic or a compliance officer, never the one who asked)."""
    tasks: list[Task] = []
    if principal.role == "supervisor":
        rounds = session.exec(
            select(SupervisionConsultation.case_id, SupervisionConsultation.round)
            .where(col(SupervisionConsultation.clinic_id) == principal.clinic_id)
            .where(col(SupervisionConsultation.state) == "awaiting-supervisor")
            .limit(LIMIT)
        ).all()
        tasks += [
            Task(
                task_id=f"consultation:{case_id}/{round_}",
                case_id=case_id,
                category="awaiting-my-decision",
                what="approve the report or return it with comments",
                due_at=None,
                countdown=None,
            )
            for case_id, round_ in rounds
        ]
    if principal.role in ("supervisor", "compliance"):
        query = (
            select(DisclosureException.exception_id, DisclosureException.case_id)
            .join(CaseRecord, col(CaseRecord.case_id) == col(DisclosureException.case_id))
            .where(col(DisclosureException.state) == "pending")
            .where(col(DisclosureException.requested_by) != principal.user_id)
        )
        if principal.role == "supervisor":
            query = query.where(col(CaseRecord.clinic_id) == principal.clinic_id)
        tasks += [
            Task(
                task_id=f"exception:{exception_id}",
                case_id=case_id,
                category="awaiting-my-decision",
                what="approve or refuse a disclosure beyond the allow-list",
                due_at=None,
                countdown=None,
            )
            for exception_id, case_id in session.exec(query.limit(LIMIT)).all()
        ]
    return tasks


DELIVERY_TASK_WORDS = {
    "record-agency-reference": "record the reference the agency gave for the report",
    "deliver-report": "get the report to the agency (refused or not taken) and send it again",
    "take-report-to-agency": "take the report to the agency (portal, fax or post) and record it",
}


def deliveries_to_chase(session: Session, principal: Principal, now: datetime) -> list[Task]:
    """A practitioner's open delivery tasks (`dutyflow.store.delivery_tasks`): a reference to
    record, a report the agency has not taken, a report to take to the agency by hand (due when
    the written report is)."""
    if principal.role != "practitioner":
        return []
    return [
        Task(
            task_id=f"delivery:{task.kind}:{task.case_id}:{task.recipient_id}",
            case_id=task.case_id,
            category="delivery",
            what=DELIVERY_TASK_WORDS[task.kind],
            due_at=_utc(task.due_at) if task.due_at else None,
            countdown=countdown(_utc(task.due_at), now) if task.due_at else None,
        )
        for task in open_delivery_tasks(session, practitioner_id=principal.user_id)
    ]
