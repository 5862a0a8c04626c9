"""The writers' turns on SQLite (`dutyflow.store.db.writing`): one transaction at a time, each
told to whoever watches how long it waited for its turn and how long it held it (the benchmark's
profile); a transaction that fails hands its turn on all the same; a writer asking urgently (an
activity about to reach the world) is handed the turn before those already waiting."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from dutyflow.store.db import (
    WriterTurn,
    session_factory,
    watch_writer_turns,
    writing,
)
from dutyflow.store.tables import AuditPending

pytestmark = pytest.mark.one_database


def test_each_transaction_tells_how_long_it_held_the_writers_turn(sqlite_engine) -> None:
    sessions = session_factory(sqlite_engine)
    held: list[float] = []
    watch_writer_turns(sqlite_engine, waited=lambda seconds: None, held=held.append)
    inside = threading.Event()
    release = threading.Event()

    def slow_writer() -> None:
        with writing(sessions) as session:
            session.add(AuditPending(seq=1))
            inside.set()
            release.wait(timeout=10)

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert inside.wait(timeout=10)
    assert held == []  # told when the turn is handed on, not before
    release.set()
    thread.join(timeout=10)
    with writing(sessions) as session:
        session.add(AuditPending(seq=2))

    assert len(held) == 2
    assert all(seconds >= 0 for seconds in held)


def test_a_failed_transaction_hands_its_turn_on_and_is_told_too(sqlite_engine) -> None:
    sessions = session_factory(sqlite_engine)
    held: list[float] = []
    waited: list[float] = []
    watch_writer_turns(sqlite_engine, waited=waited.append, held=held.append)

    with pytest.raises(RuntimeError), writing(sessions) as session:
        session.add(AuditPending(seq=1))
        raise RuntimeError("the step's own error")
    with writing(sessions) as session:  # the turn was handed on: this does not wait it out
        session.add(AuditPending(seq=1))

    assert len(held) == 2 and len(waited) == 2
    with sessions() as session:
        assert session.get(AuditPending, 1) is not None  # the second, not the rolled-back first


def until(condition: Callable[[], bool], within: float = 10.0) -> None:
    """Until ``condition()`` holds, looking every millisecond; fails after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        threading.Event().wait(0.001)


def test_an_urgent_writer_is_handed_the_turn_before_the_writers_already_waiting() -> None:
    turn = WriterTurn()
    order: list[str] = []
    assert turn.acquire(1.0)  # held: everyone below waits

    def writer(name: str, urgent: bool) -> threading.Thread:
        def take_turn() -> None:
            assert turn.acquire(10.0, urgent=urgent)
            order.append(name)
            turn.release()

        thread = threading.Thread(target=take_turn)
        thread.start()
        return thread

    waiting = [writer("steps", urgent=False) for _ in range(3)]
    urgent = writer("delivery's start", urgent=True)
    until(lambda: turn.urgently_waiting == 1)
    turn.release()
    for thread in [urgent, *waiting]:
        thread.join(timeout=10)

    assert order[0] == "delivery's start"
    assert sorted(order[1:]) == ["steps"] * 3  # and every one of them had its turn


def test_an_urgent_writer_that_gives_up_leaves_the_turn_to_the_others() -> None:
    turn = WriterTurn()
    assert turn.acquire(1.0)
    gave_up: list[bool] = []
    thread = threading.Thread(target=lambda: gave_up.append(turn.acquire(0.05, urgent=True)))
    thread.start()
    thread.join(timeout=10)
    turn.release()

    assert gave_up == [False]
    assert turn.urgently_waiting == 0
    assert turn.acquire(0.0)  # free: nobody was handed it in the urgent writer's stead


def test_a_free_turn_is_taken_at_once_urgently_or_not() -> None:
    turn = WriterTurn()
    assert turn.acquire(0.0, urgent=True)
    turn.release()
    assert turn.acquire(0.0)
    turn.release()
