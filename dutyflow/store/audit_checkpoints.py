"""Signed checkpoints of the audit log: made regularly and at every case closing, written outside
the database (one file per checkpoint in the checkpoint directory) and copied into it (served to
witnesses, and naming the checkpoint that covers an entry).

A checkpoint is signed only if the log is an append-only extension of the latest checkpoint
already signed (a consistency proof from the stored tree must verify): the log never signs a
rewritten history, whatever was done to the database (C2SP tlog-checkpoint: "a log MUST not sign
any checkpoint which is inconsistent with any checkpoint it previously signed"). A refusal is a
loud error for the operators; `dutyflow audit verify` then says where the log broke.

The directory holds ``checkpoint-<size>.txt`` files, each a C2SP signed note; a file is written
once (to a temporary name, then linked into place) and never rewritten.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from weakref import WeakKeyDictionary

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session

from dutyflow.crypto.signed_note import NoteError, NoteSigner, NoteVerifier
from dutyflow.domain.checkpoint import Checkpoint, CheckpointError
from dutyflow.domain.log_verification import KeptCheckpoint
from dutyflow.domain.merkle import verify_consistency
from dutyflow.store import audit_log, audit_tree
from dutyflow.store.db import SessionFactory
from dutyflow.store.tables import AuditCheckpoint

logger = logging.getLogger("dutyflow.audit")
_FILE = re.compile(r"^checkpoint-(\d+)\.txt$")
_KEEPERS: WeakKeyDictionary[Engine, CheckpointKeeper] = WeakKeyDictionary()


class CheckpointRefused(RuntimeError):
    """The log is not an extension of its latest signed checkpoint: nothing was signed."""


@dataclass(frozen=True)
class CheckpointKeeper:
    """The signing key and the directory outside the database where checkpoints are kept."""

    signer: NoteSigner
    directory: Path

    @property
    def origin(self) -> str:
        return self.signer.name

    @property
    def verifier(self) -> NoteVerifier:
        return self.signer.verifier


def checkpoint_file(directory: Path, size: int) -> Path:
    return directory / f"checkpoint-{size:012d}.txt"


def open_checkpoint(note: str, verifier: NoteVerifier, kept_in: str) -> KeptCheckpoint:
    """A signed note checked against the log's key: its checkpoint, of this log's origin."""
    try:
        checkpoint = Checkpoint.parse(verifier.open(note))
    except (NoteError, CheckpointError) as err:
        raise CheckpointError(f"{kept_in}: {err}") from None
    if checkpoint.origin != verifier.name:
        raise CheckpointError(f"{kept_in}: a checkpoint of another log ({checkpoint.origin})")
    return KeptCheckpoint(checkpoint, kept_in, note)


def read_checkpoint_file(path: Path, verifier: NoteVerifier) -> KeptCheckpoint:
    try:
        note = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise CheckpointError(f"{path}: cannot be read ({type(err).__name__})") from None
    return open_checkpoint(note, verifier, str(path))


def checkpoint_files(directory: Path) -> list[tuple[int, Path]]:
    """(size, path) of every checkpoint file in the directory, smallest first."""
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = _FILE.match(path.name)
        if match:
            found.append((int(match[1]), path))
    return sorted(found)


def kept_checkpoints(directory: Path, verifier: NoteVerifier) -> list[KeptCheckpoint]:
    """Every checkpoint file, each checked against the key (raises CheckpointError on the first
    that does not check out: a verifier must not skip a bad checkpoint silently)."""
    return [read_checkpoint_file(path, verifier) for _, path in checkpoint_files(directory)]


def _latest_signed(session: Session, keeper: CheckpointKeeper) -> KeptCheckpoint | None:
    """The largest checkpoint this log has signed: the newest valid file, or the database's copy
    when it is larger (made by a process with another directory)."""
    latest = None
    for _, path in reversed(checkpoint_files(keeper.directory)):
        try:
            latest = read_checkpoint_file(path, keeper.verifier)
            break
        except CheckpointError:
            logger.error("checkpoint file does not check out", extra={"path": str(path)})
    row = audit_log.latest_database_checkpoint(session)
    if row is not None and (latest is None or row.tree_size > latest.size):
        try:
            return open_checkpoint(row.signed_note, keeper.verifier, "the database")
        except CheckpointError:
            logger.error("checkpoint copy in the database does not check out")
    return latest


def _write_file(directory: Path, size: int, note: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    target = checkpoint_file(directory, size)
    if target.exists():
        if target.read_text(encoding="utf-8") != note:
            raise CheckpointRefused(f"{target} holds another checkpoint of the same size")
        return target
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".checkpoint-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(note)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, target)  # never replaces a file: a checkpoint is written once
        except FileExistsError:
            if target.read_text(encoding="utf-8") != note:
                raise CheckpointRefused(
                    f"{target} holds another checkpoint of the same size"
                ) from None
    finally:
        os.unlink(temporary)
    return target


def _record_in_database(sessions: SessionFactory, checkpoint: Checkpoint, note: str) -> None:
    try:
        with sessions() as session, session.begin():
            if session.get(AuditCheckpoint, checkpoint.size) is None:
                session.add(
                    AuditCheckpoint(
                        tree_size=checkpoint.size,
                        origin=checkpoint.origin,
                        root_hash=checkpoint.root.hex(),
                        signed_note=note,
                    )
                )
    except IntegrityError:
        pass  # another process recorded the same checkpoint at the same moment


def make_checkpoint(sessions: SessionFactory, keeper: CheckpointKeeper) -> KeptCheckpoint:
    """Integrate what is committed, then sign the tree as it stands, write the checkpoint to the
    directory and copy it into the database. Raises `CheckpointRefused` when the log is not an
    extension of its latest signed checkpoint."""
    audit_tree.integrate(sessions)
    with sessions() as session:
        latest = _latest_signed(session, keeper)
        size = audit_tree.tree_size(session)
        root = audit_tree.root_at(session, size)
        if latest is not None:
            if size < latest.size:
                raise CheckpointRefused(
                    f"the log holds {size} entries, fewer than its checkpoint of {latest.size} "
                    f"({latest.kept_in}): not signed"
                )
            proof = audit_tree.consistency_proof(session, latest.size, size)
            if not verify_consistency(latest.size, size, latest.checkpoint.root, root, proof):
                raise CheckpointRefused(
                    f"the log is not an extension of its checkpoint of {latest.size} entries "
                    f"({latest.kept_in}): not signed; run `dutyflow audit verify`"
                )
            if latest.size == size and latest.kept_in != "the database":
                return latest  # the log has not grown since
    checkpoint = Checkpoint(keeper.origin, size, root)
    note = keeper.signer.sign(checkpoint.body())
    path = _write_file(keeper.directory, size, note)
    _record_in_database(sessions, checkpoint, note)
    logger.info("audit checkpoint signed", extra={"count": size})
    return KeptCheckpoint(checkpoint, str(path), note)


# --- When checkpoints are made --------------------------------------------------------------------


def bind_checkpoint_keeper(engine: Engine, keeper: CheckpointKeeper) -> Engine:
    """Make checkpoints with ``keeper`` for the log in this engine's database (the worker binds
    its engine; an engine without a keeper only integrates at case closing)."""
    _KEEPERS[engine] = keeper
    return engine


def checkpoint_at_case_closing(sessions: SessionFactory) -> KeptCheckpoint | None:
    """A case has closed: checkpoint the log so that its whole record is covered. A failure is
    logged, never raised: the closing stands, and the next checkpoint covers it."""
    with sessions() as session:
        engine = session.get_bind()
    keeper = _KEEPERS.get(engine)  # type: ignore[arg-type]
    try:
        if keeper is None:
            audit_tree.integrate(sessions)
            return None
        return make_checkpoint(sessions, keeper)
    except (CheckpointRefused, CheckpointError, OSError, SQLAlchemyError) as err:
        _log_not_made(err)
        return None


def _log_not_made(err: Exception) -> None:
    """A refusal's message is ours (sizes, file names, never content); others by type only."""
    if isinstance(err, CheckpointRefused | CheckpointError):
        logger.error("audit checkpoint not made: %s", err)
    else:
        logger.error("audit checkpoint not made", extra={"error_type": type(err).__name__})


async def keep_making_checkpoints(
    sessions: SessionFactory, keeper: CheckpointKeeper, interval: float, stop: asyncio.Event
) -> None:
    """Every ``interval`` seconds until ``stop``: a checkpoint, if the log grew."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
        if stop.is_set():
            return
        try:
            await asyncio.to_thread(make_checkpoint, sessions, keeper)
        except (CheckpointRefused, CheckpointError, OSError, SQLAlchemyError) as err:
            _log_not_made(err)
