"""`dutyflow users`: add prints a one-time set-up code once, never a token of the new user, and
refuses what is wrong, naming the option; a token is issued only for an admin or agency account,
never for one that reads case content. Run
in-process through the parser the lead wires into `dutyflow.cli.main`, with `exit_now` turned into
SystemExit, against the test database."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from dutyflow.auth.account_setup import redeem_setup_code
from dutyflow.auth.store import AccountRefused, authenticate
from dutyflow.store.db import SessionFactory
from tests.auth.helpers import unique
from tests.cli_in_process import Run, in_process

TOKEN = re.compile(r"dfy_[0-9a-f]{16}_[A-Za-z0-9_-]{43,}")
SETUP_CODE = re.compile(r"dfs_[0-9a-f]{16}_[A-Za-z0-9_-]{43,}")


@pytest.fixture
def dutyflow(
    database_url: str,
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Run:
    """``dutyflow <argv>`` in-process: (status, stdout, stderr)."""
    monkeypatch.setenv("DUTYFLOW_DATABASE_URL", database_url)
    monkeypatch.setenv("DUTYFLOW_DATA_DIR", str(tmp_path))

    return in_process(monkeypatch, capsys)


def test_users_add_prints_a_set_up_code_once_and_no_token(
    dutyflow: Run, sessions: SessionFactory, engine: Engine
) -> None:
    user_id = unique("pr")
    status, out, err = dutyflow(
        "users",
        "add",
        "--id",
        user_id,
        "--name",
        "Dr. Ada Example",
        "--role",
        "practitioner",
        "--clinic",
        "clinic-north",
    )

    assert status == 0, err
    assert "dfy_" not in out + err
    codes = SETUP_CODE.findall(out)
    assert len(codes) == 1  # printed once
    assert "cannot be shown again" in out
    assert f"Added practitioner {user_id} (Dr. Ada Example, clinic clinic-north)." in out
    assert authenticate(sessions, codes[0]) is None  # a code reads nothing
    principal = redeem_setup_code(sessions, codes[0], "Ada's own passphrase")
    assert principal.user_id == user_id and principal.clinic_id == "clinic-north"

    status, listed, _ = dutyflow("users", "list")
    assert status == 0
    line = next(line for line in listed.splitlines() if line.startswith(user_id))
    assert "practitioner" in line and "clinic-north" in line and "active" in line
    assert "dfs_" not in listed
    assert hashlib.sha256(codes[0].encode()).hexdigest() not in listed


def test_users_token_is_refused_for_a_user_who_reads_case_content(
    dutyflow: Run, sessions: SessionFactory
) -> None:
    for role, clinic in (("practitioner", ["--clinic", "c-1"]), ("compliance", [])):
        user_id = unique(role)
        assert (
            dutyflow("users", "add", "--id", user_id, "--name", "R", "--role", role, *clinic)[0]
            == 0
        )

        status, out, err = dutyflow("users", "token", "--id", user_id)

        assert status == 2
        assert f"--id: a {role} reads case content" in err and "users setup-code" in err
        assert "dfy_" not in out + err


def test_users_setup_code_replaces_the_earlier_code(
    dutyflow: Run, sessions: SessionFactory
) -> None:
    user_id = unique("pr")
    _, out, _ = dutyflow(
        "users", "add", "--id", user_id, "--name", "P", "--role", "practitioner", "--clinic", "c"
    )
    [first] = SETUP_CODE.findall(out)

    status, out, err = dutyflow("users", "setup-code", "--id", user_id)

    assert status == 0, err
    [second] = SETUP_CODE.findall(out)
    with pytest.raises(AccountRefused):
        redeem_setup_code(sessions, first, "the practitioner's passphrase")
    assert redeem_setup_code(sessions, second, "the practitioner's passphrase").user_id == user_id
    status, _out, err = dutyflow("users", "setup-code", "--id", unique("nobody"))
    assert status == 2 and "--id: no user" in err


def test_users_add_refuses_a_practitioner_without_a_clinic(dutyflow: Run, engine: Engine) -> None:
    user_id = unique("pr")
    status, out, err = dutyflow(
        "users", "add", "--id", user_id, "--name", "No Clinic", "--role", "practitioner"
    )

    assert status == 2
    assert "--clinic: required for a practitioner" in err
    assert "dfy_" not in out + err
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT count(*) FROM user_account WHERE user_id = :id"), {"id": user_id}
        ).scalar()
    assert found == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--role", "root"], "--role: must be one of practitioner, supervisor, compliance"),
        (["--role", "agency"], "--agency: required for an agency user"),
        (
            ["--role", "admin", "--clinic", "c-1"],
            "--clinic: only practitioners and supervisors belong to a clinic",
        ),
        (["--role", "admin", "--name", ""], "--name: required"),
    ],
)
def test_users_add_names_the_option_it_refuses(
    dutyflow: Run, argv: list[str], message: str
) -> None:
    status, _out, err = dutyflow("users", "add", "--id", unique("u"), "--name", "X", *argv)
    assert status == 2
    assert message in err


def test_users_add_refuses_an_existing_id(dutyflow: Run) -> None:
    user_id = unique("adm")
    assert dutyflow("users", "add", "--id", user_id, "--name", "A", "--role", "admin")[0] == 0
    status, out, err = dutyflow("users", "add", "--id", user_id, "--name", "B", "--role", "admin")
    assert status == 2
    assert "--id: a user with this id already exists" in err and user_id not in err
    assert "dfy_" not in out


def test_users_token_and_revoke(dutyflow: Run, sessions: SessionFactory) -> None:
    user_id = unique("ag")
    status, out, _ = dutyflow(
        "users", "add", "--id", user_id, "--name", "C", "--role", "agency", "--agency", "a-1"
    )
    assert status == 0
    status, out, _ = dutyflow("users", "token", "--id", user_id)
    assert status == 0
    [first] = TOKEN.findall(out)

    status, out, err = dutyflow("users", "token", "--id", user_id)
    assert status == 0, err
    [second] = TOKEN.findall(out)
    second_id = second.split("_")[1]
    assert f"(id {second_id})" in out

    status, out, err = dutyflow("users", "revoke", "--token-id", second_id)
    assert status == 0, err
    assert f"Token {second_id} revoked." in out
    assert authenticate(sessions, second) is None
    assert authenticate(sessions, first) is not None

    status, _out, err = dutyflow("users", "revoke", "--token-id", "0123456789abcdef")
    assert status == 2 and "--token-id: no token 0123456789abcdef" in err
    status, _out, err = dutyflow("users", "token", "--id", unique("nobody"))
    assert status == 2 and "--id: no user" in err

    status, out, _ = dutyflow("users", "disable", "--id", user_id)
    assert status == 0 and f"User {user_id} disabled." in out
    assert authenticate(sessions, first) is None
