"""The queries of the reference intake service on its tables (`dutyflow.intake.tables`).

One row per (agency, idempotency key): a retried delivery finds the row its first attempt stored
and is answered from it, even when two attempts arrive at once. Each report gets a reference
number such as ``DEMO-CWS-2026-000042``: the agency id in capitals, the year of receipt, and a
per-agency, per-year sequence kept in a counter row that is incremented in the same transaction
as the insert, so a rolled-back insert leaves no gap.

Each report also carries the agency's acknowledgement: its ``decision`` (accepted or screened
out, or none yet), and the state of the signed callback that tells Dutyflow about it
(`CallbackStatus`). Decisions are taken with a conditional update, so a report is decided once even
when two members of staff press the button at once.

What is not here: the tables, the engine and the table creation (`dutyflow.intake.tables`).
"""

from datetime import UTC, datetime

from sqlalchemy import Engine, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from dutyflow.domain.transmission import AcknowledgementDecision, ReportTransmission
from dutyflow.intake.tables import (
    CallbackStatus,
    IntakeReport,
    counters_table,
    reports_table,
)


def reference_prefix(agency_id: str) -> str:
    return agency_id.upper()


def find_by_key(engine: Engine, agency_id: str, idempotency_key: str) -> IntakeReport | None:
    with Session(engine) as session:
        statement = select(IntakeReport).where(
            IntakeReport.agency_id == agency_id, IntakeReport.idempotency_key == idempotency_key
        )
        return session.exec(statement).first()


def find_by_reference(engine: Engine, agency_id: str, reference_number: str) -> IntakeReport | None:
    with Session(engine) as session:
        statement = select(IntakeReport).where(
            IntakeReport.agency_id == agency_id, IntakeReport.reference_number == reference_number
        )
        return session.exec(statement).first()


def list_reports(engine: Engine, agency_id: str) -> list[IntakeReport]:
    """An agency's reports in the order they were received."""
    with Session(engine) as session:
        statement = (
            select(IntakeReport)
            .where(IntakeReport.agency_id == agency_id)
            .order_by(col(IntakeReport.id))
        )
        return list(session.exec(statement).all())


def receive_report(
    engine: Engine,
    agency_id: str,
    idempotency_key: str,
    transmission: ReportTransmission,
    now: datetime | None = None,
    decision: AcknowledgementDecision | None = None,
) -> tuple[IntakeReport, bool]:
    """Store a report unless its key was already received; returns ``(report, created)``.

    ``decision``, when given, is taken at the moment of receipt (an agency that accepts every
    report at once). The callback is `CallbackStatus.PENDING` when the transmission names an
    ``acknowledgement_url``, else `CallbackStatus.NOT_REQUESTED`.

    When the key is already known, the stored report is returned unchanged (``created`` False);
    whether it matches this transmission is the caller's judgement. A concurrent insert of the
    same key loses on the unique constraint, rolls back (its sequence number with it) and
    returns the winner's report.
    """
    existing = find_by_key(engine, agency_id, idempotency_key)
    if existing is not None:
        return existing, False

    received_at = (now or datetime.now(UTC)).astimezone(UTC)
    try:
        with Session(engine, expire_on_commit=False) as session:
            # The first statement writes, so on SQLite the transaction waits for the write lock
            # rather than failing on a stale read snapshot.
            sequence = _next_sequence(session, agency_id, received_at.year)
            report = IntakeReport(
                agency_id=agency_id,
                idempotency_key=idempotency_key,
                reference_number=(
                    f"{reference_prefix(agency_id)}-{received_at.year}-{sequence:06d}"
                ),
                received_at=received_at,
                case_reference=transmission.case_reference,
                form=transmission.form,
                recipient_id=transmission.recipient_id,
                document_sha256=transmission.document.sha256,
                body=transmission.model_dump_json(),
                decision=None if decision is None else decision.value,
                decided_at=None if decision is None else received_at,
                acknowledgement_url=transmission.acknowledgement_url,
                callback_status=(
                    CallbackStatus.PENDING
                    if transmission.acknowledgement_url
                    else CallbackStatus.NOT_REQUESTED
                ).value,
            )
            session.add(report)
            session.commit()
            report.received_at = received_at  # keep the aware value, not a driver round-trip
            if decision is not None:
                report.decided_at = received_at
            return report, True
    except IntegrityError:
        winner = find_by_key(engine, agency_id, idempotency_key)
        if winner is None:
            raise
        return winner, False


def decide(
    engine: Engine,
    agency_id: str,
    reference_number: str,
    decision: AcknowledgementDecision,
    note: str | None = None,
    now: datetime | None = None,
) -> tuple[IntakeReport | None, bool]:
    """Record the agency's decision on a report not yet decided; returns ``(report, decided)``.

    ``report`` is None when the reference number is unknown; ``decided`` is False when the report
    already had a decision (which ``report`` then shows, unchanged).
    """
    decided_at = (now or datetime.now(UTC)).astimezone(UTC)
    table = reports_table
    with Session(engine) as session:
        result = session.connection().execute(
            update(table)
            .where(
                table.c.agency_id == agency_id,
                table.c.reference_number == reference_number,
                table.c.decision.is_(None),
            )
            .values(decision=decision.value, decided_at=decided_at, note=note)
        )
        session.commit()
        decided = result.rowcount == 1
    return find_by_reference(engine, agency_id, reference_number), decided


def record_callback_attempt(engine: Engine, report_id: int, delivered: bool, last: bool) -> None:
    """Count one callback attempt: delivered, failed for good (``last``), or to be retried."""
    if delivered:
        status = CallbackStatus.DELIVERED
    else:
        status = CallbackStatus.FAILED if last else CallbackStatus.PENDING
    table = reports_table
    with Session(engine) as session:
        session.connection().execute(
            update(table)
            .where(table.c.id == report_id)
            .values(callback_attempts=table.c.callback_attempts + 1, callback_status=status.value)
        )
        session.commit()


def reopen_failed_callback(engine: Engine, report_id: int) -> bool:
    """Put a failed callback back to pending; False if it was not failed (so only one resend
    runs at a time)."""
    table = reports_table
    with Session(engine) as session:
        result = session.connection().execute(
            update(table)
            .where(
                table.c.id == report_id,
                table.c.callback_status == CallbackStatus.FAILED.value,
            )
            .values(callback_status=CallbackStatus.PENDING.value)
        )
        session.commit()
        return result.rowcount == 1


def pending_callbacks(engine: Engine) -> list[IntakeReport]:
    """Decided reports whose callback has not yet gone through (for example, after a restart)."""
    with Session(engine) as session:
        statement = (
            select(IntakeReport)
            .where(
                col(IntakeReport.decision).is_not(None),
                IntakeReport.callback_status == CallbackStatus.PENDING.value,
            )
            .order_by(col(IntakeReport.id))
        )
        return list(session.exec(statement).all())


def find_by_id(engine: Engine, report_id: int) -> IntakeReport | None:
    with Session(engine) as session:
        return session.get(IntakeReport, report_id)


def _next_sequence(session: Session, agency_id: str, year: int) -> int:
    """Increment and return the agency's counter for the year, creating it at 1."""
    table = counters_table
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(agency_id=agency_id, year=year, last_sequence=1)
        .on_conflict_do_update(
            index_elements=[table.c.agency_id, table.c.year],
            set_={"last_sequence": table.c.last_sequence + 1},
        )
        .returning(table.c.last_sequence)
    )
    return session.connection().execute(statement).scalar_one()
