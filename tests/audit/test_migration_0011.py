"""Revision 0011 builds the Merkle tree over a log written before it: every old entry becomes a
leaf in its order, the old hash chain stays on those entries and is still verified, newer entries
join the same tree, and a downgrade gives every entry the old chain back."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from dutyflow.contracts import SYSTEM
from dutyflow.domain.audit import GENESIS_HASH, canonical_json, entry_hash, verify_chain
from dutyflow.store import audit_log, audit_tree, migrate
from dutyflow.store.db import make_engine, session_factory
from dutyflow.store.steps import record_step
from tests.audit.insider import every_guard_lifted
from tests.conftest import empty_database

OLD_ENTRIES = 25


@pytest.fixture(params=["sqlite", "postgresql"])
def old_log(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database at revision 0010 holding a hash-chained log, as the old code wrote it."""
    for url in empty_database(request.param, tmp_path / "old.db"):
        engine = make_engine(url)
        migrate.upgrade(engine, "0010")
        prev, start = GENESIS_HASH, datetime(2026, 11, 1, tzinfo=UTC)
        with engine.begin() as connection:
            for seq in range(1, OLD_ENTRIES + 1):
                entry = {
                    "seq": seq,
                    "entry_id": str(uuid.UUID(int=seq)),
                    "recorded_at": start + timedelta(seconds=seq),
                    "case_id": f"case-{seq % 4}",
                    "step": f"step-{seq}",
                    "actor_id": "dutyflow-worker",
                    "actor_role": "system",
                    "content_sha256": "ab" * 32,
                    "details": {"n": seq, "fields": ["a.b"]},
                    "idempotency_key": f"case/{seq}",
                }
                digest = entry_hash(prev, entry)
                connection.execute(
                    text(
                        "INSERT INTO audit_entry (seq, entry_id, recorded_at, case_id, step, "
                        "actor_id, actor_role, content_sha256, details, idempotency_key, "
                        "prev_hash, entry_hash) VALUES (:seq, :entry_id, :recorded_at, :case_id, "
                        ":step, :actor_id, :actor_role, :content_sha256, :details, "
                        ":idempotency_key, :prev, :hash)"
                    ),
                    {
                        **entry,
                        "details": canonical_json(entry["details"]).decode(),
                        "prev": prev,
                        "hash": digest,
                    },
                )
                prev = digest
        yield engine
        engine.dispose()


def test_the_tree_is_built_over_the_old_log_in_its_order(old_log: Engine) -> None:
    migrate.upgrade(old_log)

    with session_factory(old_log)() as session:
        result = audit_log.verify(session)
        leaves = audit_tree.leaf_indexes(session, range(1, OLD_ENTRIES + 1))
    assert result.intact and result.checked == OLD_ENTRIES
    assert leaves == {seq: seq - 1 for seq in range(1, OLD_ENTRIES + 1)}


def test_new_entries_join_the_same_tree_after_the_old_ones(old_log: Engine) -> None:
    migrate.upgrade(old_log)

    record_step(
        session_factory(old_log),
        case_id="case-new",
        step="case-opened",
        actor=SYSTEM,
        content_sha256="cd" * 32,
        details={},
    )

    with session_factory(old_log)() as session:
        [new] = audit_log.entries_for_case(session, "case-new")
        result = audit_log.verify(session)
        leaf = audit_tree.leaf_of(session, new.seq)
    assert new.seq == OLD_ENTRIES + 1 and new.prev_hash is None
    assert leaf is not None and leaf.leaf_index == OLD_ENTRIES
    assert result.intact and result.checked == OLD_ENTRIES + 1


def test_the_old_chain_is_still_verified(old_log: Engine) -> None:
    migrate.upgrade(old_log)
    with every_guard_lifted(old_log) as connection:  # prev_hash is no part of the leaf
        connection.execute(
            text("UPDATE audit_entry SET prev_hash = :h WHERE seq = 7"), {"h": "0" * 63 + "1"}
        )

    with session_factory(old_log)() as session:
        result = audit_log.verify(session)

    assert (result.first_broken_seq, result.problem) == (7, "does not link to the previous entry")


def test_a_downgrade_gives_every_entry_the_old_chain_back(old_log: Engine) -> None:
    migrate.upgrade(old_log)
    for n in range(3):
        record_step(
            session_factory(old_log),
            case_id="case-new",
            step=f"step-{n}",
            actor=SYSTEM,
            content_sha256="cd" * 32,
            details={"n": n},
        )

    migrate.downgrade(old_log, "0010")

    with old_log.connect() as connection:
        rows = (
            connection.execute(
                text(
                    "SELECT seq, entry_id, recorded_at, case_id, step, actor_id, actor_role, "
                    "content_sha256, details, idempotency_key, prev_hash, entry_hash "
                    "FROM audit_entry ORDER BY seq"
                )
            )
            .mappings()
            .all()
        )
    entries = [dict(row) for row in rows]
    for entry in entries:
        if isinstance(entry["details"], str):
            entry["details"] = json.loads(entry["details"])
        if isinstance(entry["recorded_at"], str):
            entry["recorded_at"] = datetime.fromisoformat(entry["recorded_at"])
    result = verify_chain(entries)
    assert result.intact and result.checked == OLD_ENTRIES + 3
