"""Preparing the report for the practitioner's review: each recipient's fields limited (with the
disclosure exceptions approved so far) and its report rendered, and the one hash the
practitioner confirms. The run prepares every recipient before the confirmation; an exception
approved afterwards prepares its recipient again (`supervision_steps`).
"""

from __future__ import annotations

import hashlib

from temporalio import workflow

from workflows.activity_options import record
from workflows.case_state import CaseState

with workflow.unsafe.imports_passed_through():
    from activities.obligations import ObligationActivities
    from activities.reports import ReportActivities
    from dutyflow.contracts import CaseStatus, Obligation, RecipientStep


async def limit_and_render(case: CaseState, obligation: Obligation) -> None:
    """Limit the recipient's fields (with the exceptions approved so far) and render its
    report; again after a later approval, replacing the earlier versions."""
    approvals = case.exceptions.approvals(obligation.recipient_id)
    step = RecipientStep(
        case_id=case.case_id, recipient_id=obligation.recipient_id, additions_revision=approvals
    )
    disclosure = await record(ObligationActivities.limit_disclosure, step)
    case.exceptions.limited(obligation.recipient_id, approvals)
    case.status.disclosures = [
        d for d in case.status.disclosures if d.recipient_id != obligation.recipient_id
    ] + [disclosure]
    if obligation.delivery == "phone-report":
        return  # the statutory call was the whole disclosure
    document = await record(ReportActivities.render_report, step)
    case.status.documents = [
        d for d in case.status.documents if d.recipient_id != obligation.recipient_id
    ] + [document]


def review_sha256(status: CaseStatus) -> str:
    """One hash over every document under review, and over the fields each recipient receives
    (an approved exception may add a field no form section shows): confirming it confirms
    exactly these reports and fields."""
    lines = sorted(f"{d.recipient_id}:{d.sha256}" for d in status.documents)
    lines += sorted(
        f"{d.recipient_id}:fields:{','.join(sorted(d.disclosed_fields))}"
        for d in status.disclosures
    )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()
