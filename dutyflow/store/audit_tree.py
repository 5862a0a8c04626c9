"""The audit log's Merkle tree in the database: integrating committed entries into it, and reading
its nodes for tree heads and proofs.

**Integration.** An entry is inserted with a database-generated ``seq`` and an `AuditPending`
row, in its writer's transaction, with no lock: workers and API replicas append concurrently.
`integrate` then, in a short transaction of its own under the tree lock (a PostgreSQL advisory
lock; SQLite's write lock), gives every committed pending entry the next leaf, in ``seq`` order,
and keeps every perfect subtree it completes (`AuditTreeNode`). The lock is held for a few
statements, never across an activity. On PostgreSQL `dutyflow.store.steps.record_step`
integrates right after its transaction commits; on SQLite, whose writers already hold the only
write lock, it integrates inside that transaction (`integrate_in_writer`); checkpoints integrate
first (`dutyflow.store.audit_checkpoints`).

**Reading.** Any tree head, inclusion or consistency proof needs O(log^2 n) perfect subtrees
(`dutyflow.domain.merkle`); they are fetched in one or two queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from sqlalchemy import and_, delete, func, insert, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from dutyflow.domain import merkle
from dutyflow.domain.audit import LEAF_FIELDS, leaf_bytes
from dutyflow.store.db import SessionFactory, is_postgres, writing
from dutyflow.store.tables import AuditEntry, AuditLeaf, AuditPending, AuditTreeNode

_TREE_LOCK = 0x6475747968  # the advisory lock held while entries are integrated
_BATCH = 2_000

T = TypeVar("T")


class TreeIncomplete(RuntimeError):
    """A node the tree should have is missing from the database (damaged or tampered with)."""


def tree_size(session: Session) -> int:
    last = session.exec(select(func.max(AuditLeaf.leaf_index))).one()
    return 0 if last is None else int(last) + 1


def integrate(sessions: SessionFactory) -> int:
    """Give every committed entry awaiting its leaf a leaf, in ``seq`` order; answers how many."""
    total = 0
    while True:
        with writing(sessions) as session:
            if is_postgres(session.get_bind()):  # type: ignore[arg-type]
                session.connection().exec_driver_sql(f"SELECT pg_advisory_xact_lock({_TREE_LOCK})")
            count = _integrate_some(session)
        total += count
        if count < _BATCH:
            return total


def integrates_in_writer(session: Session) -> bool:
    """Whether this database lets a writer integrate its own entries in its own transaction: on
    SQLite a transaction holds the only write lock from its start (``BEGIN IMMEDIATE``), so every
    entry another writer appended is already committed, and ``seq`` order is commit order. Saves
    a second transaction, and a second wait for the lock, per step. On PostgreSQL appends run
    concurrently, so the tree is extended after the commit, under its lock (`integrate`)."""
    return not is_postgres(session.get_bind())  # type: ignore[arg-type]


def integrate_in_writer(session: Session) -> int:
    """`integrate`, inside the caller's SQLite write transaction (`integrates_in_writer`): its
    own entries and any committed before it join the tree with it, or not at all."""
    if not integrates_in_writer(session):
        raise RuntimeError("only a SQLite writer integrates in its own transaction")
    total = 0
    while True:
        count = _integrate_some(session)
        total += count
        if count < _BATCH:
            return total


def _integrate_some(session: Session) -> int:
    pending = list(
        session.exec(select(AuditPending.seq).order_by(col(AuditPending.seq)).limit(_BATCH))
    )
    if pending:
        _integrate_batch(session, pending)
    return len(pending)


def _integrate_batch(session: Session, pending: list[int]) -> None:
    table = AuditEntry.__table__  # type: ignore[attr-defined]
    columns = [table.c[name] for name in LEAF_FIELDS]
    entries = {
        row.seq: dict(row._mapping)
        for row in session.connection().execute(
            sa_select(*columns).where(table.c.seq.in_(pending)).order_by(table.c.seq)
        )
    }
    size = tree_size(session)
    positions = merkle.frontier_positions(size)
    edge = _fetched(session, positions)
    frontier = merkle.Frontier(size, [edge[p] for p in positions])
    leaves, nodes = [], []
    for seq in pending:
        entry = entries.get(seq)
        if entry is None:  # a pending mark whose entry is gone: nothing to integrate
            continue
        made = frontier.append(merkle.leaf_hash(leaf_bytes(entry)))
        leaves.append({"leaf_index": made[0].index, "seq": seq, "leaf_hash": made[0].hash.hex()})
        nodes += [
            {"level": n.level, "position": n.index, "node_hash": n.hash.hex()} for n in made[1:]
        ]
    if leaves:
        session.connection().execute(insert(AuditLeaf.__table__), leaves)  # type: ignore[attr-defined]
    if nodes:
        session.connection().execute(insert(AuditTreeNode.__table__), nodes)  # type: ignore[attr-defined]
    session.connection().execute(
        delete(AuditPending.__table__).where(AuditPending.__table__.c.seq.in_(pending))  # type: ignore[attr-defined]
    )


def _fetched(
    session: Session, positions: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], bytes]:
    """The perfect subtrees at ``positions`` (level 0: leaf hashes), as found."""
    wanted = set(positions)
    found: dict[tuple[int, int], bytes] = {}
    leaves = [index for level, index in wanted if level == 0]
    connection = session.connection()
    if leaves:
        leaf_table = AuditLeaf.__table__  # type: ignore[attr-defined]
        for index, digest in connection.execute(
            sa_select(leaf_table.c.leaf_index, leaf_table.c.leaf_hash).where(
                leaf_table.c.leaf_index.in_(leaves)
            )
        ):
            found[(0, int(index))] = bytes.fromhex(digest)
    by_level: dict[int, list[int]] = {}
    for level, index in wanted:
        if level > 0:
            by_level.setdefault(level, []).append(index)
    if by_level:
        node_table = AuditTreeNode.__table__  # type: ignore[attr-defined]
        condition = or_(
            *(
                and_(node_table.c.level == level, node_table.c.position.in_(indexes))
                for level, indexes in by_level.items()
            )
        )
        for level, index, digest in connection.execute(
            sa_select(node_table.c.level, node_table.c.position, node_table.c.node_hash).where(
                condition
            )
        ):
            found[(int(level), int(index))] = bytes.fromhex(digest)
    missing = wanted - found.keys()
    if missing:
        level, index = min(missing)
        raise TreeIncomplete(f"the tree has no node ({level}, {index}) in the database")
    return found


def computed(session: Session, compute: Callable[[merkle.NodeSource], T]) -> T:
    """Run ``compute`` (a tree head or proof of `dutyflow.domain.merkle`) on the stored tree."""
    found = _fetched(session, merkle.record_nodes(compute))
    return compute(lambda level, index: found[(level, index)])


def root_at(session: Session, size: int) -> bytes:
    return computed(session, lambda node: merkle.tree_root(size, node))


def consistency_proof(session: Session, first: int, second: int) -> list[bytes]:
    return computed(session, lambda node: merkle.consistency_proof(first, second, node))


def inclusion_path(session: Session, leaf_index: int, size: int) -> list[bytes]:
    return computed(session, lambda node: merkle.inclusion_path(leaf_index, size, node))


def leaf_of(session: Session, seq: int) -> AuditLeaf | None:
    return session.exec(select(AuditLeaf).where(AuditLeaf.seq == seq)).first()


def leaf_indexes(session: Session, seqs: Iterable[int]) -> dict[int, int]:
    """Each entry's leaf index, for the entries that have one."""
    wanted = list(seqs)
    if not wanted:
        return {}
    return {
        int(leaf.seq): int(leaf.leaf_index)
        for leaf in session.exec(select(AuditLeaf).where(col(AuditLeaf.seq).in_(wanted)))
    }
