"""Alembic environment of the Dutyflow database. Online only: `dutyflow.store.migrate` opens the
transaction (and takes the schema lock) and passes its connection in ``config.attributes``."""

from __future__ import annotations

from alembic import context

from dutyflow.store.migrations.autogenerate import (
    compare_type,
    include_object,
    render_item,
    target_metadata,
)

connection = context.config.attributes.get("connection")
if context.is_offline_mode() or connection is None:
    raise RuntimeError(
        "Dutyflow's migrations run online through dutyflow.store.migrate (`dutyflow db upgrade`)"
    )

context.configure(
    connection=connection,
    target_metadata=target_metadata(),
    include_object=include_object,
    render_item=render_item,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=compare_type,
)

with context.begin_transaction():
    context.run_migrations()
