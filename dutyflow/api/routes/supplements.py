"""Supplemental reports on a delivered case.

    POST /reports/{case_id}/supplements   the practitioner's new or changed answers, in the shape
                                          of the grounds form; merged into the grounds as they
                                          stand, checked as grounds are, and sent to the same
                                          recipients marked "Supplemental to <reference>"

Refused before Temporal sees it (422, naming the field, never the value, nothing recorded): an
answer the form has no place for, a change to when the suspicion was formed, nothing new. The
case's workflow has the last word (409 before the report was delivered, or once the case closed).
A case whose agency takes reports by portal, fax, post or e-mail is refused (409): supplements
are delivered by intake API only.
An ``Idempotency-Key`` header makes a retried request the same supplement.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from dutyflow.api.case_workflow import case_status, earlier_update
from dutyflow.api.deps import PoliciesDep, SessionsDep, TemporalDep, WritableCase
from dutyflow.api.errors import Refusal, field_refusal
from dutyflow.api.routes.clinician_steps import IdempotencyKey, take_step
from dutyflow.contracts import CaseStatus, SupplementRequest
from dutyflow.domain.case import GroundsSubmission
from dutyflow.domain.supplement import SupplementalAnswers, supplement_problems
from dutyflow.domain.validation import grounds_problems, grounds_rules_for
from dutyflow.store.case_file import CaseNotFound, load_submission
from dutyflow.store.db import SessionFactory
from workflows.mandated_report import MandatedReportWorkflow

router = APIRouter()


def _grounds_as_they_stand(sessions: SessionFactory, case_id: str) -> GroundsSubmission | None:
    with sessions() as session:
        try:
            return load_submission(session, case_id, supplement=-1)
        except CaseNotFound:
            return None


@router.post("/reports/{case_id}/supplements", response_model=CaseStatus)
async def add_supplemental_report(
    case_id: str,
    body: SupplementalAnswers,
    temporal: TemporalDep,
    policies: PoliciesDep,
    sessions: SessionsDep,
    grant: WritableCase,
    idempotency_key: IdempotencyKey = None,
) -> CaseStatus:
    """The case's practitioner adds new information to a delivered report; it goes, limited
    per recipient as the report did, to every agency that received the report, once each."""
    if body.practitioner_id != grant.principal.user_id:
        raise field_refusal("practitioner_id", "must be your own user id", 403)
    if idempotency_key is not None:
        earlier = await earlier_update(temporal, case_id, idempotency_key)
        if earlier is not None:  # sent before: the same supplement, not a second one
            return earlier
    current = await case_status(temporal, case_id)
    grounds = await run_in_threadpool(_grounds_as_they_stand, sessions, case_id)
    if grounds is None or not current.deliveries:
        raise field_refusal(
            "answers", "the case has no delivered report to supplement yet", status_code=409
        )
    delivered = {d.recipient_id for d in current.deliveries}
    by_hand = sorted(
        {
            o.channel
            for o in current.obligations
            if o.recipient_id in delivered and o.channel != "intake-api"
        }
    )
    if by_hand:  # the supplement is delivered by intake API only
        raise field_refusal(
            "answers",
            f"an agency of this case takes reports by {', '.join(by_hand)}: give it the new "
            "information the same way, and record it on the case",
            status_code=409,
        )
    submission, changed, problems = supplement_problems(grounds, body.answers)
    if submission is None or problems:
        raise Refusal(problems)
    if current.policy_version is not None:
        rules = grounds_rules_for(
            policies.version(current.jurisdiction, current.kind, current.policy_version)
        )
        problems = grounds_problems(submission, datetime.now(UTC), None, rules)
    request = SupplementRequest(
        practitioner_id=body.practitioner_id, submission=submission, changed_fields=changed
    )
    return await take_step(
        grant,
        temporal,
        MandatedReportWorkflow.add_supplemental_report,
        request,
        idempotency_key,
        signed_by=body.practitioner_id,
        problems=problems,
    )
