"""Whoever takes a clinician step is the one the audit names. A supervisor of the case's clinic may
document the grounds and record the statutory call (neither body names anyone): the entries for
those steps name the supervisor, in the role ``supervisor``, never the case's practitioner. When
the practitioner takes them, the entries name the practitioner. A caller of the workflow that does
not say who acts (one from before the actor was passed) is taken to be the case's practitioner."""

from __future__ import annotations

import httpx
import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from dutyflow.contracts import Actor
from dutyflow.crypto.actor_assertion import asserting
from dutyflow.demo import example_case as scenario
from dutyflow.domain.case import GroundsSubmission
from dutyflow.store import audit_log
from dutyflow.store.tables import AuditEntry, GroundsRecord
from tests.conftest import Callers
from tests.kinds import bodies
from tests.reporting import (
    PRACTITIONER,
    document_grounds,
    domain_steps,
    open_report,
    record_phone_report,
    wait_for_stage,
)
from workflows.mandated_report import MandatedReportWorkflow

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = pytest.mark.one_database

CLINIC = scenario.opening_request()["clinic_id"]


def entry_for(stack, case_id: str, step: str) -> AuditEntry:
    with stack.sessions() as session:
        [entry] = [e for e in audit_log.entries_for_case(session, case_id) if e.step == step]
    return entry


async def test_a_supervisor_who_documents_the_grounds_is_the_one_the_audit_names(
    api: httpx.AsyncClient, stack, callers: Callers
) -> None:
    supervisor = callers.new("supervisor", clinic_id=CLINIC)
    case_id = await open_report(api)
    await wait_for_stage(api, case_id, "awaiting-grounds")

    status = await document_grounds(supervisor.http, case_id, scenario.grounds_submission())

    assert status["stage"] == "awaiting-phone-report"
    documented = entry_for(stack, case_id, "grounds-documented")
    assert (documented.actor_id, documented.actor_role) == (supervisor.user_id, "supervisor")
    with stack.sessions() as session:
        grounds = session.get(GroundsRecord, case_id)
        assert grounds is not None and grounds.recorded_by == supervisor.user_id


async def test_a_supervisor_who_records_the_phone_report_is_the_one_the_audit_names(
    api: httpx.AsyncClient, stack, callers: Callers
) -> None:
    supervisor = callers.new("supervisor", clinic_id=CLINIC)
    case_id = await open_report(api)
    await wait_for_stage(api, case_id, "awaiting-grounds")
    await document_grounds(api, case_id, scenario.grounds_submission())
    await wait_for_stage(api, case_id, "awaiting-phone-report")

    await record_phone_report(supervisor.http, case_id)

    phoned = entry_for(stack, case_id, "phone-report-recorded")
    assert (phoned.actor_id, phoned.actor_role) == (supervisor.user_id, "supervisor")
    documented = entry_for(stack, case_id, "grounds-documented")
    assert (documented.actor_id, documented.actor_role) == (PRACTITIONER, "practitioner")


async def test_the_practitioner_who_takes_both_steps_is_the_one_the_audit_names(
    api: httpx.AsyncClient, stack
) -> None:
    case_id = await open_report(api)
    await wait_for_stage(api, case_id, "awaiting-grounds")

    await document_grounds(api, case_id, scenario.grounds_submission())
    await wait_for_stage(api, case_id, "awaiting-phone-report")
    await record_phone_report(api, case_id)

    for step in ("grounds-documented", "phone-report-recorded"):
        entry = entry_for(stack, case_id, step)
        assert (entry.actor_id, entry.actor_role) == (PRACTITIONER, "practitioner"), step


async def test_an_update_that_names_nobody_is_taken_to_be_the_practitioners(
    api: httpx.AsyncClient, stack
) -> None:
    case_id = await open_report(api)
    await wait_for_stage(api, case_id, "awaiting-grounds")
    handle = stack.client.get_workflow_handle_for(MandatedReportWorkflow.run, case_id)

    with asserting(Actor(actor_id=PRACTITIONER, role="practitioner")):
        status = await handle.execute_update(
            MandatedReportWorkflow.document_grounds,
            GroundsSubmission.model_validate(scenario.grounds_submission()),
        )

    assert status.stage == "awaiting-phone-report"
    documented = entry_for(stack, case_id, "grounds-documented")
    assert (documented.actor_id, documented.actor_role) == (PRACTITIONER, "practitioner")


async def test_the_workflow_refuses_grounds_in_another_practitioners_name(
    api: httpx.AsyncClient, stack
) -> None:
    case_id = await open_report(api)
    await wait_for_stage(api, case_id, "awaiting-grounds")
    handle = stack.client.get_workflow_handle_for(MandatedReportWorkflow.run, case_id)
    submission = GroundsSubmission.model_validate(scenario.grounds_submission())
    another = Actor(actor_id="practitioner-9999", role="practitioner")

    with pytest.raises(WorkflowUpdateFailedError) as refused, asserting(another):
        await handle.execute_update(
            MandatedReportWorkflow.document_grounds, args=[submission, another]
        )

    cause = refused.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "InvalidInput"
    assert [problem["field"] for problem in cause.details[0]] == ["actor"]
    with stack.sessions() as session:
        assert session.get(GroundsRecord, case_id) is None
        assert domain_steps(audit_log.entries_for_case(session, case_id)) == ["case-opened"]


async def test_a_supervisor_who_documented_the_grounds_cannot_approve_them_another_supervisor_does(
    api: httpx.AsyncClient, stack, callers: Callers
) -> None:
    author = callers.new("supervisor", clinic_id=CLINIC)
    colleague = callers.new("supervisor", clinic_id=CLINIC)
    case_id = await open_report(api, jurisdiction="GB-ENG", county="Demo Borough")
    await wait_for_stage(api, case_id, "awaiting-grounds")
    status = await document_grounds(author.http, case_id, bodies.gb_child_abuse())
    assert status["stage"] == "awaiting-supervisor"  # England's policy asks for a consultation

    own = await author.http.post(
        f"/supervision/consultations/{case_id}/decision", json={"decision": "approve"}
    )
    assert own.status_code == 422
    assert [p["field"] for p in own.json()["errors"]] == ["supervisor_id"]

    answer = await colleague.http.post(
        f"/supervision/consultations/{case_id}/decision", json={"decision": "approve"}
    )
    assert answer.status_code == 200, answer.text
    approved = entry_for(stack, case_id, "supervisor-consultation-approved")
    assert approved.actor_id == colleague.user_id
