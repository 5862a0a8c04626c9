"""The task sources of the inbox, one function per source: each reads what it needs from the
database for one person and returns their tasks. A source is ``(session, principal, now) ->
list[Task]``; `dutyflow.tasks.inbox.SOURCES` lists them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import BaseModel
from sqlmodel import Session, col, select

from dutyflow import ids
from dutyflow.auth.roles import Principal
from dutyflow.domain.duties import WHAT_TO_DO, DutyKind, countdown, what_to_do
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


def _duty_task(duty: DutyRecord, category: str, now: datetime) -> Task:
    due = _utc(duty.due_at)
    return Task(
        task_id=f"{category}:{duty.duty_id}",
        case_id=duty.case_id,
        category=category,
        what=what_to_do(duty.kind, duty.deadline_id),
        due_at=due,
        countdown=None if duty.met_at else countdown(due, now),
        met_at=_utc(duty.met_at) if duty.met_at else None,
        escalated_to=duty.escalated_to,
    )


# The duties a role decides itself: listed as awaiting its decision rather than as escalated.
DECIDED_BY = {
    "supervisor": (DutyKind.SUPERVISOR_CONSULTATION.value, DutyKind.DISCLOSURE_EXCEPTION.value),
    "compliance": (DutyKind.DISCLOSURE_EXCEPTION.value,),
}


def duties_owed_by_me(session: Session, principal: Principal, now: datetime) -> list[Task]:
    """A practitioner's duties on their cases: overdue, due soon, or met lately (as met)."""
    if principal.role != "practitioner":
        return []
    duties = session.exec(
        select(DutyRecord)
        .join(CaseRecord, col(CaseRecord.case_id) == col(DutyRecord.case_id))
        .where(col(CaseRecord.practitioner_id) == principal.user_id)
        .where(col(DutyRecord.kind).not_in(DECIDED_BY["supervisor"]))  # a second person's
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
    it): a supervisor's of their clinic, a compliance officer's of every clinic. A decision of
    their own (a consultation, an exception) is listed as awaiting their decision instead."""
    if principal.role not in ("supervisor", "compliance"):
        return []
    reached = LADDER[LADDER.index(principal.role) :]
    query = (
        select(DutyRecord)
        .join(CaseRecord, col(CaseRecord.case_id) == col(DutyRecord.case_id))
        .where(col(DutyRecord.met_at).is_(None))
        .where(col(DutyRecord.escalated_to).in_(reached))
        .where(col(DutyRecord.kind).not_in(DECIDED_BY[principal.role]))
    )
    if principal.role == "supervisor":
        query = query.where(col(CaseRecord.clinic_id) == principal.clinic_id)
    duties = session.exec(query.order_by(col(DutyRecord.due_at)).limit(LIMIT)).all()
    return [_duty_task(duty, "escalated-to-me", now) for duty in duties]


def _decision_duties(session: Session, case_ids: set[str]) -> dict[str, DutyRecord]:
    """The duties of the decisions awaited on these cases, by duty id (none for a decision
    asked for before decisions were duties)."""
    if not case_ids:
        return {}
    rows = session.exec(
        select(DutyRecord)
        .where(col(DutyRecord.case_id).in_(case_ids))
        .where(col(DutyRecord.kind).in_(DECIDED_BY["supervisor"]))
    ).all()
    return {row.duty_id: row for row in rows}


def _decision_task(
    task_id: str, case_id: str, what: str, duty: DutyRecord | None, now: datetime
) -> Task:
    due = _utc(duty.due_at) if duty is not None else None
    return Task(
        task_id=task_id,
        case_id=case_id,
        category="awaiting-my-decision",
        what=what,
        due_at=due,
        countdown=countdown(due, now) if due is not None else None,
        escalated_to=duty.escalated_to if duty is not None else None,
    )


def awaiting_my_decision(session: Session, principal: Principal, now: datetime) -> list[Task]:
    """A supervisor's consultations awaiting them, and the disclosure exceptions awaiting a second
    person (a supervisor of the clinic or a compliance officer, never the one who asked), each
    with its deadline and countdown where it is a duty."""
    if principal.role not in ("supervisor", "compliance"):
        return []
    rounds: list[tuple[str, int]] = []
    if principal.role == "supervisor":
        rounds = list(
            session.exec(
                select(SupervisionConsultation.case_id, SupervisionConsultation.round)
                .where(col(SupervisionConsultation.clinic_id) == principal.clinic_id)
                .where(col(SupervisionConsultation.state) == "awaiting-supervisor")
                .limit(LIMIT)
            ).all()
        )
    query = (
        select(DisclosureException.exception_id, DisclosureException.case_id)
        .join(CaseRecord, col(CaseRecord.case_id) == col(DisclosureException.case_id))
        .where(col(DisclosureException.state) == "pending")
        .where(col(DisclosureException.requested_by) != principal.user_id)
    )
    if principal.role == "supervisor":
        query = query.where(col(CaseRecord.clinic_id) == principal.clinic_id)
    exceptions = list(session.exec(query.limit(LIMIT)).all())
    duties = _decision_duties(session, {c for c, _ in rounds} | {c for _, c in exceptions})
    tasks = [
        _decision_task(
            f"consultation:{case_id}/{round_}",
            case_id,
            WHAT_TO_DO[DutyKind.SUPERVISOR_CONSULTATION],
            duties.get(ids.duty_id(case_id, ids.consultation_deadline_id(round_))),
            now,
        )
        for case_id, round_ in rounds
    ]
    tasks += [
        _decision_task(
            f"exception:{exception_id}",
            case_id,
            WHAT_TO_DO[DutyKind.DISCLOSURE_EXCEPTION],
            duties.get(ids.duty_id(case_id, ids.exception_deadline_id(own_id))),
            now,
        )
        for exception_id, case_id in exceptions
        # The row's id is the case's, then the case's own (``exception-1``).
        for own_id in [exception_id.removeprefix(f"{case_id}/")]
    ]
    return tasks


def decisions_met(session: Session, principal: Principal, now: datetime) -> list[Task]:
    """The decisions of the person's role met lately (a supervisor's: their clinic's), as met,
    with when."""
    if principal.role not in DECIDED_BY:
        return []
    query = (
        select(DutyRecord)
        .join(CaseRecord, col(CaseRecord.case_id) == col(DutyRecord.case_id))
        .where(col(DutyRecord.kind).in_(DECIDED_BY[principal.role]))
        .where(col(DutyRecord.met_at) >= now - RECENTLY_MET)
    )
    if principal.role == "supervisor":
        query = query.where(col(CaseRecord.clinic_id) == principal.clinic_id)
    duties = session.exec(query.order_by(col(DutyRecord.due_at)).limit(LIMIT)).all()
    return [_duty_task(duty, "met", now) for duty in duties]


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
