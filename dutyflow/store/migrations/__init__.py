"""Dutyflow's Alembic environment: ``env.py``, ``versions/`` and the append-only guard's SQL.

Run through `dutyflow.store.migrate` (``dutyflow db upgrade``); there is no ``alembic.ini``.
"""
