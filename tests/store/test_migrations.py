"""The schema is built by Alembic migrations: on an empty database `upgrade` gives exactly the
models' schema (and nothing of the intake service's), again is a no-op, makes the audit table
append-only, and `downgrade` to base takes it all away. Each test has a database of its own: a
fresh SQLite file, and a fresh PostgreSQL schema when DUTYFLOW_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import SQLModel

import dutyflow.cli.main
import dutyflow.cli.process
from dutyflow.contracts import SYSTEM
from dutyflow.store import append_only, audit_log, migrate
from dutyflow.store.accounting import accounting_tables
from dutyflow.store.db import create_schema, is_postgres, make_engine, session_factory
from dutyflow.store.migrations import autogenerate
from dutyflow.store.notices import notice_tables
from dutyflow.store.profiles import profile_tables
from dutyflow.store.steps import record_step
from dutyflow.store.tables import all_tables
from tests.conftest import empty_database

DUTYFLOW_TABLES = {
    table.name for table in all_tables() + accounting_tables() + notice_tables() + profile_tables()
}
HEAD = migrate.head()


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of this test's own."""
    yield from empty_database(request.param, tmp_path / "fresh.db")


@pytest.fixture
def fresh(fresh_url: str) -> Iterator[Engine]:
    engine = make_engine(fresh_url)
    yield engine
    engine.dispose()


def differences(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_object": autogenerate.include_object,
                "compare_type": autogenerate.compare_type,
            },
        )
        return compare_metadata(context, autogenerate.target_metadata())


