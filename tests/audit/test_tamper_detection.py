"""An insider with write access to the database cannot shorten or rewrite the audit log unseen:
the signed checkpoints kept outside the database catch a truncation (naming the checkpoint), a
rewrite with every hash recomputed by Dutyflow's own code, and a log that is no longer an
extension of a checkpoint a witness kept. Each test has a database of its own (SQLite, and
PostgreSQL when DUTYFLOW_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from dutyflow.contracts import SYSTEM
from dutyflow.crypto.signed_note import NoteSigner
from dutyflow.store import audit_log, audit_tree
from dutyflow.store.audit_checkpoints import (
    CheckpointKeeper,
    CheckpointRefused,
    kept_checkpoints,
    make_checkpoint,
)
from dutyflow.store.db import create_schema, make_engine, session_factory
from dutyflow.store.steps import record_step
from tests.audit.insider import rewrite, truncate
from tests.cli_in_process import in_process
from tests.conftest import empty_database


@pytest.fixture(params=["sqlite", "postgresql"])
def log_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from empty_database(request.param, tmp_path / "audit.db")


@pytest.fixture
def log(log_url: str) -> Iterator[Engine]:
    engine = make_engine(log_url)
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def keeper(audit_signer: NoteSigner, _audit_checkpoints_of_this_test: Path) -> CheckpointKeeper:
    """The keeper `dutyflow audit` commands of this test use too (same key, same directory)."""
    return CheckpointKeeper(audit_signer, _audit_checkpoints_of_this_test)


def record(engine: Engine, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        record_step(
            session_factory(engine),
            case_id=f"case-{n % 3}",
            step=f"step-{n}",
            actor=SYSTEM,
            content_sha256="ab" * 32,
            details={"n": n},
        )


@pytest.fixture
def verify_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``dutyflow audit verify`` on the log at a URL, through the command line's own parser (in
    this process: the same code as the command, without seconds of interpreter start-up)."""
    run = in_process(monkeypatch, capsys)

    def verify(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
        monkeypatch.setenv("DUTYFLOW_DATABASE_URL", url)
        status, out, err = run("audit", "verify", *extra)
        return subprocess.CompletedProcess(["audit", "verify", *extra], status, out, err)

    return verify


def verify_in_process(engine: Engine, keeper: CheckpointKeeper) -> audit_log.LogVerification:
    with session_factory(engine)() as session:
        return audit_log.verify(session, kept_checkpoints(keeper.directory, keeper.verifier))


def test_an_untouched_log_verifies_against_its_checkpoints(
    log: Engine,
    log_url: str,
    keeper: CheckpointKeeper,
    verify_command: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    record(log, 12)
    make_checkpoint(session_factory(log), keeper)
    record(log, 5, start=12)
    make_checkpoint(session_factory(log), keeper)

    result = verify_command(log_url)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "intact: 17 entries checked" in result.stdout
    assert "the latest covers 17 entries" in result.stdout


@pytest.mark.parametrize("removed", [3, 10])
def test_deleting_the_last_entries_is_caught_naming_the_checkpoint(
    log: Engine, keeper: CheckpointKeeper, removed: int
) -> None:
    record(log, 20)
    kept = make_checkpoint(session_factory(log), keeper)

    truncate(log, removed)

    result = verify_in_process(log, keeper)
    assert not result.intact
    assert result.broken_checkpoint is not None and result.broken_checkpoint.size == 20
    assert result.problem is not None
    assert f"checkpoint of 20 entries ({kept.kept_in})" in result.problem
    assert f"holds only {20 - removed}" in result.problem


def test_dutyflow_audit_verify_names_the_checkpoint_a_truncation_contradicts(
    log: Engine,
    log_url: str,
    keeper: CheckpointKeeper,
    verify_command: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    record(log, 20)
    kept = make_checkpoint(session_factory(log), keeper)
    truncate(log, 3)

    result = verify_command(log_url)

    assert result.returncode == 1
    assert "BROKEN" in result.stdout and kept.kept_in in result.stdout
    assert "checkpoint of 20 entries" in result.stdout and "holds only 17" in result.stdout


def test_a_rewrite_with_every_hash_recomputed_is_caught(
    log: Engine,
    log_url: str,
    keeper: CheckpointKeeper,
    verify_command: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    record(log, 30)
    make_checkpoint(session_factory(log), keeper)
    with session_factory(log)() as session:
        target = next(e.seq for e in audit_log.entries_for_case(session, "case-1"))
    assert target is not None

    rewrite(log, target, "mallory")

    with session_factory(log)() as session:  # the database alone sees nothing wrong
        assert audit_log.verify(session, checkpoints=[]).intact
    result = verify_command(log_url)
    assert result.returncode == 1, result.stdout
    assert "checkpoint of 30 entries" in result.stdout
    assert "consistency proof" in result.stdout


def test_a_witness_checkpoint_from_before_a_rewrite_fails_its_consistency_proof(
    log: Engine,
    log_url: str,
    keeper: CheckpointKeeper,
    tmp_path: Path,
    verify_command: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    record(log, 16)
    witness_copy = tmp_path / "witness.txt"
    witness_copy.write_text(make_checkpoint(session_factory(log), keeper).note)
    for path in keeper.directory.iterdir():  # the operator's files are lost; the witness kept its
        path.unlink()
    record(log, 8, start=16)

    rewrite(log, 5, "mallory")

    result = verify_command(log_url, "--checkpoint", str(witness_copy))
    assert result.returncode == 1
    assert f"checkpoint of 16 entries ({witness_copy})" in result.stdout
    assert "not an extension of it (the consistency proof from it fails)" in result.stdout


def test_the_log_refuses_to_sign_a_rewritten_history(log: Engine, keeper: CheckpointKeeper) -> None:
    record(log, 10)
    make_checkpoint(session_factory(log), keeper)
    rewrite(log, 4, "mallory")
    record(log, 2, start=10)

    with pytest.raises(CheckpointRefused, match="not an extension of its checkpoint of 10"):
        make_checkpoint(session_factory(log), keeper)
    assert [k.size for k in kept_checkpoints(keeper.directory, keeper.verifier)] == [10]


def test_an_edited_entry_is_named_when_its_leaf_was_left_alone(
    log: Engine, keeper: CheckpointKeeper
) -> None:
    from sqlalchemy import text

    from tests.audit.insider import every_guard_lifted

    record(log, 6)
    make_checkpoint(session_factory(log), keeper)
    with every_guard_lifted(log) as connection:
        connection.execute(text("UPDATE audit_entry SET step = 'forged' WHERE seq = 4"))

    result = verify_in_process(log, keeper)

    assert (result.first_broken_seq, result.problem) == (4, "content does not match its leaf hash")


def test_entries_appended_after_a_checkpoint_extend_it(
    log: Engine, keeper: CheckpointKeeper
) -> None:
    record(log, 5)
    first = make_checkpoint(session_factory(log), keeper)
    record(log, 4, start=5)
    second = make_checkpoint(session_factory(log), keeper)

    with session_factory(log)() as session:
        proof = audit_tree.consistency_proof(session, first.size, second.size)
    from dutyflow.domain.merkle import verify_consistency

    assert verify_consistency(
        first.size, second.size, first.checkpoint.root, second.checkpoint.root, proof
    )
