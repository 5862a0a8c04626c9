"""The accounting of disclosures holds exactly the disclosures the workflow made: no more, no
fewer, per client, through the API and the command."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from dutyflow.demo import example_case as scenario
from tests.conftest import Callers
from tests.reporting import (
    document_grounds,
    ok,
    open_report,
    submit_report,
    wait_for_stage,
)

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = pytest.mark.one_database

DUTYFLOW = Path(sys.executable).parent / "dutyflow"


async def report_for(api: httpx.AsyncClient, client_id: str) -> str:
    case_id = await submit_report(api, client_id=client_id)
    await wait_for_stage(api, case_id, "closed")
    return case_id


async def test_accounting_lists_exactly_the_disclosures_made_for_the_client(
    api: httpx.AsyncClient, database_url: str, callers: Callers
) -> None:
    client, other = f"client-{uuid.uuid4().hex[:10]}", f"client-{uuid.uuid4().hex[:10]}"
    mine = {await report_for(api, client), await report_for(api, client)}
    await report_for(api, other)
    unfinished = await open_report(api, client_id=client)  # opened, never disclosed
    await document_grounds(api, unfinished, scenario.grounds_submission())

    officer = callers.new("compliance")
    statement = ok(await officer.http.get(f"/accounting/{client}", params={"view": "compliance"}))

    lines = statement["lines"]
    assert {line["case_id"] for line in lines} == mine
    for line in lines:
        assert line["recipient_name"] == "Demo County Child Welfare Services"
        assert line["recipient_address"] and line["purpose"] and line["legal_basis"]
        assert "Suspected Child Abuse Report" in line["information_disclosed"]

    env = {**os.environ, "DUTYFLOW_DATABASE_URL": database_url}
    result = await asyncio.to_thread(
        subprocess.run,
        [str(DUTYFLOW), "accounting", "--client", client, "--format", "csv"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 2
    assert all("Sam Example" not in value for row in rows for value in row.values())
