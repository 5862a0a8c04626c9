"""Persistence: SQLModel tables, the engine, and the queries on them. SQLite by default,
PostgreSQL when the database URL says so."""
