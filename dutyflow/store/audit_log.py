"""Appending to and reading the audit chain. Appends happen inside the caller's transaction, so a
step's record and its audit entry are written together or not at all."""

from __future__ import annotations

import multiprocessing
import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, cast, func, text
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from dutyflow.domain.audit import (
    GENESIS_HASH,
    HASHED_FIELDS,
    ChainVerification,
    entry_hash,
    link_holds,
    verify_chain,
)
from dutyflow.store.db import make_engine, session_factory
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


def _all_links(
    session: Session, batch: int = 20_000, lower: int = 0, upper: int | None = None
) -> Iterator[dict[str, Any]]:
    """Every entry in chain order, read as plain rows (no ORM objects: verification of millions
    of entries is bound by this loop)."""
    table = AuditEntry.__table__  # type: ignore[attr-defined]
    names = [*HASHED_FIELDS, "prev_hash", "entry_hash"]
    # `details` as its stored (canonical) JSON text: hashed as it is, never parsed.
    columns = [
        cast(table.c.details, Text).label("details") if name == "details" else table.c[name]
        for name in names
    ]
    connection = session.connection()
    last = lower
    while True:
        query = sa_select(*columns).where(table.c.seq > last)
        if upper is not None:
            query = query.where(table.c.seq <= upper)
        rows = connection.execute(query.order_by(table.c.seq).limit(batch)).all()
        if not rows:
            return
        for row in rows:
            yield dict(zip(names, row, strict=True))
        last = rows[-1][0]


def verify(session: Session) -> ChainVerification:
    return verify_chain(_all_links(session))


@dataclass(frozen=True)
class _ChunkResult:
    checked: int
    first_seq: int | None
    first_prev_hash: str | None
    last_seq: int | None
    last_entry_hash: str | None
    broken_seq: int | None = None
    problem: str | None = None


def _verify_chunk(url: str, low: int, high: int) -> _ChunkResult:
    """Check entries low..high: each one's hash over its stored predecessor hash and content,
    and the links inside the range. The caller checks the links between ranges."""
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            checked = 0
            first_seq = first_prev = last_seq = last_hash = None
            for link in _all_links(session, lower=low - 1, upper=high):
                seq = link["seq"]
                if first_seq is None:
                    first_seq, first_prev = seq, link["prev_hash"]
                elif seq != last_seq + 1:  # type: ignore[operator]
                    return _ChunkResult(
                        checked,
                        first_seq,
                        first_prev,
                        last_seq,
                        last_hash,
                        seq,
                        f"expected entry {last_seq + 1}, found {seq}",
                    )  # type: ignore[operator]
                elif link["prev_hash"] != last_hash:
                    return _ChunkResult(
                        checked,
                        first_seq,
                        first_prev,
                        last_seq,
                        last_hash,
                        seq,
                        "does not link to the previous entry",
                    )
                if not link_holds(link["prev_hash"], link):
                    return _ChunkResult(
                        checked,
                        first_seq,
                        first_prev,
                        last_seq,
                        last_hash,
                        seq,
                        "content does not match its hash",
                    )
                last_seq, last_hash = seq, link["entry_hash"]
                checked += 1
            return _ChunkResult(checked, first_seq, first_prev, last_seq, last_hash)
    finally:
        engine.dispose()


def verify_parallel(url: str, processes: int | None = None) -> ChainVerification:
    """The whole chain, verified in ranges by several processes (each link can be checked on its
    own; the links between ranges are checked here). Same answer as `verify`, faster."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            table = AuditEntry.__table__  # type: ignore[attr-defined]
            low, high = connection.execute(
                sa_select(func.min(table.c.seq), func.max(table.c.seq))
            ).one()
    finally:
        engine.dispose()
    if low is None:
        return ChainVerification(0)
    workers = max(1, processes or os.cpu_count() or 1)
    size = max(1, -(-(high - low + 1) // workers))
    bounds = [(start, min(start + size - 1, high)) for start in range(low, high + 1, size)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=len(bounds), mp_context=context) as pool:
        chunks = list(pool.map(_verify_chunk, [url] * len(bounds), *zip(*bounds, strict=True)))
    expected_seq, expected_prev, checked = 1, GENESIS_HASH, 0
    for chunk in chunks:
        if chunk.first_seq is not None:
            if chunk.first_seq != expected_seq:
                return ChainVerification(
                    checked,
                    chunk.first_seq,
                    f"expected entry {expected_seq}, found {chunk.first_seq}",
                )
            if chunk.first_prev_hash != expected_prev:
                return ChainVerification(
                    checked, chunk.first_seq, "does not link to the previous entry"
                )
        if chunk.broken_seq is not None:
            return ChainVerification(checked + chunk.checked, chunk.broken_seq, chunk.problem)
        checked += chunk.checked
        if chunk.last_seq is not None:
            expected_seq, expected_prev = chunk.last_seq + 1, chunk.last_entry_hash  # type: ignore[assignment]
    return ChainVerification(checked)
