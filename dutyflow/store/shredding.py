"""Destroying a case's key at the end of its retention (crypto-shredding), audited.

A case loses its key only once it is closed (a running case would stop mid-report) and its
retention period has run from the day it closed. Before that, only with an explicit override and a
reason (e.g. a court-ordered erasure). The destruction is recorded in the audit log under the case
(``case-key-destroyed``: who, when, the reason, whether retention had ended); the audit log holds
no content, so it stays readable and its chain keeps verifying.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from dutyflow.contracts import Actor
from dutyflow.crypto.keyring import CaseKeyring, CaseKeyState
from dutyflow.domain.audit import content_sha256
from dutyflow.domain.validation import OPAQUE_ID_PATTERN
from dutyflow.store.db import SessionFactory
from dutyflow.store.steps import record_step
from dutyflow.store.tables import CaseRecord, OutcomeRecord

DESTROYED_STEP = "case-key-destroyed"


class ShredRefused(Exception):
    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class ClosedCase:
    case_id: str
    closed_at: datetime
    retained_until: datetime


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def closed_case(sessions: SessionFactory, case_id: str, retention_days: int) -> ClosedCase | None:
    """The case as retention sees it, or None when it is not closed. Reads ids and dates only
    (never the sealed content), so it works for a shredded case too."""
    with sessions() as session:
        closed_at = session.exec(
            select(OutcomeRecord.recorded_at).where(OutcomeRecord.case_id == case_id)
        ).first()
    if closed_at is None:
        return None
    closed = _aware(closed_at)
    return ClosedCase(case_id, closed, closed + timedelta(days=retention_days))


def shred_case(
    sessions: SessionFactory,
    keyring: CaseKeyring,
    case_id: str,
    *,
    actor: Actor,
    reason: str,
    retention_days: int,
    before_retention_end: bool = False,
    now: datetime | None = None,
) -> CaseKeyState:
    now = now or datetime.now(UTC)
    if not re.fullmatch(OPAQUE_ID_PATTERN, case_id or ""):
        raise ShredRefused("case_id", "must be an opaque case id")
    reason = (reason or "").strip()
    if not reason:
        raise ShredRefused("reason", "required: why the case's content is destroyed")
    if len(reason) > 500:
        raise ShredRefused("reason", "at most 500 characters")
    with sessions() as session:
        known = session.exec(
            select(CaseRecord.case_id).where(CaseRecord.case_id == case_id)
        ).first()
    if known is None:
        raise ShredRefused("case_id", "no such case")
    closed = closed_case(sessions, case_id, retention_days)
    if closed is None:
        raise ShredRefused("case_id", "the case is still open: only a closed case may lose its key")
    if now < closed.retained_until and not before_retention_end:
        raise ShredRefused(
            "case_id",
            f"its retention runs until {closed.retained_until.date().isoformat()}; destroying it "
            "earlier needs the before-retention-end override and a reason",
        )
    state = keyring.shred(case_id, by=actor.actor_id, reason=reason)
    details = {
        "reason": reason,
        "retention_days": retention_days,
        "before_retention_end": now < closed.retained_until,
        "closed_at": closed.closed_at.isoformat(),
    }
    record_step(
        sessions,
        case_id=case_id,
        step=DESTROYED_STEP,
        actor=actor,
        content_sha256=content_sha256(details),
        details=details,
    )
    return state


def cases_past_retention(
    sessions: SessionFactory, keyring: CaseKeyring, retention_days: int, now: datetime | None = None
) -> list[ClosedCase]:
    """Closed cases whose retention has run and whose key still exists."""
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=retention_days)
    with sessions() as session:
        rows = session.exec(
            select(OutcomeRecord.case_id, OutcomeRecord.recorded_at).where(
                OutcomeRecord.recorded_at <= cutoff
            )
        ).all()
    due = []
    for case_id, closed_at in rows:
        state = keyring.state(case_id)
        if state is not None and state.shredded:
            continue
        closed = _aware(closed_at)
        due.append(ClosedCase(case_id, closed, closed + timedelta(days=retention_days)))
    return due
