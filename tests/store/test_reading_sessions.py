"""A session that only reads (`dutyflow.store.db.reading`): on SQLite it reads the last committed
snapshot without queueing for the writer's lock, and nothing can be written through it."""

from __future__ import annotations

import pytest

from dutyflow.contracts import SYSTEM
from dutyflow.store import audit_log
from dutyflow.store.db import (
    ReadOnlySession,
    reading,
    session_factory,
)
from dutyflow.store.steps import record_step
from dutyflow.store.tables import AuditPending

pytestmark = pytest.mark.one_database


def test_a_reading_session_reads_while_a_step_holds_the_writers_lock(sqlite_engine) -> None:
    sessions = session_factory(sqlite_engine)
    entry = record_step(
        sessions,
        case_id="case-1",
        step="case-opened",
        actor=SYSTEM,
        content_sha256="ab" * 32,
        details={},
    )

    with sessions() as writer, writer.begin():
        writer.connection()  # BEGIN IMMEDIATE: this session holds SQLite's only write lock
        with reading(sessions) as session:
            found = audit_log.recorded_step(session, entry.idempotency_key)

    assert found is not None and found.seq == entry.seq


def test_nothing_is_written_through_a_reading_session(sqlite_engine) -> None:
    sessions = session_factory(sqlite_engine)

    with reading(sessions) as session:
        session.add(AuditPending(seq=1))
        with pytest.raises(ReadOnlySession):
            session.flush()

    with sessions() as session:
        assert session.get(AuditPending, 1) is None
