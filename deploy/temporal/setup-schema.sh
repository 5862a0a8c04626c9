#!/bin/sh
# One-shot: create and migrate Temporal's persistence and visibility schemas on PostgreSQL.
set -eu
for db in temporal temporal_visibility; do
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -u "$POSTGRES_USER" -p "$DB_PORT" \
    --pw "$POSTGRES_PWD" --db "$db" create-database || true
done
temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -u "$POSTGRES_USER" -p "$DB_PORT" \
  --pw "$POSTGRES_PWD" --db temporal setup-schema -v 0.0
temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -u "$POSTGRES_USER" -p "$DB_PORT" \
  --pw "$POSTGRES_PWD" --db temporal update-schema -d /etc/temporal/schema/postgresql/v12/temporal/versioned
temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -u "$POSTGRES_USER" -p "$DB_PORT" \
  --pw "$POSTGRES_PWD" --db temporal_visibility setup-schema -v 0.0
temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -u "$POSTGRES_USER" -p "$DB_PORT" \
  --pw "$POSTGRES_PWD" --db temporal_visibility update-schema -d /etc/temporal/schema/postgresql/v12/visibility/versioned
