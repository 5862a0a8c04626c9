"""The clinician's steps on a case, each a form of the case page sent to the API's
``POST /reports/{case_id}/{step}``: the statutory phone report, the confirmation of the reviewed
report, a disclosure decision, a contact attempt, the decision to inform the client, a retried
delivery, the reference an agency gave, a field revealed to the supervisor, and disclosure
exceptions (asked for, and decided by a second person). A refusal is shown on the case page,
next to the inputs of that step's form.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from dutyflow.web.api_client import segment
from dutyflow.web.pages import redirect
from dutyflow.web.practitioner.case import CasePage, CasePageDep
from dutyflow.web.refusals import FormState, problems_of, state_from
from dutyflow.web.routing import PageRoute
from dutyflow.web.signed_in import Posted, PostedForm

router = APIRouter(route_class=PageRoute)


async def send_step(
    case_page: CasePage,
    case_id: str,
    step: str,
    posted: PostedForm,
    body: dict[str, Any],
    inputs: list[str],
) -> Response:
    """``body`` sent to ``POST /reports/{case_id}/{step}``; on a refusal, the case page again
    with the problems next to ``inputs`` of the step's form (by step and recipient)."""
    answer = await case_page.api.post(f"/reports/{segment(case_id)}/{segment(step)}", json=body)
    if answer.status_code >= 300:
        key = f"{step}:{posted.value('recipient_id')}"
        state = state_from(posted.fields, problems_of(answer), inputs)
        return await case_page.show(
            posted.session, case_id, step_states={key: state}, status_code=answer.status_code
        )
    return redirect(f"/cases/{segment(case_id)}")


@router.post("/cases/{case_id}/phone-report")
async def phone_report(case_id: str, posted: Posted, case_page: CasePageDep) -> Response:
    body = {
        "agency_name": posted.value("agency_name"),
        "official_name": posted.value("official_name"),
        "official_title": posted.optional("official_title"),
        "phone_number": posted.value("phone_number"),
        "reference_number": posted.optional("reference_number"),
        "made_at": posted.instant("made_at"),
    }
    return await send_step(case_page, case_id, "phone-report", posted, body, list(body))


@router.post("/cases/{case_id}/confirm")
async def confirm(case_id: str, posted: Posted, case_page: CasePageDep) -> Response:
    body = {
        "practitioner_id": posted.session.user_id,
        "review_sha256": posted.value("review_sha256"),
    }
    return await send_step(case_page, case_id, "confirm", posted, body, ["review_sha256"])


@router.post("/cases/{case_id}/disclosure-decisions")
async def disclosure_decision(case_id: str, posted: Posted, case_page: CasePageDep) -> Response:
    body = {
        "practitioner_id": posted.session.user_id,
        "recipient_id": posted.value("recipient_id"),
        "decision": posted.value("decision"),
        "reasons": posted.value("reasons"),
    }
    inputs = ["decision", "reasons"]
    return await send_step(case_page, case_id, "disclosure-decisions", posted, body, inputs)


@router.post("/cases/{case_id}/contact-attempts")
async def contact_attempt(case_id: str, posted: Posted, case_page: CasePageDep) -> Response:
    body = {
        "practitioner_id": posted.session.user_id,
        "recipient_id": posted.value("recipient_id"),
        "channel": posted.value("channel"),
        "outcome": posted.value("outcome"),
        "attempted_at": posted.instant("attempted_at"),
        "efforts_exhausted": posted.value("efforts_exhausted") == "yes",
        "spoke_with": posted.optional("spoke_with"),
        "reference_number": posted.optional("reference_number"),
        "notes": posted.optional("notes"),
    }
    inputs = ["channel", "outcome", "attempted_at", "spoke_with", "reference_number", "notes"]
    return await send_step(case_page, case_id, "contact-attempts", posted, body, inputs)


@router.post("/cases/{case_id}/inform-client")
async def inform_client(case_id: str, posted: Posted, case_page: CasePageDep) -> Response:
    informed = posted.value("informed")
    body = {
        "practitioner_id": posted.session.user_id,
        "informed": {"yes": True, "no": False}.get(informed, informed or None),
        "informed_at": posted.instant("informed_at"),
        "method": posted.optional("method"),
        "exception": posted.optional("exception"),
        "reasons": posted.optional("reasons"),
    }
    inputs = ["informed", "informed_at", "method", "exception", "reasons"]
    return await send_step(case_page, case_id, "inform-client", posted, body, inputs)


@router.post("/cases/{case_id}/retry-delivery")
async def retry_delivery(case_id: str, posted: Posted, case_page: CasePageDep) -> Response:
    body = {
        "practitioner_id": posted.session.user_id,
        "recipient_id": posted.value("recipient_id"),
    }
    return await send_step(case_page, case_id, "retry-delivery", posted, body, [])


@router.post("/cases/{case_id}/agency-reference")
async def record_agency_reference(case_id: str, posted: Posted, case_page: CasePageDep) -> Response:
    body = {
        "practitioner_id": posted.session.user_id,
        "report_id": posted.value("report_id"),
        "reference_number": posted.value("reference_number"),
    }
    return await send_step(
        case_page, case_id, "agency-reference", posted, body, ["reference_number"]
    )


@router.post("/cases/{case_id}/supervision-reveals")
async def reveal_to_supervisor(case_id: str, posted: Posted, case_page: CasePageDep) -> Response:
    """The practitioner shows their supervisor fields the de-identified view hides."""
    body = {"fields": posted.chosen("fields"), "reason": posted.value("reason")}
    inputs = ["fields", "reason"]
    return await send_step(case_page, case_id, "supervision/reveals", posted, body, inputs)


@router.post("/cases/{case_id}/exceptions")
async def ask_for_exception(case_id: str, posted: Posted, case_page: CasePageDep) -> Response:
    """Fields beyond a recipient's allow-list, with a written justification: pending until a
    second person decides."""
    body = {
        "recipient_id": posted.value("recipient_id"),
        "fields": posted.chosen("fields"),
        "justification": posted.value("justification"),
    }
    inputs = ["fields", "justification"]
    return await send_step(case_page, case_id, "exceptions", posted, body, inputs)


@router.post("/cases/{case_id}/exceptions/{exception_id}/decision")
async def decide_exception(
    case_id: str, exception_id: str, posted: Posted, case_page: CasePageDep
) -> Response:
    """A second person (the clinic's supervisor or compliance) approves or refuses; the API
    refuses whoever asked, and its refusal is shown with that exception."""
    key = f"exception-decision:{exception_id}"
    decision = posted.value("decision")
    if decision not in ("approve", "refuse"):
        state = FormState(values=posted.fields, general=["Choose whether to approve or refuse it."])
        return await case_page.show(
            posted.session, case_id, step_states={key: state}, status_code=422
        )
    answer = await case_page.api.post(
        f"/reports/{segment(case_id)}/exceptions/{segment(exception_id)}/{segment(decision)}",
        json={"note": posted.optional("note")},
    )
    if answer.status_code >= 300:
        state = state_from(posted.fields, problems_of(answer), ["note"])
        return await case_page.show(
            posted.session, case_id, step_states={key: state}, status_code=answer.status_code
        )
    return redirect(f"/cases/{segment(case_id)}")
