"""`dutyflow audit verify` tells an auditor whether the log is intact, and where it was not."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from dutyflow.contracts import SYSTEM
from dutyflow.store.db import create_schema, make_engine, session_factory
from dutyflow.store.steps import record_step
from tests.cli_in_process import Run, in_process
from tests.store.tampering import guard_lifted


@pytest.fixture
def verify(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """`dutyflow audit verify` on the database at a URL: (status, stdout, stderr)."""
    run = in_process(monkeypatch, capsys)

    def on(url: str) -> tuple[int, str, str]:
        monkeypatch.setenv("DUTYFLOW_DATABASE_URL", url)
        return run("audit", "verify")

    return on


def test_verify_counts_the_entries_and_names_the_first_tampered_one(
    tmp_path: Path, verify: Run
) -> None:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    engine = make_engine(url)
    create_schema(engine)
    for step in ("case-opened", "grounds-documented", "obligations-determined"):
        record_step(
            session_factory(engine),
            case_id="case-1",
            step=step,
            actor=SYSTEM,
            content_sha256="ab" * 32,
            details={},
        )

    status, out, _err = verify(url)
    assert status == 0
    assert "3 entries checked" in out

    with guard_lifted(engine) as connection:
        connection.execute(text("UPDATE audit_entry SET step = 'forged' WHERE seq = 2"))
    engine.dispose()
    status, out, _err = verify(url)
    assert status == 1
    assert "BROKEN at entry 2" in out


def test_verify_refuses_a_database_without_an_audit_log_and_creates_nothing(
    tmp_path: Path, verify: Run
) -> None:
    database = tmp_path / "empty.db"

    status, _out, err = verify(f"sqlite:///{database}")

    assert status == 2
    assert "no audit log" in err
    engine = make_engine(f"sqlite:///{database}")
    from sqlalchemy import inspect

    assert not inspect(engine).has_table("audit_entry")
