"""The canary: a distinctive marker in every free-text field of a case, then a search for each
marker wherever a leak could happen. The case must leave no marker in the raw Temporal history as
the server holds it, in the workflow's id or search attributes, in anything logged, or in
Dutyflow's database as stored (and, on SQLite, in its files as bytes); and an agency must hold no
marker of a field its allow-list does not give it."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from dutyflow.demo import example_case as scenario
from tests.raw_files import database_files
from tests.reporting import (
    agency_inbox,
    confirm,
    document_grounds,
    ok,
    wait_for_stage,
)
from tests.test_confidentiality import raw_history

# Structured values (ids, codes, dates, enums, flags) keep their real values: they are checked
# by the validators and carry nothing of the story. Every other string is a free-text field.
STRUCTURED = {
    "jurisdiction",
    "kind",
    "county",
    "clinic_id",
    "practitioner_id",
    "client_id",
    "grounds.suspicion_formed_at",
    "grounds.statutory_basis",
    "grounds.source_of_information",
    "grounds.abuse_types",
    "victim.birth_date",
    "victim.sex",
    "incident.occurred_on",
    "made_at",
}


class Canaries:
    """Hands out one marker per free-text field and remembers which field it stands for."""

    def __init__(self) -> None:
        self.run = uuid.uuid4().hex[:6].upper()
        self.by_field: dict[str, str] = {}

    def fill(self, value: Any, path: str = "", prefix: str = "") -> Any:
        if isinstance(value, dict):
            return {k: self.fill(v, f"{path}.{k}" if path else k, prefix) for k, v in value.items()}
        if isinstance(value, list):
            if path in STRUCTURED:
                return value
            return [self.fill(item, path, prefix) for item in value]
        if isinstance(value, str) and path not in STRUCTURED:
            marker = f"CANARY{self.run}N{len(self.by_field):02d}Q"
            self.by_field[f"{prefix}{path}"] = marker
            return marker
        return value

    def markers(self) -> list[str]:
        return list(self.by_field.values())

    def not_allowed(self, disclosed_fields: list[str]) -> dict[str, str]:
        """The markers of fields outside an allow-list (by leaf path, or a parent of it)."""

        def allowed(field: str) -> bool:
            leaf = field.split(":", 1)[1]
            return any(leaf == d or leaf.startswith(d + ".") for d in disclosed_fields)

        return {field: marker for field, marker in self.by_field.items() if not allowed(field)}


def stored_rows(engine: Engine) -> str:
    """Every row of every Dutyflow table, as the database returns it (no ORM, no decryption)."""
    dump = []
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                dump.append(repr(tuple(row)))
    return "\n".join(dump)


async def test_no_marker_leaks_from_a_whole_report(
    api: httpx.AsyncClient,
    stack,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    database_url: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    canaries = Canaries()
    opening = canaries.fill(scenario.opening_request(), prefix="opening:")
    grounds = canaries.fill(scenario.grounds_submission(), prefix="grounds:")
    phone = canaries.fill(scenario.phone_report(), prefix="phone:phone_report.")
    assert len(canaries.markers()) >= 30  # every free-text field has its marker

    case_id = ok(await api.post("/reports", json=opening))["case_id"]
    await document_grounds(api, case_id, grounds)
    ok(await api.post(f"/reports/{case_id}/phone-report", json=phone))
    await confirm(api, case_id)
    status = await wait_for_stage(api, case_id, "closed")

    # Temporal: raw history, workflow id, search attributes.
    history = await raw_history(stack.client, case_id)
    description = await stack.client.get_workflow_handle(case_id).describe()
    visible = history + repr(description.raw_description).encode() + case_id.encode()
    leaked = [m for m in canaries.markers() if m.encode() in visible]
    assert not leaked, f"markers readable in Temporal: {leaked}"

    # Logs: every record any logger emitted, and whatever reached stdout/stderr.
    out, err = capfd.readouterr()
    logged = "\n".join(r.getMessage() + repr(r.__dict__) for r in caplog.records) + out + err
    assert not [m for m in canaries.markers() if m in logged], "markers in the logs"

    # Dutyflow's database, as stored.
    rows = stored_rows(stack.engine)
    assert case_id in rows, "the dump holds the case's rows"
    assert not [m for m in canaries.markers() if m in rows], "markers stored in clear"
    if database_url.startswith("sqlite"):
        files = database_files(database_url)
        assert files, f"no database file found for {database_url}"
        for path, data in files.items():
            assert not [m for m in canaries.markers() if m.encode() in data], f"markers in {path}"

    # Each agency: no marker of a field beyond its allow-list (the allowed ones do arrive).
    recipients = {d["recipient_id"]: d for d in status["disclosures"]}
    assert recipients and status["obligations"]
    for obligation in status["obligations"]:
        disclosure = recipients[obligation["recipient_id"]]
        received = json.dumps(await agency_inbox(stack.intake_url, obligation["agency_id"]))
        forbidden = canaries.not_allowed(disclosure["disclosed_fields"])
        assert forbidden, "the allow-list withholds something"
        leaked = {f: m for f, m in forbidden.items() if m in received}
        assert not leaked, (
            f"{obligation['agency_id']} received fields beyond its allow-list: {sorted(leaked)}"
        )
        allowed = set(canaries.markers()) - set(forbidden.values())
        assert any(m in received for m in allowed), "the agency received the allowed fields"
