"""Engines and sessions. Every write transaction takes the database's write lock up front
(SQLite ``BEGIN IMMEDIATE``; a PostgreSQL advisory lock for the audit chain) so that appends to
the audit chain are serialised across threads and processes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, SQLModel, create_engine

SessionFactory = Callable[[], Session]


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


_SCHEMA_LOCK = 0x6475747967

_POSTGRES_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION dutyflow_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_entry is append-only: %% refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry;
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION dutyflow_audit_append_only();
DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry;
CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry
    FOR EACH STATEMENT EXECUTE FUNCTION dutyflow_audit_append_only();
"""

_SQLITE_APPEND_ONLY = (
    "CREATE TRIGGER IF NOT EXISTS audit_entry_no_update BEFORE UPDATE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only: UPDATE refused'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_entry_no_delete BEFORE DELETE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only: DELETE refused'); END",
)


def create_schema(engine: Engine) -> None:
    """Create the tables, and make the audit table refuse UPDATE and DELETE (append-only)."""
    from dutyflow.store import tables
    from dutyflow.store.accounting import accounting_tables

    with engine.begin() as connection:
        if is_postgres(engine):
            # Several processes may start at once; one creates the schema at a time.
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_SCHEMA_LOCK})")
        SQLModel.metadata.create_all(
            connection, tables=tables.all_tables() + accounting_tables()
        )
        if is_postgres(engine):
            installed = connection.exec_driver_sql(
                "SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_entry_append_only' "
                "AND tgrelid = 'audit_entry'::regclass"
            ).scalar()
            if not installed:
                connection.exec_driver_sql(_POSTGRES_APPEND_ONLY)
        else:
            for statement in _SQLITE_APPEND_ONLY:
                connection.exec_driver_sql(statement)


def session_factory(engine: Engine) -> SessionFactory:
    def open_session() -> Session:
        return Session(engine, expire_on_commit=False)

    return open_session
