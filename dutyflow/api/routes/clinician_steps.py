"""The clinician steps on an open case, each a Temporal Update on the case's workflow.

    POST /reports/{case_id}/grounds                the grounds (or their revision)
    POST /reports/{case_id}/phone-report           the statutory call, made
    POST /reports/{case_id}/confirm                the practitioner confirms the reviewed report
    POST /reports/{case_id}/disclosure-decisions   disclose to, or decline, a permitted recipient
    POST /reports/{case_id}/contact-attempts       one attempt to reach a person, court or agency
    POST /reports/{case_id}/inform-client          the decision to tell the client, or why not
    POST /reports/{case_id}/retry-delivery         deliver again a report an agency refused
    POST /reports/{case_id}/agency-reference       the reference an agency gave, when its
                                                   receipt named none Dutyflow could read
    POST /reports/{case_id}/withdraw               withdraw a case that never got its grounds

Every one goes through `take_step`: the caller may act on the case (its practitioner, or a
supervisor of its clinic: ``WritableCase``), a step signed with a practitioner id is the caller's
own (403), input the API can check is refused before Temporal sees it (422, nothing recorded),
and the workflow's own validator has the last word. An ``Idempotency-Key`` header makes a retried
request the same step.

The endpoints' names are the metrics' step labels (`dutyflow.observability.metrics`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Header
from pydantic import BaseModel
from temporalio.client import Client

from dutyflow.api.case_workflow import CaseUpdate, case_status, update_case
from dutyflow.api.deps import PoliciesDep, TemporalDep, WritableCase
from dutyflow.api.errors import Refusal, field_refusal
from dutyflow.auth.case_access import CaseGrant, acting
from dutyflow.contracts import AgencyReferenceInput, CaseStatus, RetryDelivery
from dutyflow.domain.case import (
    Confirmation,
    ContactAttempt,
    DisclosureDecision,
    GroundsSubmission,
    InformClientStep,
    PhoneReport,
    Withdrawal,
)
from dutyflow.domain.validation import (
    FieldProblem,
    GroundsRules,
    grounds_problems,
    grounds_rules_for,
    phone_report_problems,
)
from workflows.mandated_report import MandatedReportWorkflow

router = APIRouter()

IdempotencyKey = Annotated[str | None, Header(max_length=200)]


async def take_step(
    grant: CaseGrant,
    temporal: Client,
    update: CaseUpdate,
    body: BaseModel,
    idempotency_key: str | None,
    *,
    signed_by: str | None = None,
    problems: Sequence[FieldProblem] = (),
) -> CaseStatus:
    """One clinician step on ``grant``'s case, already allowed to its caller:

    - authorise: a body signed with a practitioner id (``signed_by``) is the caller's own, else
      403; a step signed by nobody is taken by the caller, whom the workflow is told (the audit
      names them);
    - validate: ``problems`` the API found refuse the step (422) before Temporal sees it;
    - send ``update`` to the case's workflow, as one step per ``idempotency_key``;
    - map the workflow's refusal (422, 409) or Temporal's (404, 409, 503) to the answer.
    """
    if signed_by is not None and signed_by != grant.principal.user_id:
        raise field_refusal("practitioner_id", "must be your own user id", 403)
    if problems:
        raise Refusal(list(problems))
    args = (body,) if signed_by is not None else (body, acting(grant.principal))
    return await update_case(
        temporal, grant.case_id, update, *args, actor=acting(grant.principal), key=idempotency_key
    )


@router.post("/reports/{case_id}/grounds", response_model=CaseStatus)
async def document_grounds(
    case_id: str,
    body: GroundsSubmission,
    temporal: TemporalDep,
    policies: PoliciesDep,
    grant: WritableCase,
    idempotency_key: IdempotencyKey = None,
) -> CaseStatus:
    """The case's practitioner, or a supervisor of its clinic, documents the grounds; the
    audit names whoever did."""
    # The questions are the case's kind's, under the policy version it was opened with.
    current = await case_status(temporal, case_id)
    rules = GroundsRules(kind=current.kind)
    if current.policy_version is not None:
        rules = grounds_rules_for(
            policies.version(current.jurisdiction, current.kind, current.policy_version)
        )
    return await take_step(
        grant,
        temporal,
        MandatedReportWorkflow.document_grounds,
        body,
        idempotency_key,
        problems=grounds_problems(body, datetime.now(UTC), None, rules),
    )


@router.post("/reports/{case_id}/phone-report", response_model=CaseStatus)
async def record_phone_report(
    case_id: str,
    body: PhoneReport,
    temporal: TemporalDep,
    grant: WritableCase,
    idempotency_key: IdempotencyKey = None,
) -> CaseStatus:
    """The statutory call, recorded by whoever made it: the case's practitioner, or a
    supervisor of its clinic; the audit names them."""
    return await take_step(
        grant,
        temporal,
        MandatedReportWorkflow.record_phone_report,
        body,
        idempotency_key,
        problems=phone_report_problems(body, datetime.now(UTC), None),
    )


@router.post("/reports/{case_id}/confirm", response_model=CaseStatus)
async def confirm_report(
    case_id: str,
    body: Confirmation,
    temporal: TemporalDep,
    grant: WritableCase,
    idempotency_key: IdempotencyKey = None,
) -> CaseStatus:
    return await take_step(
        grant,
        temporal,
        MandatedReportWorkflow.confirm_report,
        body,
        idempotency_key,
        signed_by=body.practitioner_id,
    )


@router.post("/reports/{case_id}/withdraw", response_model=CaseStatus)
async def withdraw_case(
    case_id: str,
    body: Withdrawal,
    temporal: TemporalDep,
    grant: WritableCase,
    idempotency_key: IdempotencyKey = None,
) -> CaseStatus:
    """The case's practitioner withdraws a case that never got its grounds (nothing was
    disclosed), with the reason; the case closes and the audit says why."""
    return await take_step(
        grant,
        temporal,
        MandatedReportWorkflow.withdraw_case,
        body,
        idempotency_key,
        signed_by=body.practitioner_id,
    )


@router.post("/reports/{case_id}/disclosure-decisions", response_model=CaseStatus)
async def decide_disclosure(
    case_id: str,
    body: DisclosureDecision,
    temporal: TemporalDep,
    grant: WritableCase,
    idempotency_key: IdempotencyKey = None,
) -> CaseStatus:
    """Disclose to, or decline, a recipient the law permits but does not require; the
    reasons are recorded either way."""
    return await take_step(
        grant,
        temporal,
        MandatedReportWorkflow.decide_disclosure,
        body,
        idempotency_key,
        signed_by=body.practitioner_id,
    )


@router.post("/reports/{case_id}/contact-attempts", response_model=CaseStatus)
async def record_contact_attempt(
    case_id: str,
    body: ContactAttempt,
    temporal: TemporalDep,
    grant: WritableCase,
    idempotency_key: IdempotencyKey = None,
) -> CaseStatus:
    """One attempt to reach a potential victim, a support contact, a telephone-only agency,
    a court or a requesting party: every attempt is logged, reached or not."""
    return await take_step(
        grant,
        temporal,
        MandatedReportWorkflow.record_contact_attempt,
        body,
        idempotency_key,
        signed_by=body.practitioner_id,
    )


@router.post("/reports/{case_id}/inform-client", response_model=CaseStatus)
async def record_inform_client_decision(
    case_id: str,
    body: InformClientStep,
    temporal: TemporalDep,
    grant: WritableCase,
    idempotency_key: IdempotencyKey = None,
) -> CaseStatus:
    """The decision to tell the client about the report (45 CFR 164.512(c)(2)), recorded
    either way: informed, or the exception that applies and why."""
    return await take_step(
        grant,
        temporal,
        MandatedReportWorkflow.record_inform_client_decision,
        body,
        idempotency_key,
        signed_by=body.practitioner_id,
    )


@router.post("/reports/{case_id}/retry-delivery", response_model=CaseStatus)
async def retry_delivery(
    case_id: str,
    body: RetryDelivery,
    temporal: TemporalDep,
    grant: WritableCase,
    idempotency_key: IdempotencyKey = None,
) -> CaseStatus:
    return await take_step(
        grant,
        temporal,
        MandatedReportWorkflow.retry_delivery,
        body,
        idempotency_key,
        signed_by=body.practitioner_id,
    )


@router.post("/reports/{case_id}/agency-reference", response_model=CaseStatus)
async def record_agency_reference(
    case_id: str,
    body: AgencyReferenceInput,
    temporal: TemporalDep,
    grant: WritableCase,
    idempotency_key: IdempotencyKey = None,
) -> CaseStatus:
    """The practitioner records the reference an agency gave for a report its intake took
    without naming one Dutyflow could read (the case's ``reference_tasks``); audited."""
    return await take_step(
        grant,
        temporal,
        MandatedReportWorkflow.record_agency_reference,
        body,
        idempotency_key,
        signed_by=body.practitioner_id,
    )
