"""Appending to, reading and verifying the audit log.

Appends happen inside the caller's transaction, so a step's record and its audit entry are written
together or not at all; they take no lock. The entry joins the Merkle tree once committed
(`dutyflow.store.audit_tree.integrate`). Verification rebuilds the tree from the entries' content
and checks it against signed checkpoints (`dutyflow.domain.log_verification`): `verify` against
the checkpoints given (by default the copies in the database), `verify_parallel` the same in
several processes; `dutyflow audit verify` gives it the checkpoints kept outside the database.
"""

from __future__ import annotations

import multiprocessing
import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, bindparam, cast, func, insert, literal
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from dutyflow.domain.audit import HASHED_FIELDS, LEAF_FIELDS
from dutyflow.domain.checkpoint import Checkpoint
from dutyflow.domain.log_verification import (
    KeptCheckpoint,
    LeafRun,
    LogVerification,
    scan_leaves,
    verify_log,
)
from dutyflow.domain.merkle import perfect_levels
from dutyflow.store import audit_tree
from dutyflow.store.db import make_engine, reading, refuse_if_reading, session_factory
from dutyflow.store.tables import AuditCheckpoint, AuditEntry, AuditLeaf, AuditPending, utcnow

__all__ = [
    "LogVerification",
    "LoggedAt",
    "append",
    "database_checkpoints",
    "entries_for_case",
    "latest_database_checkpoint",
    "logged_positions",
    "recorded_step",
    "verify",
    "verify_parallel",
]


# Built once: every step runs them, and building them anew (with their cache keys) each time
# cost more CPU than the database did.
_STEP_BY_KEY = select(AuditEntry).where(AuditEntry.idempotency_key == bindparam("key"))
_ADD_ENTRY = insert(AuditEntry.__table__)  # type: ignore[attr-defined]
_MARK_PENDING = insert(AuditPending.__table__)  # type: ignore[attr-defined]
# What an entry is inserted with: every hashed field but the sequence number the database gives.
_ENTRY_COLUMNS = tuple(name for name in HASHED_FIELDS if name != "seq")


def recorded_step(session: Session, idempotency_key: str) -> AuditEntry | None:
    """The audit entry of a step already performed (activities use it to stay idempotent)."""
    return session.exec(_STEP_BY_KEY, params={"key": idempotency_key}).first()


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
    """Add an entry in the caller's transaction; it is marked pending, and given its leaf by the
    next `audit_tree.integrate` after the transaction commits. The entry is inserted as a row, not
    through the session's unit of work (whose flush cost more CPU than the insert); the entry
    answered holds the values written and the ``seq`` the database gave."""
    refuse_if_reading(session)
    entry = AuditEntry(
        entry_id=str(uuid.uuid4()),
        recorded_at=utcnow(),
        case_id=case_id,
        step=step,
        actor_id=actor_id,
        actor_role=actor_role,
        content_sha256=content_sha256,
        details=details,
        idempotency_key=idempotency_key,
    )
    connection = session.connection()
    added = connection.execute(_ADD_ENTRY, {name: getattr(entry, name) for name in _ENTRY_COLUMNS})
    given = added.inserted_primary_key
    if given is None or given[0] is None:  # never so: seq is the table's generated key
        raise RuntimeError("the database gave the audit entry no seq")
    entry.seq = int(given[0])
    connection.execute(_MARK_PENDING, {"seq": entry.seq})
    return entry


def entries_for_case(session: Session, case_id: str) -> list[AuditEntry]:
    return list(
        session.exec(
            select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(col(AuditEntry.seq))
        )
    )


@dataclass(frozen=True)
class LoggedAt:
    """Where an entry is in the Merkle tree, and the first checkpoint that covers it (None until
    one is made)."""

    leaf_index: int
    checkpoint: Checkpoint | None


def logged_positions(session: Session, seqs: Iterable[int]) -> dict[int, LoggedAt]:
    """Each entry's leaf index and covering checkpoint (from the copies in the database), for the
    entries that have a leaf."""
    indexes = audit_tree.leaf_indexes(session, seqs)
    if not indexes:
        return {}
    kept = session.exec(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.tree_size > min(indexes.values()))
        .order_by(col(AuditCheckpoint.tree_size))
    ).all()
    positions = {}
    for seq, index in indexes.items():
        covering = next((k for k in kept if k.tree_size > index), None)
        positions[seq] = LoggedAt(index, _checkpoint_of(covering) if covering else None)
    return positions


