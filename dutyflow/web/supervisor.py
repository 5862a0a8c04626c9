"""The supervisor's pages: the consultations awaiting them, their clinic's cases, the clients
without a privacy notice and the pending disclosure exceptions; a consultation's de-identified
view and their decision on it (approve, or return with comments).

What the supervisor may see of a case (de-identified, what the practitioner revealed) is the
API's to decide; these pages show what it answers.
"""

from __future__ import annotations

import asyncio

import httpx
from fastapi import APIRouter
from fastapi.responses import Response

from dutyflow.web.api_client import ApiDep, segment
from dutyflow.web.config import PagesDep
from dutyflow.web.pages import Pages, redirect
from dutyflow.web.refusals import FormState, problems_of, state_from
from dutyflow.web.routing import PageRoute
from dutyflow.web.session import WebSession
from dutyflow.web.signed_in import Posted, SupervisorSession

DECISION_INPUTS = ("decision", "comments")

router = APIRouter(route_class=PageRoute)


@router.get("/supervision")
async def supervision_home(session: SupervisorSession, api: ApiDep, pages: PagesDep) -> Response:
    queue, cases, unacknowledged, pending = await asyncio.gather(
        api.get("/supervision/consultations"),
        api.get("/compliance/cases"),
        api.get("/compliance/cases-without-privacy-notice"),
        api.get("/supervision/exceptions"),
    )
    return pages.render(
        "supervisor/home.html.j2",
        session,
        title="Consultations and cases",
        queue=queue.json() if queue.status_code == 200 else [],
        unacknowledged=unacknowledged.json() if unacknowledged.status_code == 200 else [],
        pending=pending.json() if pending.status_code == 200 else [],
        cases=cases.json() if cases.status_code == 200 else [],
        cases_problem=None if cases.status_code == 200 else problems_of(cases),
    )


async def show_consultation(
    api: httpx.AsyncClient,
    pages: Pages,
    session: WebSession,
    case_id: str,
    state: FormState | None = None,
    status_code: int = 200,
) -> Response:
    """The consultation's de-identified view and the supervision record, with the decision's
    form (``state`` re-shows a refused one)."""
    view = await api.get(f"/supervision/consultations/{segment(case_id)}")
    record = await api.get(f"/reports/{segment(case_id)}/supervision")
    if view.status_code != 200:
        return pages.refused(
            session,
            "There is no such consultation for your clinic.",
            view.status_code if view.status_code in (403, 404, 409) else 404,
        )
    return pages.render(
        "supervisor/consultation.html.j2",
        session,
        status_code=status_code,
        title=f"Consultation on case {case_id}",
        case_id=case_id,
        view=view.json(),
        record=record.json() if record.status_code == 200 else None,
        state=state or FormState(),
    )


@router.get("/supervision/{case_id}")
async def consultation(
    case_id: str, session: SupervisorSession, api: ApiDep, pages: PagesDep
) -> Response:
    return await show_consultation(api, pages, session, case_id)


@router.post("/supervision/{case_id}/decision")
async def consultation_decision(
    case_id: str, posted: Posted, api: ApiDep, pages: PagesDep
) -> Response:
    body = {"decision": posted.value("decision"), "comments": posted.optional("comments")}
    answer = await api.post(f"/supervision/consultations/{segment(case_id)}/decision", json=body)
    if answer.status_code != 200:
        state = state_from(posted.fields, problems_of(answer), DECISION_INPUTS)
        return await show_consultation(
            api, pages, posted.session, case_id, state, answer.status_code
        )
    return redirect("/supervision")
