"""The audit log as an RFC 9162 Merkle tree: the entries' leaves, the tree's perfect subtrees, the
entries awaiting their leaf and the copies of signed checkpoints; the tree is built over every
existing entry, in ``seq`` order. The old hash chain stays on the entries written before (its
columns become optional: newer entries have none), and still verifies.

Downgrading rebuilds the chain over the entries written since (so that revision 0010's code can
append again) and drops the tree.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection

from dutyflow.domain.audit import GENESIS_HASH, LEAF_FIELDS, entry_hash, leaf_bytes
from dutyflow.domain.merkle import Frontier, leaf_hash
from dutyflow.store import append_only

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5_000
_HASHED = LEAF_FIELDS
_entries = sa.table(
    "audit_entry",
    sa.column("seq", sa.Integer),
    sa.column("entry_id", sa.String),
    sa.column("recorded_at", sa.DateTime(timezone=True)),
    sa.column("case_id", sa.String),
    sa.column("step", sa.String),
    sa.column("actor_id", sa.String),
    sa.column("actor_role", sa.String),
    sa.column("content_sha256", sa.String),
    sa.column("details", sa.JSON),
    sa.column("idempotency_key", sa.String),
    sa.column("prev_hash", sa.String),
    sa.column("entry_hash", sa.String),
)
_leaves = sa.table("audit_leaf", sa.column("leaf_index"), sa.column("seq"), sa.column("leaf_hash"))
_nodes = sa.table(
    "audit_tree_node", sa.column("level"), sa.column("position"), sa.column("node_hash")
)


def _chain_columns_nullable(nullable: bool) -> None:
    with op.batch_alter_table("audit_entry") as batch:
        for name in ("prev_hash", "entry_hash"):
            batch.alter_column(name, existing_type=sa.String(length=64), nullable=nullable)
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":  # the table was rebuilt: its triggers went with it
        append_only.install(bind)


def _create_tables(inspector: Any) -> None:
    if not inspector.has_table("audit_pending"):
        op.create_table(
            "audit_pending",
            sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
            sa.PrimaryKeyConstraint("seq"),
        )
    if not inspector.has_table("audit_leaf"):
        op.create_table(
            "audit_leaf",
            sa.Column("leaf_index", sa.BigInteger(), autoincrement=False, nullable=False),
            sa.Column("seq", sa.BigInteger(), nullable=False),
            sa.Column("leaf_hash", sa.String(length=64), nullable=False),
            sa.PrimaryKeyConstraint("leaf_index"),
            sa.UniqueConstraint("seq"),
        )
    if not inspector.has_table("audit_tree_node"):
        op.create_table(
            "audit_tree_node",
            sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
            sa.Column("node_hash", sa.String(length=64), nullable=False),
            sa.PrimaryKeyConstraint("level", "position"),
        )
    if not inspector.has_table("audit_checkpoint"):
        op.create_table(
            "audit_checkpoint",
            sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
            sa.Column("origin", sa.String(length=200), nullable=False),
            sa.Column("root_hash", sa.String(length=64), nullable=False),
            sa.Column("signed_note", sa.Text(), nullable=False),
            sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("tree_size"),
        )


def _entry_batches(bind: Connection, where: Any = None) -> Any:
    """Every entry (matching ``where``) in ``seq`` order, a batch at a time."""
    columns: list[Any] = [
        sa.cast(_entries.c.details, sa.Text).label("details")
        if name == "details"
        else _entries.c[name]
        for name in _HASHED
    ]
    last = 0
    while True:
        query = sa.select(*columns).where(_entries.c.seq > last)
        if where is not None:
            query = query.where(where)
        rows = bind.execute(query.order_by(_entries.c.seq).limit(_BATCH)).mappings().all()
        if not rows:
            return
        yield rows
        last = rows[-1]["seq"]


def _build_tree(bind: Connection) -> None:
    """Leaves and perfect subtrees over every entry, in seq order (a database whose tree was
    made by a newer ``create_all`` is left as it is)."""
    if bind.execute(sa.select(sa.func.count()).select_from(_leaves)).scalar():
        return
    frontier = Frontier(0, [])
    for rows in _entry_batches(bind):
        leaf_rows, node_rows = [], []
        for row in rows:
            made = frontier.append(leaf_hash(leaf_bytes(row)))
            leaf_rows.append(
                {"leaf_index": made[0].index, "seq": row["seq"], "leaf_hash": made[0].hash.hex()}
            )
            node_rows += [
                {"level": n.level, "position": n.index, "node_hash": n.hash.hex()} for n in made[1:]
            ]
        bind.execute(_leaves.insert(), leaf_rows)
        if node_rows:
            bind.execute(_nodes.insert(), node_rows)


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    chain = {c["name"]: c for c in inspector.get_columns("audit_entry")}
    if not (chain["prev_hash"]["nullable"] and chain["entry_hash"]["nullable"]):
        _chain_columns_nullable(True)
    if bind.dialect.name == "postgresql":  # seq now comes from its sequence (SERIAL since 0001)
        op.execute(
            "SELECT setval(pg_get_serial_sequence('audit_entry', 'seq'), "
            "COALESCE((SELECT max(seq) FROM audit_entry), 0) + 1, false)"
        )
    _create_tables(sa.inspect(bind))
    append_only.install_tree_guard(bind)
    _build_tree(bind)


def _rebuild_chain(bind: Connection) -> None:
    """Give the entries written since 0011 the old chain, continuing it in seq order."""
    tip = bind.execute(
        sa.select(_entries.c.entry_hash)
        .where(_entries.c.entry_hash.is_not(None))
        .order_by(_entries.c.seq.desc())
        .limit(1)
    ).scalar()
    prev = tip or GENESIS_HASH
    append_only.remove(bind)
    for rows in _entry_batches(bind, _entries.c.entry_hash.is_(None)):
        for row in rows:
            digest = entry_hash(prev, {**row, "details": json.loads(row["details"])})
            bind.execute(
                _entries.update()
                .where(_entries.c.seq == row["seq"])
                .values(prev_hash=prev, entry_hash=digest)
            )
            prev = digest
    append_only.install(bind)


def downgrade() -> None:
    bind = op.get_bind()
    append_only.remove_tree_guard(bind)
    for table in ("audit_checkpoint", "audit_tree_node", "audit_leaf", "audit_pending"):
        op.drop_table(table)
    _rebuild_chain(bind)
    _chain_columns_nullable(False)
