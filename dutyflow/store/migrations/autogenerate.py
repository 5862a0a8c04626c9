"""What Alembic's autogenerate compares: the models' metadata (without the intake service's
tables, which live in another database), how a SQLModel string type is written into a revision,
and which type differences are not differences (sealed columns on SQLite)."""

from __future__ import annotations

from typing import Any, Literal

from alembic.autogenerate.api import AutogenContext
from sqlalchemy import MetaData

_EXCLUDED_PREFIXES = ("intake_",)


def target_metadata() -> MetaData:
    """The metadata the models declare (Dutyflow's and, alas, the intake service's tables)."""
    from sqlmodel import SQLModel

    from dutyflow.store import accounting, notices, profiles, tables  # noqa: F401  (registers the tables)

    return SQLModel.metadata


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic's filter: everything but the intake service's tables (and what hangs off them)."""
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return not (table or "").startswith(_EXCLUDED_PREFIXES)


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Autogenerate renders SQLModel's ``AutoString(n)`` as plain ``sa.String(n)``: a revision
    must not depend on the models' module."""
    from sqlmodel.sql.sqltypes import AutoString

    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


def compare_type(
    context: Any,
    inspected_column: Any,
    metadata_column: Any,
    inspected_type: Any,
    metadata_type: Any,
) -> bool | None:
    """Alembic's type comparison, except that on SQLite a sealed column declared JSON or VARCHAR
    before revision 0006 matches the model's `Sealed` (text): SQLite stores them alike, and
    re-declaring them would rebuild tables other tables reference (see revision 0006)."""
    from dutyflow.crypto.sealing import Sealed

    if context.dialect.name == "sqlite" and isinstance(metadata_type, Sealed):
        return False
    return None  # Alembic's default comparison
