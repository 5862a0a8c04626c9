"""Inclusion proofs of audit entries for outsiders: the entry as exported JSON, its leaf index,
the RFC 9162 inclusion path and the signed checkpoint it leads to, in one JSON document that
`tools/audit_verifier/verify.py` checks with nothing but the log's verifier key."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from sqlmodel import Session

from dutyflow.domain.audit import exported_entry
from dutyflow.domain.checkpoint import CheckpointError
from dutyflow.domain.log_verification import KeptCheckpoint
from dutyflow.store import audit_log, audit_tree
from dutyflow.store.audit_checkpoints import (
    CheckpointKeeper,
    checkpoint_files,
    open_checkpoint,
    read_checkpoint_file,
)
from dutyflow.store.tables import AuditEntry

PROOF_FORMAT = "dutyflow-audit-inclusion-proof/1"


class ProofUnavailable(RuntimeError):
    """No proof can be given (unknown entry, not yet covered, or a log that does not match)."""


def _latest_kept(session: Session, keeper: CheckpointKeeper) -> KeptCheckpoint | None:
    files = checkpoint_files(keeper.directory)
    if files:
        return read_checkpoint_file(files[-1][1], keeper.verifier)
    row = audit_log.latest_database_checkpoint(session)
    return open_checkpoint(row.signed_note, keeper.verifier, "the database") if row else None


def inclusion_proof(
    session: Session, keeper: CheckpointKeeper, seq: int, checkpoint_path: Path | None = None
) -> dict[str, Any]:
    """The proof that entry ``seq`` is in the log, against the checkpoint at ``checkpoint_path``
    (default: the latest kept)."""
    entry = session.get(AuditEntry, seq)
    leaf = audit_tree.leaf_of(session, seq)
    if entry is None or leaf is None:
        raise ProofUnavailable(f"entry {seq} is not in the log's tree")
    try:
        kept = (
            read_checkpoint_file(checkpoint_path, keeper.verifier)
            if checkpoint_path is not None
            else _latest_kept(session, keeper)
        )
    except CheckpointError as err:
        raise ProofUnavailable(str(err)) from None
    if kept is None or kept.size <= leaf.leaf_index:
        raise ProofUnavailable(
            f"no checkpoint covers entry {seq} yet: run `dutyflow audit checkpoint`"
        )
    if audit_tree.root_at(session, kept.size) != kept.checkpoint.root:
        raise ProofUnavailable(
            f"the log does not match its checkpoint of {kept.size} entries ({kept.kept_in}): "
            "run `dutyflow audit verify`"
        )
    path = audit_tree.inclusion_path(session, leaf.leaf_index, kept.size)
    return {
        "format": PROOF_FORMAT,
        "entry": exported_entry(entry.model_dump()),
        "leaf_index": leaf.leaf_index,
        "tree_size": kept.size,
        "inclusion_path": [base64.b64encode(h).decode() for h in path],
        "checkpoint": kept.note,
    }
