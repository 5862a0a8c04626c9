"""Appends from several processes (each with several threads, as workers and API replicas) form
one log: every entry gets exactly one leaf, the leaves have no gap, the checkpoints the processes
sign along the way are all consistent with the final log, and no lock is held across a step."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlmodel import select

from dutyflow.contracts import SYSTEM
from dutyflow.crypto.signed_note import NoteSigner
from dutyflow.store import audit_log, audit_tree
from dutyflow.store.audit_checkpoints import CheckpointKeeper, kept_checkpoints, make_checkpoint
from dutyflow.store.db import create_schema, make_engine, session_factory
from dutyflow.store.steps import record_step
from dutyflow.store.tables import AuditEntry, AuditLeaf
from tests.conftest import empty_database

PROCESSES, THREADS, STEPS = 3, 4, 12


@pytest.fixture(params=["sqlite", "postgresql"])
def log_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    for url in empty_database(request.param, tmp_path / "audit.db"):
        engine = make_engine(url)
        create_schema(engine)
        engine.dispose()
        yield url


def append_from_one_process(url: str, worker: int, signer_key: str, directory: str) -> int:
    """A worker process: threads record steps at once, then it signs a checkpoint."""
    engine = make_engine(url)
    sessions = session_factory(engine)

    def step(n: int) -> None:
        record_step(
            sessions,
            case_id=f"case-{worker}",
            step="concurrent-step",
            key_suffix=f"{worker}/{n}",
            actor=SYSTEM,
            content_sha256="ab" * 32,
            details={"worker": worker, "n": n},
        )

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(step, range(STEPS)))
    kept = make_checkpoint(
        sessions, CheckpointKeeper(NoteSigner.parse(signer_key), Path(directory))
    )
    engine.dispose()
    return kept.size


def test_appends_from_several_processes_form_one_log(
    log_url: str, audit_signer: NoteSigner, tmp_path: Path
) -> None:
    directory = tmp_path / "checkpoints"
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=PROCESSES, mp_context=context) as pool:
        sizes = list(
            pool.map(
                append_from_one_process,
                [log_url] * PROCESSES,
                range(PROCESSES),
                [audit_signer.text()] * PROCESSES,
                [str(directory)] * PROCESSES,
            )
        )

    engine = make_engine(log_url)
    try:
        with session_factory(engine)() as session:
            entries = {e.seq for e in session.exec(select(AuditEntry))}
            leaves = list(session.exec(select(AuditLeaf).order_by(AuditLeaf.leaf_index)))
            kept = kept_checkpoints(directory, audit_signer.verifier)
            result = audit_log.verify(session, kept)
            pending = audit_log.pending_count(session)
            size = audit_tree.tree_size(session)
    finally:
        engine.dispose()
    total = PROCESSES * STEPS
    assert len(entries) == total and pending == 0 and size == total
    assert [leaf.leaf_index for leaf in leaves] == list(range(total))  # no gap
    assert {leaf.seq for leaf in leaves} == entries  # every entry exactly once, no fork
    assert max(sizes) == total and len(kept) >= 1
    assert result.intact, result.problem
    assert result.checkpoints_checked == len(kept)
