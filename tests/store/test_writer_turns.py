"""The writers' turns on SQLite (`dutyflow.store.db.writing`): one transaction at a time, each
told to whoever watches how long it waited for its turn and how long it held it (the benchmark's
profile); a transaction that fails hands its turn on all the same."""

from __future__ import annotations

import threading

import pytest

from dutyflow.store.db import (
    session_factory,
    watch_writer_holds,
    watch_writer_turns,
    writing,
)
from dutyflow.store.tables import AuditPending

pytestmark = pytest.mark.one_database


def test_each_transaction_tells_how_long_it_held_the_writers_turn(sqlite_engine) -> None:
    sessions = session_factory(sqlite_engine)
    held: list[float] = []
    watch_writer_holds(sqlite_engine, held.append)
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
    watch_writer_holds(sqlite_engine, held.append)
    watch_writer_turns(sqlite_engine, waited.append)

    with pytest.raises(RuntimeError), writing(sessions) as session:
        session.add(AuditPending(seq=1))
        raise RuntimeError("the step's own error")
    with writing(sessions) as session:  # the turn was handed on: this does not wait it out
        session.add(AuditPending(seq=1))

    assert len(held) == 2 and len(waited) == 2
    with sessions() as session:
        assert session.get(AuditPending, 1) is not None  # the second, not the rolled-back first
