"""Passwords for the web app's sign-in: set with `dutyflow users password` from stdin (never an
argument), stored as an scrypt hash with a salt of its own, audited without the password."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from dutyflow.auth.passwords import COMMON_PASSWORDS
from dutyflow.auth.store import (
    AccountRefused,
    audit_subject,
    hash_password,
    password_matches,
    set_password,
    sign_in,
)
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

    assert first != second and first.startswith("$argon2id$")
    assert password_matches("correct horse battery", first)
    assert not password_matches("correct horse batterY", first)
    assert not password_matches("anything at all", None)


def test_users_password_reads_stdin_and_the_user_can_then_sign_in(
    dutyflow: Run, sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    user, _token = new_user(sessions, "admin")
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


def test_users_password_is_refused_for_a_user_who_reads_case_content(
    dutyflow: Run, sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    user, _token = new_user(sessions, "practitioner")
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long enough secret\n"))

    status, _out, err = dutyflow("users", "password", "--id", user.user_id)

    assert status == 2 and "--id: a practitioner reads case content" in err
    assert sign_in(sessions, user.user_id, "a long enough secret") is None


def test_the_password_is_never_an_argument(dutyflow: Run) -> None:
    status, _out, _err = dutyflow("users", "password", "--id", "someone", "--password", "x" * 20)

    assert status == 2  # argparse refuses the unknown option


def legacy_scrypt_hash(password: str) -> str:
    """A hash as Dutyflow made them before Argon2id: scrypt$n$r$p$salt$hash."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    encoded = (base64.b64encode(part).decode() for part in (salt, digest))
    return "$".join(["scrypt", str(2**14), "8", "1", *encoded])


def test_an_old_scrypt_hash_signs_in_and_is_replaced_by_argon2id(sessions: SessionFactory) -> None:
    user, _token = new_user(sessions, "practitioner")
    with sessions() as session, session.begin():
        row = session.get(UserAccount, user.user_id)
        assert row is not None
        row.password_hash = legacy_scrypt_hash("an older but long secret")
        session.add(row)

    assert sign_in(sessions, user.user_id, "not the older secret") is None
    assert sign_in(sessions, user.user_id, "an older but long secret") is not None

    with sessions() as session:
        stored = session.get(UserAccount, user.user_id)
        assert stored is not None and stored.password_hash.startswith("$argon2id$")
    assert sign_in(sessions, user.user_id, "an older but long secret") is not None


@pytest.mark.parametrize(
    "weak",
    ["passwordpassword", "Password123456!", "dragondragon", "aaaaaaaaaaaa", "short"],
)
def test_a_weak_or_common_password_is_refused_naming_the_field(
    sessions: SessionFactory, weak: str
) -> None:
    user, _token = new_user(sessions, "practitioner")
    with pytest.raises(AccountRefused) as refused:
        set_password(sessions, user.user_id, weak)
    assert [p.field for p in refused.value.problems] == ["password"]
    assert weak not in str(refused.value.problems)


def test_the_common_password_list_is_shipped_with_its_source_and_licence() -> None:
    listed = COMMON_PASSWORDS.read_text().splitlines()
    about = (COMMON_PASSWORDS.parent / "README.md").read_text()
    assert len(listed) >= 1000 and "password" in listed
    assert "SecLists" in about and "MIT" in about
