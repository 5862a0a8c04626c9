"""The benchmark's own arithmetic: how its rounds share the workflows out, and how a report's
submit-to-agency latency is cut into legs from its workflow history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent

from dutyflow.benchmark.latency_path import LEGS, Submission, legs_of
from dutyflow.benchmark.run import MOST_ROUNDS, rounds_of


@pytest.mark.parametrize(
    ("total", "concurrency"), [(200, 20), (120, 20), (60, 20), (3, 3), (1, 20), (101, 10)]
)
def test_rounds_run_every_workflow_once_and_each_round_reaches_full_concurrency(
    total: int, concurrency: int
) -> None:
    shares = rounds_of(total, concurrency)
    assert sum(shares) == total
    assert 1 <= len(shares) <= MOST_ROUNDS
    assert max(shares) - min(shares) <= 1
    if len(shares) > 1:
        assert min(shares) >= 2 * concurrency


def test_two_hundred_reports_twenty_at_a_time_run_in_five_rounds_of_forty() -> None:
    assert rounds_of(200, 20) == [40] * 5


START = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def at(milliseconds: int) -> datetime:
    return START + timedelta(milliseconds=milliseconds)


def event(
    event_id: int, kind: EventType.ValueType, milliseconds: int, **attributes: object
) -> HistoryEvent:
    made = HistoryEvent(event_id=event_id, event_type=kind)
    made.event_time.FromDatetime(at(milliseconds).replace(tzinfo=None))
    if kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        made.activity_task_scheduled_event_attributes.activity_type.name = str(attributes["name"])
    elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        made.activity_task_started_event_attributes.scheduled_event_id = int(attributes["of"])  # type: ignore[call-overload]
    elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
        made.activity_task_completed_event_attributes.scheduled_event_id = int(attributes["of"])  # type: ignore[call-overload]
    return made


SCHEDULED = EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
STARTED = EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
COMPLETED = EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED


def test_the_legs_run_from_the_confirmation_sent_to_the_agency_holding_the_report() -> None:
    history = [
        event(10, SCHEDULED, -500, name="render_report"),  # before the confirmation: not a leg
        event(11, STARTED, -490, of=10),
        event(12, COMPLETED, -400, of=10),
        event(20, SCHEDULED, 50, name="record_confirmation"),
        event(21, STARTED, 60, of=20),
        event(22, COMPLETED, 300, of=20),
        event(30, SCHEDULED, 420, name="deliver_report"),
        event(31, STARTED, 425, of=30),
        event(32, COMPLETED, 900, of=30),
    ]
    submission = Submission("case-1", submitted=at(0), delivered=at(700))

    legs = legs_of(history, submission)

    assert list(legs) == list(LEGS)
    assert legs == pytest.approx(
        dict(zip(LEGS, [0.050, 0.010, 0.240, 0.120, 0.005, 0.275], strict=True))
    )
    assert sum(legs.values()) == pytest.approx(0.7)  # the legs add up to the latency


def test_a_report_not_delivered_by_the_intake_step_has_no_legs() -> None:
    history = [event(20, SCHEDULED, 50, name="record_confirmation")]
    assert legs_of(history, Submission("case-1", at(0), at(700))) == {}
