"""Where the submit-to-agency latency goes, read off each report's workflow history.

Between the practitioner's confirmation (the Update sent) and the agency's intake holding the
report, a report passes through these legs, each timed from the events Temporal recorded (the
server, the worker and the intake share this machine's clock):

- **to the confirmation step**: the Update reaches the workflow, which schedules
  ``record_confirmation``;
- **confirmation step queued**: scheduled until a worker starts it;
- **confirmation step run**: started until completed (its audit entries included);
- **to the delivery step**: the workflow's next turn schedules ``deliver_report``;
- **delivery step queued**: scheduled until a worker starts it;
- **delivery until the agency has it**: started until the intake's receipt time.

A leg the history does not show (a report delivered otherwise) is left out of its figures."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client

CONFIRMATION_STEP = "record_confirmation"
DELIVERY_STEP = "deliver_report"

LEGS = (
    "to the confirmation step",
    "confirmation step queued",
    "confirmation step run",
    "to the delivery step",
    "delivery step queued",
    "delivery until the agency has it",
)


@dataclass(frozen=True)
class Submission:
    """One measured report: its workflow, when its confirmation was sent, and when the agency's
    intake received it."""

    case_id: str
    submitted: datetime
    delivered: datetime

    @property
    def latency(self) -> float:
        """Seconds from the confirmation sent to the agency's intake holding the report."""
        return (self.delivered - self.submitted).total_seconds()


@dataclass(frozen=True)
class _StepTimes:
    scheduled: datetime
    started: datetime | None = None
    completed: datetime | None = None


def _step_times(events: list[HistoryEvent], activity_type: str) -> _StepTimes | None:
    """The first scheduling of ``activity_type``: when scheduled, started and completed."""
    scheduled = next(
        (
            e
            for e in events
            if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
            and e.activity_task_scheduled_event_attributes.activity_type.name == activity_type
        ),
        None,
    )
    if scheduled is None:
        return None
    started = completed = None
    for event in events:
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            of = event.activity_task_started_event_attributes.scheduled_event_id
            started = _when(event) if of == scheduled.event_id else started
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            of = event.activity_task_completed_event_attributes.scheduled_event_id
            completed = _when(event) if of == scheduled.event_id else completed
    return _StepTimes(_when(scheduled), started, completed)


def _when(event: HistoryEvent) -> datetime:
    """The event's time, as the server recorded it (UTC, without a zone)."""
    return event.event_time.ToDatetime()


def _naive_utc(moment: datetime) -> datetime:
    """As the history's event times are: UTC, without a zone."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def legs_of(events: list[HistoryEvent], submission: Submission) -> dict[str, float]:
    """Each leg's seconds for one report (the legs its history shows)."""
    confirmation = _step_times(events, CONFIRMATION_STEP)
    delivery = _step_times(events, DELIVERY_STEP)
    if confirmation is None or delivery is None:
        return {}
    marks = [
        _naive_utc(submission.submitted),
        confirmation.scheduled,
        confirmation.started,
        confirmation.completed,
        delivery.scheduled,
        delivery.started,
        _naive_utc(submission.delivered),
    ]
    legs = {}
    for leg, (start, end) in zip(LEGS, itertools.pairwise(marks), strict=True):
        if start is not None and end is not None:
            legs[leg] = (end - start).total_seconds()
    return legs


async def latency_legs(client: Client, submissions: list[Submission]) -> dict[str, list[float]]:
    """Each leg's seconds over the measured reports."""
    legs: dict[str, list[float]] = {leg: [] for leg in LEGS}
    for submission in submissions:
        history = await client.get_workflow_handle(submission.case_id).fetch_history()
        for leg, seconds in legs_of(list(history.events), submission).items():
            legs[leg].append(seconds)
    return legs
