"""Recording one workflow step: its rows and its audit entry in a single transaction, at most once
(on SQLite the entry joins the audit log's Merkle tree in that same transaction). An activity
attempt whose start waits for its first step (`start_joins_first_step`) has that start written in
the same transaction, before the step; and a step that ends its attempt (``ends_attempt``: only
its ``return`` follows it) has the attempt's completion written after it, in that transaction too.

Activities may run more than once (a retry after a crash); the step's idempotency key makes the
second run find the first run's audit entry and write nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from dutyflow import ids
from dutyflow.contracts import Actor, StepRecorded
from dutyflow.store import audit_log, audit_tree
from dutyflow.store.db import SessionFactory, writing
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
    ends_attempt: bool = False,
) -> AuditEntry:
    """The step's rows (``write``) and its audit entry, in one transaction, at most once; an
    attempt's start waiting for its first step (`start_joins_first_step`) is written first, in
    the same transaction. ``ends_attempt``: nothing but the activity's ``return`` follows this
    step, so the attempt's completion is written after it, in the same transaction (when the
    attempt waits for it: the audit interceptor says so)."""
    idempotency_key = ids.step_key(case_id, step, key_suffix)
    attempt = _waiting_start.get()
    if attempt is not None and attempt.ended:
        raise RuntimeError(f"step {step}: its attempt already ended with an earlier step")
    start = attempt if attempt is not None and not attempt.recorded else None
    ending = attempt if ends_attempt else None
    with writing(sessions) as session:
        if start is not None:
            _append_once(session, start.entry)
        entry = audit_log.recorded_step(session, idempotency_key)
        appended = start is not None or entry is None or ending is not None
        if entry is None:
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
        if ending is not None:
            _append_once(session, ending.completion)
        in_writer = appended and _join_tree_in_writer(session)
    if start is not None:
        start.recorded = True  # committed with the step
    if ending is not None:
        ending.ended = True  # the attempt's completion, committed with its last step
    if appended and not in_writer:
        audit_tree.integrate(sessions)  # the entry joins the Merkle tree, in a short transaction
    return entry


@dataclass(frozen=True)
class PlainStep:
    """A step that is only an audit entry (no rows of its own), e.g. an activity attempt's start."""

    case_id: str
    step: str
    key_suffix: str
    actor: Actor
    content_sha256: str
    details: dict[str, Any]


def record_steps(
    sessions: SessionFactory, steps: Sequence[PlainStep], *, urgent: bool = False
) -> list[AuditEntry]:
    """Several plain steps in one transaction (a group commit), each at most once; they join the
    Merkle tree together afterwards. All are written or none. ``urgent``: before the other
    writers waiting for their turn (`dutyflow.store.db.WriterTurn`)."""
    with writing(sessions, urgent=urgent) as session:
        entries = [_append_once(session, plain) for plain in steps]
        in_writer = _join_tree_in_writer(session)
    if not in_writer:
        audit_tree.integrate(sessions)
    return entries


def _append_once(session: Session, plain: PlainStep) -> AuditEntry:
    key = ids.step_key(plain.case_id, plain.step, plain.key_suffix)
    return audit_log.recorded_step(session, key) or audit_log.append(
        session,
        case_id=plain.case_id,
        step=plain.step,
        actor_id=plain.actor.actor_id,
        actor_role=plain.actor.role,
        content_sha256=plain.content_sha256,
        details=plain.details,
        idempotency_key=key,
    )


@dataclass
class WaitingStart:
    """An activity attempt's start entry, waiting to be written with the attempt's first step;
    and its completion, waiting for a step that ends the attempt, if one does."""

    entry: PlainStep
    completion: PlainStep
    recorded: bool = False
    ended: bool = False


_waiting_start: ContextVar[WaitingStart | None] = ContextVar("dutyflow_waiting_start", default=None)


@contextmanager
def start_joins_first_step(start: PlainStep, completion: PlainStep) -> Iterator[WaitingStart]:
    """Within this block (and the threads it hands its context to), the first `record_step`
    writes ``start`` in its own transaction, before the step's entry. For an activity whose only
    effects are the rows it records, its start is then on record exactly when its first effect
    is, and costs no transaction of its own. The caller learns from ``recorded`` whether it was
    written (an attempt that recorded no step writes it with its end).

    ``completion``, likewise, is written by the step that ends the attempt (``ends_attempt``),
    after that step's entry; ``ended`` says whether it was. No step may follow it."""
    waiting = WaitingStart(start, completion)
    token = _waiting_start.set(waiting)
    try:
        yield waiting
    finally:
        _waiting_start.reset(token)


def _join_tree_in_writer(session: Session) -> bool:
    """On SQLite the entries join the Merkle tree in the step's own transaction (one wait for
    the writer's lock per step, not two); elsewhere the caller integrates after the commit."""
    if not audit_tree.integrates_in_writer(session):
        return False
    audit_tree.integrate_in_writer(session)
    return True


def step_recorded(entry: AuditEntry) -> StepRecorded:
    """What an activity returns for the audit entry it wrote (or found already written)."""
    if entry.seq is None:  # never so once the entry is in the database
        raise ValueError("the audit entry has not been written yet")
    return StepRecorded(step=entry.step, audit_seq=entry.seq, content_sha256=entry.content_sha256)
