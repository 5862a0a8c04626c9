"""Unique users for tests sharing one database."""

from __future__ import annotations

import uuid

from dutyflow.auth.store import add_user
from dutyflow.store.db import SessionFactory
from dutyflow.store.tables import UserAccount


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def new_user(
    sessions: SessionFactory,
    role: str,
    *,
    clinic_id: str | None = None,
    agency_id: str | None = None,
) -> tuple[UserAccount, str]:
    if role in ("practitioner", "supervisor") and clinic_id is None:
        clinic_id = unique("clinic")
    if role == "agency" and agency_id is None:
        agency_id = "demo-county-cws"
    return add_user(
        sessions,
        user_id=unique(role),
        display_name=f"Test {role}",
        role=role,
        clinic_id=clinic_id,
        agency_id=agency_id,
    )
