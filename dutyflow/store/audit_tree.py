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

from sqlalchemy import bindparam, delete, func, insert, tuple_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from dutyflow.domain import merkle
from dutyflow.domain.audit import LEAF_FIELDS, leaf_bytes
from dutyflow.store.db import SessionFactory, is_postgres, writing
from dutyflow.store.tables import AuditEntry, AuditLeaf, AuditPending, AuditTreeNode

_TREE_LOCK = 0x6475747968  # the advisory lock held while entries are integrated
_BATCH = 2_000

# Every step runs these statements; built once, their compiled form is cached by SQLAlchemy, and
# building them anew (and their cache keys) on every call was most of the integration's CPU.
_ENTRY = AuditEntry.__table__  # type: ignore[attr-defined]
_PENDING = AuditPending.__table__  # type: ignore[attr-defined]
_LEAF = AuditLeaf.__table__  # type: ignore[attr-defined]
_NODE = AuditTreeNode.__table__  # type: ignore[attr-defined]
_PENDING_FIRST = sa_select(_PENDING.c.seq).order_by(_PENDING.c.seq).limit(_BATCH)
_ENTRIES_BY_SEQ = (
    sa_select(*(_ENTRY.c[name] for name in LEAF_FIELDS))
    .where(_ENTRY.c.seq.in_(bindparam("seqs", expanding=True)))
    .order_by(_ENTRY.c.seq)
)
_TREE_SIZE = sa_select(func.max(_LEAF.c.leaf_index))
_LEAVES_AT = sa_select(_LEAF.c.leaf_index, _LEAF.c.leaf_hash).where(
    _LEAF.c.leaf_index.in_(bindparam("indexes", expanding=True))
)
_NODES_AT = sa_select(_NODE.c.level, _NODE.c.position, _NODE.c.node_hash).where(
    tuple_(_NODE.c.level, _NODE.c.position).in_(bindparam("positions", expanding=True))
)
_ADD_LEAVES = insert(_LEAF)
_ADD_NODES = insert(_NODE)
_UNMARK_PENDING = delete(_PENDING).where(_PENDING.c.seq.in_(bindparam("seqs", expanding=True)))

T = TypeVar("T")


class TreeIncomplete(RuntimeError):
    """A node the tree should have is missing from the database (damaged or tampered with)."""


def tree_size(session: Session) -> int:
    last = session.connection().execute(_TREE_SIZE).scalar()
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
    pending = list(session.connection().execute(_PENDING_FIRST).scalars())
    if pending:
        _integrate_batch(session, pending)
    return len(pending)


def _integrate_batch(session: Session, pending: list[int]) -> None:
    connection = session.connection()
    rows = connection.execute(_ENTRIES_BY_SEQ, {"seqs": pending})
    entries = {row.seq: dict(row._mapping) for row in rows}
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
        connection.execute(_ADD_LEAVES, leaves)
    if nodes:
        connection.execute(_ADD_NODES, nodes)
    connection.execute(_UNMARK_PENDING, {"seqs": pending})


def _fetched(
    session: Session, positions: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], bytes]:
    """The perfect subtrees at ``positions`` (level 0: leaf hashes), as found."""
    wanted = set(positions)
    found: dict[tuple[int, int], bytes] = {}
    leaves = sorted(index for level, index in wanted if level == 0)
    nodes = sorted(position for position in wanted if position[0] > 0)
    connection = session.connection()
    if leaves:
        for index, digest in connection.execute(_LEAVES_AT, {"indexes": leaves}):
            found[(0, int(index))] = bytes.fromhex(digest)
    if nodes:
        for level, index, digest in connection.execute(_NODES_AT, {"positions": nodes}):
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
