"""Passwords for the web app's sign-in: set with `dutyflow users password` from stdin (never an
argument), stored as an scrypt hash with a salt of its own, audited without the password."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from dutyflow.auth.store import audit_subject, hash_password, password_matches, sign_in
from dutyflow.store import audit_log
from dutyflow.store.db import SessionFactory
from dutyflow.store.tables import UserAccount
from tests.auth.helpers import new_user
from tests.cli_in_process import Run, in_process


@pytest.fixture
def dutyflow(
    database_url: str,
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Run:
    monkeypatch.setenv("DUTYFLOW_DATABASE_URL", database_url)
    monkeypatch.setenv("DUTYFLOW_DATA_DIR", str(tmp_path))
    return in_process(monkeypatch, capsys)


def test_the_same_password_hashes_differently_for_each_user() -> None:
    first, second = hash_password("correct horse battery"), hash_password("correct horse battery")

    assert first != second and first.startswith("scrypt$")
    assert password_matches("correct horse battery", first)
    assert not password_matches("correct horse batterY", first)
    assert not password_matches("anything at all", None)


def test_users_password_reads_stdin_and_the_user_can_then_sign_in(
    dutyflow: Run, sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    user, _token = new_user(sessions, "practitioner")
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long enough secret\n"))

    status, out, err = dutyflow("users", "password", "--id", user.user_id)

    assert status == 0, err
    assert "a long enough secret" not in out + err
    with sessions() as session:
        stored = session.get(UserAccount, user.user_id)
        assert stored is not None and stored.password_hash
        assert "a long enough secret" not in stored.password_hash
        entries = audit_log.entries_for_case(session, audit_subject(user.user_id))
    assert entries[-1].step == "password-set"
    assert "secret" not in str(entries[-1].details)
    signed = sign_in(sessions, user.user_id, "a long enough secret")
    assert signed is not None and signed[0].user_id == user.user_id
    assert sign_in(sessions, user.user_id, "a long enough secreT") is None


def test_a_short_password_is_refused_naming_the_password(
    dutyflow: Run, sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    user, _token = new_user(sessions, "practitioner")
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))

    status, _out, err = dutyflow("users", "password", "--id", user.user_id)

    assert status == 2
    assert "password: must have at least 12 characters" in err


def test_the_password_is_never_an_argument(dutyflow: Run) -> None:
    status, _out, _err = dutyflow("users", "password", "--id", "someone", "--password", "x" * 20)

    assert status == 2  # argparse refuses the unknown option