def table_names(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(inspect(connection).get_table_names())


def append_audit_entries(engine: Engine, count: int = 2) -> None:
    for n in range(count):
        record_step(
            session_factory(engine),
            case_id="case-1",
            step=f"step-{n}",
            actor=SYSTEM,
            content_sha256="ab" * 32,
            details={"n": n},
        )


def refusal(engine: Engine, statement: str) -> str:
    with pytest.raises((IntegrityError, DBAPIError)) as refused, engine.begin() as connection:
        connection.execute(text(statement))
    return str(refused.value.orig)


def test_upgrade_of_an_empty_database_gives_exactly_the_models_schema(fresh: Engine) -> None:
    assert migrate.current_revision(fresh) is None
    assert migrate.pending(fresh)

    before, after = migrate.upgrade(fresh)

    assert (before, after) == (None, migrate.head())
    assert migrate.current_revision(fresh) == migrate.head() == HEAD
    assert not migrate.pending(fresh)
    assert differences(fresh) == []
    assert table_names(fresh) == DUTYFLOW_TABLES | {"alembic_version"}  # no intake_* tables


def test_the_version_table_lands_in_the_search_path_schema(fresh: Engine) -> None:
    migrate.upgrade(fresh)
    with fresh.connect() as connection:
        if is_postgres(fresh):
            schema = connection.execute(text("SELECT current_schema()")).scalar()
            assert str(schema).startswith("dutyflow_test_")  # the URL's search_path, not public
            found = (
                connection.execute(
                    text(
                        "SELECT table_name FROM information_schema.tables "
                        "WHERE table_schema = current_schema() "
                        "AND table_name IN ('alembic_version', 'audit_entry')"
                    )
                )
                .scalars()
                .all()
            )
            assert sorted(found) == ["alembic_version", "audit_entry"]
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert version == HEAD


def test_upgrading_twice_is_a_no_op_and_keeps_the_data(fresh: Engine) -> None:
    migrate.upgrade(fresh)
    append_audit_entries(fresh)

    assert migrate.upgrade(fresh) == (HEAD, HEAD)
    create_schema(fresh)  # what every starter calls

    assert differences(fresh) == []
    with session_factory(fresh)() as session:
        assert audit_log.verify(session).checked == 2


def test_after_upgrade_the_audit_log_refuses_update_and_delete(fresh: Engine) -> None:
    create_schema(fresh)
    append_audit_entries(fresh)

    # The exact message proves the PL/pgSQL ``%`` reached PostgreSQL unescaped.
    assert "audit_entry is append-only: UPDATE refused" in refusal(
        fresh, "UPDATE audit_entry SET step = 'forged' WHERE seq = 1"
    )
    assert "audit_entry is append-only: DELETE refused" in refusal(
        fresh, "DELETE FROM audit_entry WHERE seq = 2"
    )
    if is_postgres(fresh):
        assert "audit_entry is append-only: TRUNCATE refused" in refusal(
            fresh, "TRUNCATE audit_entry"
        )
    with session_factory(fresh)() as session:
        assert audit_log.verify(session).intact


def test_a_lifted_guard_is_put_back_by_the_next_start(fresh: Engine) -> None:
    create_schema(fresh)
    append_audit_entries(fresh, 1)
    with fresh.begin() as connection:
        if is_postgres(fresh):
            connection.execute(
                text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only")
            )
        else:
            connection.execute(text("DROP TRIGGER audit_entry_no_update"))
        assert not append_only.installed(connection)

    create_schema(fresh)

    assert "append-only" in refusal(fresh, "UPDATE audit_entry SET step = 'forged'")


def test_downgrade_to_base_removes_everything_and_upgrade_rebuilds_it(fresh: Engine) -> None:
    migrate.upgrade(fresh)
    append_audit_entries(fresh)

    assert migrate.downgrade(fresh, "base") == (HEAD, None)

    assert table_names(fresh) == {"alembic_version"}
    assert migrate.current_revision(fresh) is None
    if is_postgres(fresh):
        with fresh.connect() as connection:
            functions = connection.execute(
                text(
                    "SELECT count(*) FROM pg_proc WHERE proname = :name "
                    "AND pronamespace = current_schema()::regnamespace"
                ),
                {"name": append_only.POSTGRES_FUNCTION},
            ).scalar()
        assert functions == 0

    assert migrate.upgrade(fresh) == (None, HEAD)
    assert differences(fresh) == []
    append_audit_entries(fresh, 1)
    assert "append-only" in refusal(fresh, "DELETE FROM audit_entry")


def test_concurrent_starters_migrate_once(fresh_url: str) -> None:
    engines = [make_engine(fresh_url) for _ in range(4)]
    results: list[tuple[str | None, str | None]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(engines))

    def start(engine: Engine) -> None:
        barrier.wait()
        try:
            results.append(migrate.upgrade(engine))
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=start, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert errors == []
        assert results.count((None, HEAD)) == 1  # one migrated; the others found it done
        assert results.count((HEAD, HEAD)) == len(engines) - 1
        assert differences(engines[0]) == []
    finally:
        for engine in engines:
            engine.dispose()


def test_a_database_made_before_migrations_is_adopted(fresh: Engine) -> None:
    """What the old ``create_schema`` left: the tables and the guard, and no version table."""
    with fresh.begin() as connection:
        SQLModel.metadata.create_all(
            connection,
            tables=all_tables() + accounting_tables() + notice_tables() + profile_tables(),
        )
        append_only.install(connection)
    append_audit_entries(fresh)

    assert migrate.upgrade(fresh) == (None, HEAD)

    assert differences(fresh) == []
    with session_factory(fresh)() as session:
        assert audit_log.verify(session).checked == 2


def test_a_partial_database_without_a_version_is_refused(fresh: Engine) -> None:
    with fresh.begin() as connection:
        SQLModel.metadata.create_all(connection, tables=all_tables())  # no accounting_suspension

    with pytest.raises(migrate.MigrationError, match="accounting_suspension"):
        migrate.upgrade(fresh)
    assert migrate.current_revision(fresh) is None


# --- dutyflow db ------------------------------------------------------------------------------


def run_in_process(
    args: list[str], url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> subprocess.CompletedProcess[str]:
    """``dutyflow db <args>`` through the command line's own parser, in this process (a
    subprocess costs seconds of start-up for the same code)."""

    def exit_(status: int) -> None:
        raise SystemExit(status)

    monkeypatch.setenv("DUTYFLOW_DATABASE_URL", url)
    monkeypatch.setattr(dutyflow.cli.process, "exit_now", exit_)
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        parsed = dutyflow.cli.main.build_parser().parse_args(["db", *args])
        parsed.run(parsed)
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(args, int(exited.value.code or 0), out, err)


@pytest.fixture
def db_command(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """Runs ``dutyflow db ...`` as the command line would, with the database URL it is given."""

    def run(args: list[str], url: str) -> subprocess.CompletedProcess[str]:
        return run_in_process(args, url, monkeypatch, capsys)

    return run


def test_db_upgrade_and_current_commands(fresh_url: str, db_command: Any) -> None:
    current = db_command(["current"], fresh_url)
    assert current.returncode == 0, current.stderr
    assert f"at revision none (empty) (behind: newest is {HEAD})" in current.stdout

    upgraded = db_command(["upgrade"], fresh_url)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"upgraded from revision none (empty) to {HEAD}" in upgraded.stdout

    again = db_command(["upgrade"], fresh_url)
    assert again.returncode == 0, again.stderr
    assert f"already at revision {HEAD}: nothing to do" in again.stdout

    current = db_command(["current"], fresh_url)
    assert current.returncode == 0, current.stderr
    assert f"at revision {HEAD} (up to date)" in current.stdout

    engine = make_engine(fresh_url)
    try:
        assert differences(engine) == []
    finally:
        engine.dispose()


def test_db_downgrade_asks_for_yes_then_drops_the_tables(fresh_url: str, db_command: Any) -> None:
    assert db_command(["upgrade"], fresh_url).returncode == 0

    unconfirmed = db_command(["downgrade", "base"], fresh_url)
    assert unconfirmed.returncode == 2
    assert "--yes" in unconfirmed.stderr
    engine = make_engine(fresh_url)
    try:
        assert migrate.current_revision(engine) == HEAD

        confirmed = db_command(["downgrade", "base", "--yes"], fresh_url)
        assert confirmed.returncode == 0, confirmed.stderr
        assert f"downgraded from revision {HEAD} to none (empty)" in confirmed.stdout
        assert table_names(engine) == {"alembic_version"}
    finally:
        engine.dispose()


def test_db_errors_go_to_stderr_with_a_non_zero_status(fresh_url: str, db_command: Any) -> None:
    result = db_command(["upgrade", "no-such-revision"], fresh_url)

    assert result.returncode == 1
    assert result.stderr.startswith("dutyflow db upgrade: ")
    assert "no-such-revision" in result.stderr


def test_a_database_at_the_first_revision_gains_the_deadline_index(fresh: Engine) -> None:
    migrate.upgrade(fresh, "0001")
    assert "ix_obligation_record_written_report_due_at" not in {
        index["name"] for index in inspect(fresh).get_indexes("obligation_record")
    }

    assert migrate.upgrade(fresh) == ("0001", HEAD)

    assert "ix_obligation_record_written_report_due_at" in {
        index["name"] for index in inspect(fresh).get_indexes("obligation_record")
    }