def _checkpoint_of(row: AuditCheckpoint) -> Checkpoint:
    return Checkpoint(row.origin, int(row.tree_size), bytes.fromhex(row.root_hash))


def database_checkpoints(session: Session) -> list[KeptCheckpoint]:
    """The copies of checkpoints kept in the database (their signatures unchecked here)."""
    return [
        KeptCheckpoint(_checkpoint_of(row), "the database", row.signed_note)
        for row in session.exec(select(AuditCheckpoint).order_by(col(AuditCheckpoint.tree_size)))
    ]


# --- Verification -------------------------------------------------------------------------------

_ROW_NAMES = ["leaf_index", "leaf_seq", "leaf_hash", "seq", "leaf_text", "prev_hash", "entry_hash"]


def _assembled_leaf(dialect: str) -> Any:
    """The entry's leaf (JCS of `LEAF_FIELDS`) assembled by the database from its columns, so
    that verifying millions of entries reads one text per entry; where it differs from the
    exact form (e.g. details not stored canonically), `scan_leaves` computes the exact one."""
    entries = AuditEntry.__table__  # type: ignore[attr-defined]
    c = entries.c

    def quoted(column: Any) -> Any:
        if dialect == "postgresql":
            return cast(func.to_json(column), Text)
        return func.json_quote(column)

    if dialect == "postgresql":
        at = func.to_char(func.timezone("UTC", c.recorded_at), 'YYYY-MM-DD"T"HH24:MI:SS.US').concat(
            "+00:00"
        )
    else:  # SQLAlchemy keeps SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC)
        at = func.replace(cast(c.recorded_at, Text), " ", "T").concat("+00:00")
    parts: list[Any] = [
        literal('{"actor_id":'), quoted(c.actor_id),
        literal(',"actor_role":'), quoted(c.actor_role),
        literal(',"case_id":'), quoted(c.case_id),
        literal(',"content_sha256":'), quoted(c.content_sha256),
        literal(',"details":'), cast(c.details, Text),
        literal(',"entry_id":'), quoted(c.entry_id),
        literal(',"idempotency_key":'), quoted(c.idempotency_key),
        literal(',"recorded_at":"'), at,
        literal('","seq":'), cast(c.seq, Text),
        literal(',"step":'), quoted(c.step),
        literal("}"),
    ]  # fmt: skip
    text_ = parts[0]
    for part in parts[1:]:
        text_ = text_.concat(part)
    return text_


def _leaf_rows(
    session: Session, batch: int = 20_000, lower: int = -1, upper: int | None = None
) -> Iterator[dict[str, Any]]:
    """Every leaf in leaf order with its entry's assembled leaf text, read as plain rows: the
    statement is compiled once and run on the driver's cursor, batch after batch (no ORM objects
    and no SQLAlchemy result rows: verification of millions of entries is bound by this loop,
    and building result rows cost about as much CPU as the database spent assembling the
    leaves)."""
    leaves = AuditLeaf.__table__  # type: ignore[attr-defined]
    entries = AuditEntry.__table__  # type: ignore[attr-defined]
    connection = session.connection()
    columns = [
        leaves.c.leaf_index,
        leaves.c.seq,
        leaves.c.leaf_hash,
        entries.c.seq,
        _assembled_leaf(connection.dialect.name),
        entries.c.prev_hash,
        entries.c.entry_hash,
    ]
    joined = leaves.outerjoin(entries, entries.c.seq == leaves.c.seq)
    query = sa_select(*columns).select_from(joined).where(leaves.c.leaf_index > bindparam("last"))
    if upper is not None:
        query = query.where(leaves.c.leaf_index <= bindparam("upper"))
    query = query.order_by(leaves.c.leaf_index).limit(bindparam("batch"))
    compiled = query.compile(connection)
    order = compiled.positiontup  # SQLite's ? in this order; None: PostgreSQL's %(name)s
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        last = lower
        while True:
            values = compiled.construct_params({"last": last, "upper": upper, "batch": batch})
            bound = values if order is None else tuple(values[name] for name in order)
            cursor.execute(compiled.string, bound)
            rows = cursor.fetchall()
            if not rows:
                return
            for row in rows:
                yield dict(zip(_ROW_NAMES, row, strict=True))
            last = rows[-1][0]
    finally:
        cursor.close()


