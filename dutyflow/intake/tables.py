"""The intake service's tables and database (SQLite or PostgreSQL): a received report, with the
agency's decision and the state of its acknowledgement callback; the per-agency reference counter.

Only the ``intake_`` tables below are ever created here; the Dutyflow application shares
``SQLModel.metadata`` for its own tables in a different database.

Report content must never reach logs: SQL parameters are hidden from SQLAlchemy's logging and
error messages, and the engine's own logger is held at WARNING so that even a DEBUG root logger
does not print result rows.

What is not here: the queries (`dutyflow.intake.store`).
"""

import logging
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import Field, SQLModel

from dutyflow.sqlite import use_wal

ENGINE_LOGGING_NAME = "dutyflow-intake"
_ENGINE_LOGGER = f"sqlalchemy.engine.Engine.{ENGINE_LOGGING_NAME}"

REPORTS_TABLE = "intake_reports"
COUNTERS_TABLE = "intake_reference_counters"
SEEN_MESSAGES_TABLE = "intake_seen_messages"

MAX_IDEMPOTENCY_KEY_LENGTH = 200
MAX_AGENCY_ID_LENGTH = 64
MAX_NOTE_LENGTH = 1000


class CallbackStatus(StrEnum):
    """Where the acknowledgement callback to Dutyflow stands."""

    NOT_REQUESTED = "not-requested"  # the transmission named no acknowledgement_url
    PENDING = "pending"  # awaiting the decision, or being sent
    DELIVERED = "delivered"  # Dutyflow answered 2xx
    FAILED = "failed"  # every attempt failed; staff may resend


class IntakeReport(SQLModel, table=True):
    """A report as received: the parts needed to find it, plus the full transmission as JSON."""

    __tablename__ = REPORTS_TABLE
    __table_args__ = (
        UniqueConstraint("agency_id", "idempotency_key", name="uq_intake_reports_agency_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    agency_id: str = Field(max_length=MAX_AGENCY_ID_LENGTH, index=True)
    idempotency_key: str = Field(max_length=MAX_IDEMPOTENCY_KEY_LENGTH)
    reference_number: str = Field(max_length=100, unique=True)
    received_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    case_reference: str
    form: str
    recipient_id: str
    document_sha256: str = Field(max_length=64)
    body: str = Field(sa_column=Column(Text, nullable=False))
    decision: str | None = Field(default=None, max_length=20)
    decided_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    acknowledgement_url: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    callback_status: str = Field(default=CallbackStatus.NOT_REQUESTED.value, max_length=20)
    callback_attempts: int = Field(default=0)


class IntakeReferenceCounter(SQLModel, table=True):
    """The last reference sequence issued to an agency in a year."""

    __tablename__ = COUNTERS_TABLE

    agency_id: str = Field(primary_key=True, max_length=MAX_AGENCY_ID_LENGTH)
    year: int = Field(primary_key=True)
    last_sequence: int


class IntakeSeenMessage(SQLModel, table=True):
    """A signed report already accepted (Standard Webhooks id and timestamp): the same pair
    again is a replay. In the database, so a restarted service still refuses it."""

    __tablename__ = SEEN_MESSAGES_TABLE

    message_id: str = Field(primary_key=True, max_length=128)
    timestamp: int = Field(primary_key=True, sa_type=BigInteger, index=True)


# The tables themselves, typed, for the conditional updates below (a SQLModel class's
# ``__table__`` is not visible to the type checker).
reports_table: Table = SQLModel.metadata.tables[REPORTS_TABLE]
counters_table: Table = SQLModel.metadata.tables[COUNTERS_TABLE]
seen_messages_table: Table = SQLModel.metadata.tables[SEEN_MESSAGES_TABLE]
INTAKE_TABLES = [reports_table, counters_table, seen_messages_table]


def create_intake_engine(database_url: str) -> Engine:
    """An engine for the intake database; SQLite file databases are put in WAL mode."""
    url = make_url(database_url)
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValueError(f"unsupported intake database {url.get_backend_name()!r}")
    options: dict[str, Any] = {"hide_parameters": True, "logging_name": ENGINE_LOGGING_NAME}
    logging.getLogger(_ENGINE_LOGGER).setLevel(logging.WARNING)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **options)

    in_memory = url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"
    options["connect_args"] = {"check_same_thread": False, "timeout": 30}
    if in_memory:
        options["poolclass"] = StaticPool  # one shared connection, or every session sees nothing
    engine = create_engine(url, **options)
    if not in_memory:

        @event.listens_for(engine, "connect")
        def _use_wal(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            use_wal(cursor)
            cursor.close()

    return engine


def create_intake_tables(engine: Engine) -> None:
    """Create the intake tables if missing, and nothing else in ``SQLModel.metadata``."""
    SQLModel.metadata.create_all(engine, tables=INTAKE_TABLES)


def received_at_utc(report: IntakeReport) -> datetime:
    """The receipt time as an aware UTC datetime (SQLite hands it back naive)."""
    return _utc(report.received_at)


def decided_at_utc(report: IntakeReport) -> datetime | None:
    return None if report.decided_at is None else _utc(report.decided_at)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
