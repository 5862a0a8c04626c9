"""Users for tests sharing one database: unique ones, and the scenario's practitioner."""

from __future__ import annotations

import uuid

from dutyflow.auth.store import add_user, ensure_user
from dutyflow.demo import example_case as scenario
from dutyflow.store.db import SessionFactory
from dutyflow.store.tables import UserAccount

SCENARIO_PRACTITIONER = scenario.opening_request()["practitioner_id"]  # practitioner-0042
SCENARIO_CLINIC = scenario.opening_request()["clinic_id"]  # clinic-demo-01
_scenario_tokens: dict[str, str] = {}  # by database URL: the account is made once per database


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


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


def scenario_practitioner_token(sessions: SessionFactory) -> str:
    """A token of the scenario's practitioner (``practitioner-0042`` of ``clinic-demo-01``, whose
    reports `dutyflow.demo.example_case` describes), the account made if this database has none
    yet."""
    with sessions() as session:
        database = session.get_bind().url.render_as_string(hide_password=True)
    if database not in _scenario_tokens:
        _user, _scenario_tokens[database] = ensure_user(
            sessions,
            user_id=SCENARIO_PRACTITIONER,
            display_name="Dr. Alex Rivera (scenario)",
            role="practitioner",
            clinic_id=SCENARIO_CLINIC,
        )
    return _scenario_tokens[database]
