"""How the audit log is verified, as pure functions over rows already read.

1. Every leaf, in leaf order, is recomputed from its entry's content and must equal the leaf hash
   stored for it (an edited entry is named here, unless its stored hash was recomputed too).
   Entries written before the tree (revision 0011) must also still form the old hash chain.
2. The tree rebuilt from those leaves must be an append-only extension of every signed checkpoint
   kept outside the database: an RFC 9162 consistency proof from each checkpoint to the rebuilt
   tree must verify, and no checkpoint may be larger than the log. A truncated or rewritten log
   (every hash recomputed with Dutyflow's own code) fails here, naming the first checkpoint, in
   size order, that it contradicts.

The rows come in runs (`scan_leaves`), one per process when verification runs in parallel, each
over a range of leaves aligned on a power of two, so that each process can also build the perfect
subtrees of its range; `join_runs` checks what crosses from one run to the next.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from hashlib import sha256
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
    levels: list[bytes] = field(default_factory=list)  # the perfect subtrees above, if built


ExactEntry = Callable[[int], Mapping[str, Any] | None]


def scan_leaves(
    rows: Iterable[Mapping[str, Any]], first_index: int, exact_entry: ExactEntry
) -> LeafRun:
    """Check consecutive leaves from ``first_index``. Each row has the leaf's ``leaf_index``,
    ``leaf_seq`` and ``leaf_hash`` (hex); its entry's ``seq`` (None when the entry is missing),
    ``prev_hash`` and ``entry_hash``; and ``leaf_text``, the leaf as the database assembled it
    from the entry's columns. A leaf text that hashes to the stored leaf hash proves the content
    (the stored hash was made from the exact canonical form, and the assembly is injective);
    otherwise ``exact_entry(seq)`` gives the entry's fields and the exact form decides."""
    run = LeafRun(first_index)
    for row in rows:
        index = first_index + run.count
        if row["leaf_index"] != index:
            run.broken_seq, run.problem = row["leaf_seq"], f"leaf {index} is missing"
            return run
        seq = row["seq"]
        if seq is None:
            run.broken_seq = row["leaf_seq"]
            run.problem = f"the entry of leaf {index} is missing"
            return run
        stored = bytes.fromhex(row["leaf_hash"])
        text = (row["leaf_text"] or "").encode("utf-8")
        assembled = sha256(b"\x00" + text).digest() == stored
        entry = None if assembled else exact_entry(seq)
        if not assembled and (entry is None or not leaf_holds(stored, entry)):
            run.broken_seq, run.problem = seq, "content does not match its leaf hash"
            return run
        if row["prev_hash"] is not None:
            link = (
                sha256(row["prev_hash"].encode("ascii") + text).hexdigest() == row["entry_hash"]
                if assembled
                else entry is not None and link_holds(row["prev_hash"], entry)
            )
            if not _chain_link_holds(run, row, link):
                return run
        run.leaf_hashes += stored
        run.count += 1
    return run


def _chain_link_holds(run: LeafRun, row: Mapping[str, Any], link: bool) -> bool:
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
    if not link:
        run.broken_seq, run.problem = seq, "content does not match its hash"
        return False
    run.chain_last = (seq, row["entry_hash"])
    return True


def join_runs(runs: Sequence[LeafRun]) -> tuple[LogVerification | None, list[bytes]]:
    """The runs in leaf order, joined: (the first failure, or None; the tree's levels, as far as
    every run built them: the leaf hashes at least)."""
    checked, chain_tip = 0, (0, GENESIS_HASH)
    depth = min((len(run.levels) for run in runs), default=0) or 1
    levels: list[bytearray] = [bytearray() for _ in range(depth)]
    for run in runs:
        if run.first_index != checked:
            return LogVerification(checked, None, f"leaf {checked} is missing"), []
        if run.chain_first is not None:
            seq, prev_hash = run.chain_first
            if seq != chain_tip[0] + 1:
                problem = f"expected entry {chain_tip[0] + 1}, found {seq}"
                return LogVerification(checked, seq, problem), []
            if prev_hash != chain_tip[1]:
                return LogVerification(checked, seq, "does not link to the previous entry"), []
        if run.problem is not None:
            return LogVerification(checked + run.count, run.broken_seq, run.problem), []
        run_levels = run.levels or [bytes(run.leaf_hashes)]
        for level in range(depth):
            levels[level] += run_levels[level]
        checked += run.count
        if run.chain_last is not None:
            chain_tip = run.chain_last
    return None, [bytes(level) for level in levels]


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
    failure, levels = join_runs(runs)
    if failure is not None:
        return failure
    tree = MemoryTree.from_levels(levels)
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
