"""The audit log on a real database: concurrent appends never fork the chain, a step is recorded
at most once, and tampering with a stored entry is found at that entry."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from dutyflow.contracts import SYSTEM
from dutyflow.store import audit_log
from dutyflow.store.db import writing
from dutyflow.store.steps import record_step
from tests.store.tampering import guard_lifted


def append_steps(sessions, case_id: str, count: int) -> None:
    def one(index: int) -> None:
        record_step(
            sessions,
            case_id=case_id,
            step="test-step",
            key_suffix=str(index),
            actor=SYSTEM,
            content_sha256="ab" * 32,
            details={"index": index},
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one, range(count)))


def test_concurrent_appends_leave_one_unbroken_chain(sessions, database_url) -> None:
    case_id = f"case-{uuid.uuid4().hex}"

    append_steps(sessions, case_id, 40)

    with sessions() as session:
        assert len(audit_log.entries_for_case(session, case_id)) == 40
        result = audit_log.verify(session)
    assert result.intact, result.problem
    in_parallel = audit_log.verify_parallel(database_url, processes=3, parallel_from=0)
    assert in_parallel.checked == result.checked


def test_the_log_is_verified_in_parallel_while_a_step_is_being_written(
    sessions, database_url
) -> None:
    """The verifying processes only read: a writer holding the database's write lock (on SQLite
    the only one) for as long as they scan does not make them fail ("database is locked" once
    SQLite's 30 s wait for the lock ran out, when each took the lock for its whole range)."""
    case_id = f"case-{uuid.uuid4().hex}"
    append_steps(sessions, case_id, 5)
    with sessions() as session:
        committed = audit_log.verify(session).checked

    with writing(sessions) as session:
        audit_log.append(
            session,
            case_id=case_id,
            step="test-step-being-written",
            actor_id=SYSTEM.actor_id,
            actor_role=SYSTEM.role,
            content_sha256="ef" * 32,
            details={},
            idempotency_key=f"{case_id}/being-written",
        )
        in_parallel = audit_log.verify_parallel(database_url, processes=2, parallel_from=0)

    assert in_parallel.intact, in_parallel.problem
    assert in_parallel.checked == committed  # the step not yet committed is not in it


def test_a_step_is_recorded_at_most_once(sessions) -> None:
    case_id = f"case-{uuid.uuid4().hex}"

    for _ in range(3):
        record_step(
            sessions,
            case_id=case_id,
            step="case-opened",
            actor=SYSTEM,
            content_sha256="cd" * 32,
            details={},
        )

    with sessions() as session:
        assert [e.step for e in audit_log.entries_for_case(session, case_id)] == ["case-opened"]


def test_an_edited_stored_entry_is_found_at_that_entry(sessions, engine, database_url) -> None:
    case_id = f"case-{uuid.uuid4().hex}"
    append_steps(sessions, case_id, 3)
    with sessions() as session:
        target = audit_log.entries_for_case(session, case_id)[1].seq

    with guard_lifted(engine) as connection:
        connection.execute(
            text("UPDATE audit_entry SET actor_id = 'someone-else' WHERE seq = :seq"),
            {"seq": target},
        )
    try:
        with sessions() as session:
            result = audit_log.verify(session)
        assert result.first_broken_seq == target
        in_parallel = audit_log.verify_parallel(database_url, processes=3, parallel_from=0)
        assert (in_parallel.first_broken_seq, in_parallel.problem) == (target, result.problem)
    finally:
        with guard_lifted(engine) as connection:
            connection.execute(
                text("UPDATE audit_entry SET actor_id = :actor WHERE seq = :seq"),
                {"actor": SYSTEM.actor_id, "seq": target},
            )


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_entry SET step = 'forged'", "DELETE FROM audit_entry"],
)
def test_the_audit_table_refuses_updates_and_deletes(sessions, engine, statement: str) -> None:
    append_steps(sessions, f"case-{uuid.uuid4().hex}", 1)

    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text(statement))


def test_details_are_stored_as_canonical_json_and_older_text_still_verifies(
    sessions, engine
) -> None:
    case_id = f"case-{uuid.uuid4().hex}"
    record_step(
        sessions,
        case_id=case_id,
        step="case-opened",
        actor=SYSTEM,
        content_sha256="cd" * 32,
        details={"zeta": 1, "alpha": "é"},
    )
    with sessions() as session:
        [entry] = audit_log.entries_for_case(session, case_id)
    with engine.connect() as connection:
        stored = connection.execute(
            text("SELECT CAST(details AS TEXT) FROM audit_entry WHERE seq = :seq"),
            {"seq": entry.seq},
        ).scalar()
    assert stored == '{"alpha":"é","zeta":1}'  # sorted, compact: hashed as stored

    with guard_lifted(engine) as connection:  # as written before JSON was kept canonical
        connection.execute(
            text("UPDATE audit_entry SET details = :text WHERE seq = :seq"),
            {"text": '{"zeta": 1, "alpha": "\\u00e9"}', "seq": entry.seq},
        )
    with sessions() as session:
        assert audit_log.verify(session).intact
