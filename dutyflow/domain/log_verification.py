"""How the audit log is verified, as pure functions over rows already read.

1. Every leaf, in leaf order, is recomputed from its entry's content and must equal the leaf hash
   stored for it (an edited entry is named here, unless its stored hash was recomputed too).
   Entries written before the tree (revision 0011) must also still form the old hash chain.
2. The tree rebuilt from those leaves must be an append-only extension of every signed checkpoint
   kept outside the database: an RFC 9162 consistency proof from each checkpoint to the rebuilt
   tree must verify, and no checkpoint may be larger than the log. A truncated or rewritten log
   (every hash recomputed with Dutyflow's own code) fails here, naming the first checkpoint, in
   size order, that it contradicts.

The rows come in runs (`scan_leaves`), one per process when verification runs in parallel;
`join_runs` checks what crosses from one run to the next.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dutyflow.domain.audit import GENESIS_HASH, leaf_holds, link_holds
from dutyflow.domain.checkpoint import Checkpoint
from dutyflow.domain.merkle import MemoryTree, consistency_proof, verify_consistency


@dataclass(frozen=True)
class KeptCheckpoint:
    """A signed checkpoint and where it was kept (a file, a witness's copy, the database)."""

    checkpoint: Checkpoint
    kept_in: str
    note: str = ""

    @property
    def size(self) -> int:
        return self.checkpoint.size


@dataclass(frozen=True)
class LogVerification:
    checked: int
    first_broken_seq: int | None = None
    problem: str | None = None
    broken_checkpoint: KeptCheckpoint | None = None
    checkpoints_checked: int = 0
    latest_checkpoint: KeptCheckpoint | None = None
    outside_tree: int = 0  # entries committed but not yet given a leaf

    @property
    def intact(self) -> bool:
        return self.problem is None


@dataclass
class LeafRun:
    """What one pass over consecutive leaves found: their verified leaf hashes (32 bytes each),
    the old-chain entries at either end, and the first problem, if any."""

    first_index: int
    leaf_hashes: bytearray = field(default_factory=bytearray)
    count: int = 0
    chain_first: tuple[int, str] | None = None  # (seq, prev_hash) of the first old-chain entry
    chain_last: tuple[int, str] | None = None  # (seq, entry_hash) of the last one
    broken_seq: int | None = None
    problem: str | None = None


def scan_leaves(rows: Iterable[Mapping[str, Any]], first_index: int) -> LeafRun:
    """Check consecutive leaves from ``first_index``. Each row has the leaf's ``leaf_index``,
    ``leaf_seq`` and ``leaf_hash`` (hex), and its entry's hashed fields (None when the entry is
    missing) with ``details`` as stored text, ``prev_hash`` and ``entry_hash``."""
    run = LeafRun(first_index)
    for row in rows:
        index = first_index + run.count
        if row["leaf_index"] != index:
            run.broken_seq, run.problem = row["leaf_seq"], f"leaf {index} is missing"
            return run
        if row["seq"] is None:
            run.broken_seq = row["leaf_seq"]
            run.problem = f"the entry of leaf {index} is missing"
            return run
        stored = bytes.fromhex(row["leaf_hash"])
        if not leaf_holds(stored, row):
            run.broken_seq, run.problem = row["seq"], "content does not match its leaf hash"
            return run
        if row["prev_hash"] is not None and not _chain_link_holds(run, row):
            return run
        run.leaf_hashes += stored
        run.count += 1
    return run


def _chain_link_holds(run: LeafRun, row: Mapping[str, Any]) -> bool:
    seq = row["seq"]
    if run.chain_last is None:
        run.chain_first = (seq, row["prev_hash"])
    else:
        last_seq, last_hash = run.chain_last
        if seq != last_seq + 1:
            run.broken_seq, run.problem = seq, f"expected entry {last_seq + 1}, found {seq}"
            return False
        if row["prev_hash"] != last_hash:
            run.broken_seq, run.problem = seq, "does not link to the previous entry"
            return False
    if not link_holds(row["prev_hash"], row):
        run.broken_seq, run.problem = seq, "content does not match its hash"
        return False
    run.chain_last = (seq, row["entry_hash"])
    return True


def join_runs(runs: Sequence[LeafRun]) -> tuple[LogVerification | None, bytes]:
    """The runs in leaf order, joined: (the first failure, or None; every leaf hash)."""
    checked, chain_tip = 0, (0, GENESIS_HASH)
    leaves = bytearray()
    for run in runs:
        if run.first_index != checked:
            return LogVerification(checked, None, f"leaf {checked} is missing"), bytes(leaves)
        if run.chain_first is not None:
            seq, prev_hash = run.chain_first
            if seq != chain_tip[0] + 1:
                problem = f"expected entry {chain_tip[0] + 1}, found {seq}"
                return LogVerification(checked, seq, problem), bytes(leaves)
            if prev_hash != chain_tip[1]:
                problem = "does not link to the previous entry"
                return LogVerification(checked, seq, problem), bytes(leaves)
        if run.problem is not None:
            return LogVerification(checked + run.count, run.broken_seq, run.problem), bytes(leaves)
        leaves += run.leaf_hashes
        checked += run.count
        if run.chain_last is not None:
            chain_tip = run.chain_last
    return None, bytes(leaves)


def check_checkpoints(
    tree: MemoryTree, kept: Iterable[KeptCheckpoint]
) -> tuple[KeptCheckpoint | None, str | None, int]:
    """(the first checkpoint, in size order, the rebuilt tree contradicts; why; how many were
    checked). Each must have a consistency proof to the rebuilt tree (RFC 9162 2.1.4)."""
    root, checked, agreed = tree.root(), 0, 0
    for item in sorted(kept, key=lambda k: k.size):
        size = item.size
        if size > tree.size:
            return (
                item,
                f"checkpoint of {size} entries ({item.kept_in}): the log holds only "
                f"{tree.size}: entries were removed",
                checked,
            )
        proof = consistency_proof(size, tree.size, tree.node)
        if not verify_consistency(size, tree.size, item.checkpoint.root, root, proof):
            return (
                item,
                f"checkpoint of {size} entries ({item.kept_in}): the log is not an extension of "
                f"it (the consistency proof from it fails): an entry among leaves {agreed} to "
                f"{size - 1} was changed, removed, added or moved since it was signed",
                checked,
            )
        checked += 1
        agreed = size
    return None, None, checked


def verify_log(
    runs: Sequence[LeafRun], kept: Iterable[KeptCheckpoint], outside_tree: int = 0
) -> LogVerification:
    failure, leaves = join_runs(runs)
    if failure is not None:
        return failure
    tree = MemoryTree(leaves)
    kept = list(kept)
    broken, problem, checked = check_checkpoints(tree, kept)
    latest = max(kept, key=lambda k: k.size, default=None)
    return LogVerification(
        tree.size,
        problem=problem,
        broken_checkpoint=broken,
        checkpoints_checked=checked,
        latest_checkpoint=latest,
        outside_tree=outside_tree,
    )
