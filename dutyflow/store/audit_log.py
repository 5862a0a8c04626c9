"""Appending to and reading the audit chain. Appends happen inside the caller's transaction, so a
step's record and its audit entry are written together or not at all."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from dutyflow.domain.audit import GENESIS_HASH, ChainVerification, entry_hash, verify_chain
from dutyflow.store.tables import AuditEntry, utcnow

_CHAIN_LOCK = 0x6475747966  # arbitrary constant: the advisory lock guarding the chain's tip


def recorded_step(session: Session, idempotency_key: str) -> AuditEntry | None:
    """The audit entry of a step already performed (activities use it to stay idempotent)."""
    return session.exec(
        select(AuditEntry).where(AuditEntry.idempotency_key == idempotency_key)
    ).first()


def append(
    session: Session,
    *,
    case_id: str,
    step: str,
    actor_id: str,
    actor_role: str,
    content_sha256: str,
    details: dict[str, Any],
    idempotency_key: str,
) -> AuditEntry:
    if session.get_bind().dialect.name == "postgresql":
        session.exec(text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=_CHAIN_LOCK))  # type: ignore[call-overload]
    tip = session.exec(select(AuditEntry).order_by(col(AuditEntry.seq).desc()).limit(1)).first()
    fields: dict[str, Any] = {
        "seq": (tip.seq + 1) if tip else 1,
        "entry_id": str(uuid.uuid4()),
        "recorded_at": utcnow(),
        "case_id": case_id,
        "step": step,
        "actor_id": actor_id,
        "actor_role": actor_role,
        "content_sha256": content_sha256,
        "details": details,
        "idempotency_key": idempotency_key,
    }
    prev_hash = tip.entry_hash if tip else GENESIS_HASH
    entry = AuditEntry(**fields, prev_hash=prev_hash, entry_hash=entry_hash(prev_hash, fields))
    session.add(entry)
    session.flush()
    return entry


def entries_for_case(session: Session, case_id: str) -> list[AuditEntry]:
    return list(
        session.exec(
            select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(col(AuditEntry.seq))
        )
    )


def _all_links(session: Session, batch: int = 5000) -> Iterator[dict[str, Any]]:
    last = 0
    while True:
        rows = session.exec(
            select(AuditEntry).where(AuditEntry.seq > last).order_by(col(AuditEntry.seq)).limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            yield row.as_chain_link()
        last = rows[-1].seq


def verify(session: Session) -> ChainVerification:
    return verify_chain(_all_links(session))
