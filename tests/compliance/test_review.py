"""What a compliance officer relies on, years later: a case's timeline merging Temporal history
with the audit log; lists of overdue and at-risk cases; and an audit trail that outlives the
workflow history."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import select
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DeleteWorkflowExecutionRequest

from dutyflow.demo import example_case as scenario
from dutyflow.store.tables import AccountingEntry
from tests.conftest import Callers
from tests.reporting import (
    confirm,
    document_grounds,
    ok,
    open_report_as,
    record_phone_report,
    report_end_to_end,
    wait_for_stage,
)
from tests.test_mandated_report import WITHHELD_MARKERS, grounds_with_markers

DUTYFLOW = Path(sys.executable).parent / "dutyflow"


def grounds_formed_hours_ago(hours: float) -> dict:
    body = scenario.grounds_submission()
    body["grounds"]["suspicion_formed_at"] = (
        datetime.now(UTC) - timedelta(hours=hours)
    ).isoformat()
    return body


async def wait_for_listing(api: httpx.AsyncClient, params: dict, expected: set[str]) -> list[dict]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while True:
        listed = ok(await api.get("/compliance/cases", params=params))
        if {c["case_id"] for c in listed} == expected:
            return listed
        assert loop.time() < deadline, f"visibility shows {listed}, expected {expected}"
        await asyncio.sleep(0.1)


async def test_timeline_merges_history_and_audit_and_says_what_went_to_whom(
    api, stack, callers
) -> None:
    status = await report_end_to_end(api, grounds_with_markers())
    officer = callers.new("compliance")

    timeline = ok(await officer.http.get(f"/compliance/cases/{status['case_id']}/timeline"))

    assert timeline["history_available"] is True
    temporal = [(e["event"], e["details"]) for e in timeline["events"] if e["source"] == "temporal"]
    assert ("WorkflowExecutionUpdateAccepted", {"update": "document_grounds"}) in temporal
    assert ("ActivityTaskScheduled", {"activity": "deliver_report"}) in temporal
    audit = [e["event"] for e in timeline["events"] if e["source"] == "audit"]
    assert audit.index("report-confirmed") < audit.index("report-delivered")
    [disclosure] = timeline["disclosures"]
    assert disclosure["agency_name"] == "Demo County Child Welfare Services"
    assert set(WITHHELD_MARKERS) <= set(disclosure["withheld_fields"])
    assert disclosure["on_time"] is True and timeline["deadlines_met"] is True
    times = [e["at"] for e in timeline["events"]]
    assert times == sorted(times)
    for marker in WITHHELD_MARKERS.values():
        assert marker not in str(timeline)


async def test_audit_and_accounting_outlive_the_temporal_history(
    api, stack, database_url, callers
) -> None:
    if database_url.startswith("postgresql"):
        pytest.skip("about Temporal's retention; the dev server takes ~30 s to delete, run it once")
    status = await report_end_to_end(api)
    officer = callers.new("compliance")
    case_id = status["case_id"]

    await stack.client.workflow_service.delete_workflow_execution(
        DeleteWorkflowExecutionRequest(
            namespace=stack.client.namespace,
            workflow_execution=WorkflowExecution(workflow_id=case_id),
        )
    )

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 120  # the dev server deletes asynchronously (about 30 s here)
    while (timeline := ok(await officer.http.get(f"/compliance/cases/{case_id}/timeline")))[
        "history_available"
    ]:
        assert loop.time() < deadline, "the history was not deleted"
        await asyncio.sleep(0.5)
    assert {e["source"] for e in timeline["events"]} == {"audit"}
    assert "report-delivered" in [e["event"] for e in timeline["events"]]
    assert timeline["deadlines_met"] is True
    with stack.sessions() as session:
        assert session.exec(select(AccountingEntry).where(AccountingEntry.case_id == case_id)).one()


async def test_overdue_and_at_risk_cases_are_listed_by_clinic(
    api: httpx.AsyncClient, callers: Callers
) -> None:
    clinic = f"clinic-{uuid.uuid4().hex[:12]}"
    practitioner, officer = callers.new("practitioner", clinic_id=clinic), callers.new("compliance")
    overdue = await open_report_as(practitioner)
    await document_grounds(practitioner.http, overdue, grounds_formed_hours_ago(40))
    # The other two made their phone report: only their written reports are still owed.
    at_risk = await open_report_as(practitioner)
    await document_grounds(practitioner.http, at_risk, grounds_formed_hours_ago(30))
    await record_phone_report(practitioner.http, at_risk)
    comfortable = await open_report_as(practitioner)
    await document_grounds(practitioner.http, comfortable, grounds_formed_hours_ago(2))
    await record_phone_report(practitioner.http, comfortable)

    [listed] = await wait_for_listing(
        officer.http, {"clinic": clinic, "overdue": "true"}, {overdue}
    )
    assert listed["overdue"] is True and listed["stage"] == "awaiting-phone-report"
    await wait_for_listing(officer.http, {"clinic": clinic, "at_risk_within_hours": 12}, {at_risk})
    await wait_for_listing(
        officer.http, {"clinic": clinic, "stage": "awaiting-phone-report"}, {overdue}
    )
    await wait_for_listing(
        officer.http, {"clinic": clinic, "stage": "awaiting-confirmation"}, {at_risk, comfortable}
    )


async def test_closed_cases_leave_the_open_list(api: httpx.AsyncClient, callers: Callers) -> None:
    clinic = f"clinic-{uuid.uuid4().hex[:12]}"
    practitioner, officer = callers.new("practitioner", clinic_id=clinic), callers.new("compliance")
    case_id = await open_report_as(practitioner)
    await wait_for_stage(practitioner.http, case_id, "awaiting-grounds")
    await wait_for_listing(officer.http, {"clinic": clinic}, {case_id})

    await document_grounds(practitioner.http, case_id, scenario.grounds_submission())
    await record_phone_report(practitioner.http, case_id)
    await confirm(practitioner.http, case_id)
    await wait_for_stage(practitioner.http, case_id, "closed")

    await wait_for_listing(officer.http, {"clinic": clinic}, set())
    await wait_for_listing(officer.http, {"clinic": clinic, "include_closed": "true"}, {case_id})


async def test_a_list_filter_that_could_inject_a_query_is_refused(
    api: httpx.AsyncClient, callers: Callers
) -> None:
    officer = callers.new("compliance")
    response = await officer.http.get(
        "/compliance/cases", params={"clinic": 'x" OR WorkflowType != "'}
    )

    assert response.status_code == 422
    assert [p["field"] for p in response.json()["errors"]] == ["clinic"]


async def test_timeline_command_prints_the_case_for_an_auditor(
    api, stack, database_url: str, temporal_address: str, key_environment: dict[str, str]
) -> None:
    status = await report_end_to_end(api)
    env = {
        **os.environ,
        "DUTYFLOW_TEMPORAL_ADDRESS": temporal_address,
        "DUTYFLOW_DATABASE_URL": database_url,
        **key_environment,
    }

    result = await asyncio.to_thread(
        subprocess.run,
        [str(DUTYFLOW), "timeline", status["case_id"]],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert "Disclosure to Demo County Child Welfare Services" in result.stdout
    assert "(on time)" in result.stdout
    assert (
        "WorkflowExecutionUpdateAccepted" in result.stdout and "report-delivered" in result.stdout
    )


async def test_each_real_disclosure_exports_as_valid_fhir(api: httpx.AsyncClient) -> None:
    from fhir.resources.R4B.bundle import Bundle

    status = await report_end_to_end(api, grounds_with_markers())

    exported = ok(await api.get(f"/reports/{status['case_id']}/fhir"))

    bundle = Bundle.model_validate(exported)
    kinds = sorted(entry.resource.get_resource_type() for entry in bundle.entry)
    assert kinds.count("AuditEvent") == 1 and kinds.count("Provenance") == 1
    assert "Consent" not in kinds
    for marker in [*WITHHELD_MARKERS.values(), "Sam Example"]:
        assert marker not in str(exported)
