"""A person's inbox: the union of the task sources, ordered by deadline (tasks without one, such
as a decision asked for before decisions were duties, after those with one; met ones last)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from dutyflow.auth.roles import Principal
from dutyflow.store.db import SessionFactory
from dutyflow.tasks.sources import (
    Task,
    awaiting_my_decision,
    decisions_met,
    deliveries_to_chase,
    duties_owed_by_me,
    escalated_to_me,
)

TaskSource = Callable[[Session, Principal, datetime], list[Task]]

# One more kind of task is one more source here.
SOURCES: list[TaskSource] = [
    escalated_to_me,
    awaiting_my_decision,
    decisions_met,
    deliveries_to_chase,
    duties_owed_by_me,
]


def inbox(sessions: SessionFactory, principal: Principal, now: datetime) -> list[Task]:
    with sessions() as session:
        tasks = [task for source in SOURCES for task in source(session, principal, now)]
    return sorted(
        tasks,
        key=lambda t: (t.met_at is not None, t.due_at is None, t.due_at or now, t.task_id),
    )
