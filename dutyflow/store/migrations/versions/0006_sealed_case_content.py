"""Case content is sealed at rest: the content columns hold ``sealed:v1:...`` text, encrypted with
the case's data key (`dutyflow.crypto.sealing`), instead of JSON or text in clear.

Existing rows are sealed in place, which needs the keyring: `dutyflow.store.migrate.upgrade`
passes the sealer bound to the engine (``dutyflow db upgrade`` and every Dutyflow process bind
one from ``DUTYFLOW_MASTER_KEYS`` and the key store). Without one, a database holding case content
is refused with a message, and nothing is changed. Downgrading opens the values back into clear
text the same way (and needs the keyring for the same reason).

On PostgreSQL the JSON columns become TEXT. SQLite keeps the declared types (it stores both as
text; changing a declared type would rebuild ``case_record``, which other tables reference), and
`dutyflow.store.migrate.compare_type` treats them as the same.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PREFIX = "sealed:v1:"

# table -> (key column, {content column: was JSON})
SEALED: dict[str, tuple[str, dict[str, bool]]] = {
    "case_record": ("case_id", {"opening": True}),
    "grounds_record": ("case_id", {"submission": True}),
    "phone_report_record": ("case_id", {"phone_report": True}),
    "disclosure_record": ("disclosure_id", {"fields": True}),
    "report_document": ("document_id", {"html": False, "text": False}),
    "acknowledgement_record": ("report_id", {"note": False}),
    "outcome_record": ("case_id", {"outcome": True}),
}


def _sealer() -> Any:
    return context.config.attributes.get("sealer")


def _rows(table: str, key: str, columns: list[str]) -> list[Any]:
    listed = (
        ", ".join([key, "case_id", *columns]) if key != "case_id" else ", ".join([key, *columns])
    )
    return list(op.get_bind().execute(sa.text(f"SELECT {listed} FROM {table}")).mappings())


def _refuse_without(sealer: Any, table: str, what: str) -> None:
    if sealer is None:
        raise RuntimeError(
            f"revision 0006: {table} holds case content to {what}, and no keyring is bound "
            "(set DUTYFLOW_MASTER_KEYS and DUTYFLOW_KEY_STORE_URL, then run `dutyflow db upgrade`)"
        )


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    sealer = _sealer()
    for table, (key, columns) in SEALED.items():
        if postgres:
            for column in columns:
                op.execute(
                    f"ALTER TABLE {table} ALTER COLUMN {column} TYPE TEXT USING {column}::text"
                )
        for row in _rows(table, key, list(columns)):
            values = {}
            for column, was_json in columns.items():
                stored = row[column]
                if stored is None or (isinstance(stored, str) and stored.startswith(PREFIX)):
                    continue
                _refuse_without(sealer, table, "seal")
                plain = json.loads(stored) if was_json and isinstance(stored, str) else stored
                values[column] = sealer.seal(row["case_id"], f"{table}.{column}", plain)
            if values:
                assignments = ", ".join(f"{c} = :{c}" for c in values)
                bind.execute(
                    sa.text(f"UPDATE {table} SET {assignments} WHERE {key} = :key"),
                    {**values, "key": row[key]},
                )


def downgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    sealer = _sealer()
    for table, (key, columns) in SEALED.items():
        for row in _rows(table, key, list(columns)):
            values = {}
            for column, was_json in columns.items():
                stored = row[column]
                if not (isinstance(stored, str) and stored.startswith(PREFIX)):
                    continue
                _refuse_without(sealer, table, "open")
                plain = sealer.open(row["case_id"], f"{table}.{column}", stored)
                values[column] = (
                    json.dumps(plain, sort_keys=True, separators=(",", ":")) if was_json else plain
                )
            if values:
                assignments = ", ".join(f"{c} = :{c}" for c in values)
                bind.execute(
                    sa.text(f"UPDATE {table} SET {assignments} WHERE {key} = :key"),
                    {**values, "key": row[key]},
                )
        if postgres:
            for column, was_json in columns.items():
                if was_json:
                    op.execute(
                        f"ALTER TABLE {table} ALTER COLUMN {column} TYPE JSON USING {column}::json"
                    )
                elif column == "note":
                    op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE VARCHAR(1000)")
