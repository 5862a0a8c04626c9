"""`dutyflow audit verify` tells an auditor whether the log is intact, and where it was not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from dutyflow.contracts import SYSTEM
from dutyflow.store.db import create_schema, make_engine, session_factory
from dutyflow.store.steps import record_step
from tests.store.tampering import guard_lifted

DUTYFLOW = Path(sys.executable).parent / "dutyflow"


def verify(url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DUTYFLOW_DATABASE_URL": url}
    return subprocess.run(
        [str(DUTYFLOW), "audit", "verify"], env=env, capture_output=True, text=True, timeout=60
    )


def test_verify_counts_the_entries_and_names_the_first_tampered_one(tmp_path: Path) -> None:
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

    intact = verify(url)
    assert intact.returncode == 0
    assert "3 entries checked" in intact.stdout

    with guard_lifted(engine) as connection:
        connection.execute(text("UPDATE audit_entry SET step = 'forged' WHERE seq = 2"))
    engine.dispose()
    broken = verify(url)
    assert broken.returncode == 1
    assert "BROKEN at entry 2" in broken.stdout


def test_verify_refuses_a_database_without_an_audit_log_and_creates_nothing(tmp_path: Path) -> None:
    database = tmp_path / "empty.db"

    result = verify(f"sqlite:///{database}")

    assert result.returncode == 2
    assert "no audit log" in result.stderr
    engine = make_engine(f"sqlite:///{database}")
    from sqlalchemy import inspect

    assert not inspect(engine).has_table("audit_entry")
