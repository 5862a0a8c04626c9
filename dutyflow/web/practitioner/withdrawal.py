"""Withdrawing a case that never got its grounds (opened by mistake, a duplicate, no duty after
all): a page of its own with the reason, sent to the API's ``POST /reports/{case_id}/withdraw``.
The API and the case's workflow refuse it once the grounds are recorded; the refusal is shown on
this page, next to its input.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from dutyflow.domain.case import WithdrawalReason
from dutyflow.web.api_client import ApiDep, segment
from dutyflow.web.config import PagesDep
from dutyflow.web.forms import Choice, FormInput
from dutyflow.web.pages import Pages, redirect
from dutyflow.web.practitioner.case import NOT_YOURS, CaseReader
from dutyflow.web.refusals import FormState, problems_of, state_from
from dutyflow.web.routing import PageRoute
from dutyflow.web.session import WebSession
from dutyflow.web.signed_in import Posted

router = APIRouter(route_class=PageRoute)

REASON_WORDS = {
    WithdrawalReason.OPENED_BY_MISTAKE: "Opened by mistake",
    WithdrawalReason.DUPLICATE: "A duplicate of another case",
    WithdrawalReason.NO_DUTY_AFTER_ALL: "On reflection there is no duty to report",
    WithdrawalReason.REPORTED_ANOTHER_WAY: "Reported another way (e.g. by a colleague)",
}
INPUTS = [
    FormInput(
        "reason",
        "Why is the case withdrawn?",
        "choice",
        required=True,
        choices=tuple(Choice(r.value, words) for r, words in REASON_WORDS.items()),
    ),
    FormInput(
        "note",
        "A note for the record (optional)",
        "textarea",
        hint="Kept only as a fingerprint in the audit log: write no case content.",
    ),
]


def show(
    pages: Pages, session: WebSession, case_id: str, state: FormState, status_code: int = 200
) -> Response:
    return pages.render(
        "practitioner/withdraw.html.j2",
        session,
        status_code=status_code,
        title="Withdraw the case",
        case_id=case_id,
        inputs=INPUTS,
        state=state,
    )


@router.get("/cases/{case_id}/withdraw")
async def withdraw_page(
    case_id: str, session: CaseReader, api: ApiDep, pages: PagesDep
) -> Response:
    status = await api.get(f"/reports/{segment(case_id)}")
    if status.status_code != 200:
        return pages.refused(session, NOT_YOURS, 404)
    return show(pages, session, case_id, FormState())


@router.post("/cases/{case_id}/withdraw")
async def withdraw(case_id: str, posted: Posted, api: ApiDep, pages: PagesDep) -> Response:
    body = {
        "practitioner_id": posted.session.user_id,
        "reason": posted.optional("reason"),
        "note": posted.optional("note"),
    }
    answer = await api.post(f"/reports/{segment(case_id)}/withdraw", json=body)
    if answer.status_code >= 300:
        state = state_from(posted.fields, problems_of(answer), [i.name for i in INPUTS])
        return show(pages, posted.session, case_id, state, answer.status_code)
    return redirect(f"/cases/{segment(case_id)}")
