"""What an insider with the database owner's rights can do to the audit log: lift every
append-only guard, delete the last entries with their leaves, or edit an entry and recompute
every hash with Dutyflow's own code. Nothing here touches the checkpoints kept outside."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from dutyflow.domain.audit import GENESIS_HASH, entry_hash
from dutyflow.store import append_only, audit_tree
from dutyflow.store.db import create_schema, session_factory


@contextmanager
def every_guard_lifted(engine: Engine) -> Iterator[Connection]:
    with engine.begin() as connection:
        append_only.remove(connection)
        append_only.remove_tree_guard(connection)
        yield connection
    create_schema(engine)  # the next start puts the guards back


def truncate(engine: Engine, count: int) -> None:
    """Delete the last ``count`` entries, their leaves, the nodes above them and the database's
    copies of the checkpoints that counted them."""
    with session_factory(engine)() as session:
        keep = audit_tree.tree_size(session) - count
    with every_guard_lifted(engine) as connection:
        connection.execute(
            text(
                "DELETE FROM audit_entry WHERE seq IN "
                "(SELECT seq FROM audit_leaf WHERE leaf_index >= :keep)"
            ),
            {"keep": keep},
        )
        connection.execute(text("DELETE FROM audit_leaf WHERE leaf_index >= :keep"), {"keep": keep})
        connection.execute(
            text("DELETE FROM audit_tree_node WHERE (position + 1) * (1 << level) > :keep"),
            {"keep": keep},
        )
        connection.execute(
            text("DELETE FROM audit_checkpoint WHERE tree_size > :keep"), {"keep": keep}
        )


def rewrite(engine: Engine, seq: int, actor_id: str) -> None:
    """Change entry ``seq``'s actor, then recompute every hash with Dutyflow's own code: the old
    chain from that entry on (if it has one), every leaf and node of the tree; and drop the
    database's copies of the checkpoints, which no longer match."""
    with every_guard_lifted(engine) as connection:
        connection.execute(
            text("UPDATE audit_entry SET actor_id = :actor WHERE seq = :seq"),
            {"actor": actor_id, "seq": seq},
        )
        _rechain(connection)
        for table in ("audit_leaf", "audit_tree_node", "audit_checkpoint"):
            connection.execute(text(f"DELETE FROM {table}"))
        connection.execute(text("INSERT INTO audit_pending (seq) SELECT seq FROM audit_entry"))
    audit_tree.integrate(session_factory(engine))


def _rechain(connection: Connection) -> None:
    rows = connection.execute(
        text(
            "SELECT seq, entry_id, recorded_at, case_id, step, actor_id, actor_role, "
            "content_sha256, CAST(details AS TEXT), idempotency_key FROM audit_entry "
            "WHERE prev_hash IS NOT NULL ORDER BY seq"
        )
    ).all()
    names = (
        "seq",
        "entry_id",
        "recorded_at",
        "case_id",
        "step",
        "actor_id",
        "actor_role",
        "content_sha256",
        "details",
        "idempotency_key",
    )
    prev = GENESIS_HASH
    for row in rows:
        entry = dict(zip(names, row, strict=True))
        entry["details"] = json.loads(entry["details"])
        if isinstance(entry["recorded_at"], str):
            from datetime import datetime

            entry["recorded_at"] = datetime.fromisoformat(entry["recorded_at"])
        digest = entry_hash(prev, entry)
        connection.execute(
            text("UPDATE audit_entry SET prev_hash = :prev, entry_hash = :hash WHERE seq = :seq"),
            {"prev": prev, "hash": digest, "seq": entry["seq"]},
        )
        prev = digest
