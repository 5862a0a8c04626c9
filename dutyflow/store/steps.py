"""Recording one workflow step: its rows and its audit entry in a single transaction, at most once.

Activities may run more than once (a retry after a crash); the step's idempotency key makes the
second run find the first run's audit entry and write nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from dutyflow import ids
from dutyflow.contracts import Actor, StepRecorded
from dutyflow.store import audit_log, audit_tree
from dutyflow.store.db import SessionFactory
from dutyflow.store.tables import AuditEntry


def record_step(
    sessions: SessionFactory,
    *,
    case_id: str,
    step: str,
    key_suffix: str = "",
    actor: Actor,
    content_sha256: str,
    details: dict[str, Any],
    write: Callable[[Session], None] | None = None,
) -> AuditEntry:
    idempotency_key = ids.step_key(case_id, step, key_suffix)
    with sessions() as session, session.begin():
        existing = audit_log.recorded_step(session, idempotency_key)
        if existing is not None:
            return existing
        if write is not None:
            write(session)
        entry = audit_log.append(
            session,
            case_id=case_id,
            step=step,
            actor_id=actor.actor_id,
            actor_role=actor.role,
            content_sha256=content_sha256,
            details=details,
            idempotency_key=idempotency_key,
        )
    audit_tree.integrate(sessions)  # the entry joins the Merkle tree, in a short transaction
    return entry


def step_recorded(entry: AuditEntry) -> StepRecorded:
    """What an activity returns for the audit entry it wrote (or found already written)."""
    if entry.seq is None:  # never so once the entry is in the database
        raise ValueError("the audit entry has not been written yet")
    return StepRecorded(step=entry.step, audit_seq=entry.seq, content_sha256=entry.content_sha256)