def _exact_entries(session: Session) -> Callable[[int], dict[str, Any] | None]:
    """An entry's hashed fields (``details`` as its stored text), read one at a time: only for
    the rare entry whose assembled leaf text is not its exact leaf."""
    entries = AuditEntry.__table__  # type: ignore[attr-defined]
    names = [*LEAF_FIELDS, "prev_hash", "entry_hash"]
    columns = [
        cast(entries.c.details, Text).label("details") if n == "details" else entries.c[n]
        for n in names
    ]

    def exact(seq: int) -> dict[str, Any] | None:
        row = session.connection().execute(sa_select(*columns).where(entries.c.seq == seq)).first()
        return dict(zip(names, row, strict=True)) if row is not None else None

    return exact


def _outside_tree(session: Session) -> int:
    entries = session.exec(select(func.count()).select_from(AuditEntry)).one()
    return max(0, int(entries) - audit_tree.tree_size(session))


def verify(
    session: Session, checkpoints: Sequence[KeptCheckpoint] | None = None
) -> LogVerification:
    """The whole log, rebuilt from its entries, against ``checkpoints`` (default: the copies in
    the database, which only a verifier given checkpoints kept elsewhere can trust)."""
    kept = database_checkpoints(session) if checkpoints is None else list(checkpoints)
    run = scan_leaves(_leaf_rows(session), 0, _exact_entries(session))
    return verify_log([run], kept, _outside_tree(session))


def _scan_range(url: str, low: int, high: int, top_level: int) -> LeafRun:
    """One process's share: leaves low..high (aligned on ``2**top_level``), checked, and the
    perfect subtrees of the range built up to ``top_level``."""
    engine = make_engine(url)
    try:
        # A reading session: on SQLite the processes then scan side by side over the committed
        # snapshot, rather than each holding the write lock for its whole range in turn (a range
        # of 500,000 leaves outlasted the others' 30 s wait for it: "database is locked").
        with reading(session_factory(engine)) as session:
            run = scan_leaves(
                _leaf_rows(session, lower=low - 1, upper=high), low, _exact_entries(session)
            )
    finally:
        engine.dispose()
    if run.problem is None:
        run.levels = perfect_levels(run.leaf_hashes, top_level)
        run.leaf_hashes = bytearray()
    return run


# Starting a verifying process (a fresh interpreter importing the store) costs about a second;
# one process checks tens of thousands of leaves in that time.
PARALLEL_FROM_LEAVES = 50_000


def verify_parallel(
    url: str,
    processes: int | None = None,
    checkpoints: Sequence[KeptCheckpoint] | None = None,
    parallel_from: int = PARALLEL_FROM_LEAVES,
) -> LogVerification:
    """`verify`, with the leaves checked (and their subtrees built) in ranges by several
    processes; the tree's top and the checkpoints are checked here. Same answer, faster, once
    the log has ``parallel_from`` leaves or more, enough to repay starting the processes; a smaller
    log is checked here, in this process."""
    engine = make_engine(url)
    try:
        with reading(session_factory(engine)) as session:
            size = audit_tree.tree_size(session)
            if size < parallel_from:
                return verify(session, checkpoints)
            outside = _outside_tree(session)
            kept = database_checkpoints(session) if checkpoints is None else list(checkpoints)
    finally:
        engine.dispose()
    workers = max(1, min(processes or os.cpu_count() or 1, size))
    top_level = max(0, (-(-size // workers) - 1).bit_length())  # ranges of 2**top_level leaves
    share = 1 << top_level
    bounds = [(start, min(start + share, size) - 1) for start in range(0, size, share)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=len(bounds), mp_context=context) as pool:
        runs = list(
            pool.map(
                _scan_range,
                [url] * len(bounds),
                *zip(*bounds, strict=True),
                [top_level] * len(bounds),
            )
        )
    return verify_log(runs, kept, outside)


def latest_database_checkpoint(session: Session) -> AuditCheckpoint | None:
    return session.exec(
        select(AuditCheckpoint).order_by(col(AuditCheckpoint.tree_size).desc()).limit(1)
    ).first()


def pending_count(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(AuditPending)).one())
