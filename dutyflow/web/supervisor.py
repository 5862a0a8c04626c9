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

from dutyflow.domain.policy import PolicyLibrary
from dutyflow.web.api_client import ApiDep, segment
from dutyflow.web.case_titles import case_title
from dutyflow.web.catalogue import policy_of_case
from dutyflow.web.config import PagesDep, PoliciesDep
from dutyflow.web.pages import Pages, redirect
from dutyflow.web.readable import relevant_paths
from dutyflow.web.refusals import FormState, problems_of, state_from
from dutyflow.web.routing import PageRoute
from dutyflow.web.session import WebSession
from dutyflow.web.signed_in import Posted, SupervisorSession
from dutyflow.web.tasks import escalated_to_me

DECISION_INPUTS = ("decision", "comments")

router = APIRouter(route_class=PageRoute)


@router.get("/supervision")
async def supervision_home(session: SupervisorSession, api: ApiDep, pages: PagesDep) -> Response:
    escalated, queue, cases, unacknowledged, pending = await asyncio.gather(
        escalated_to_me(api),
        api.get("/supervision/consultations"),
        api.get("/compliance/cases"),
        api.get("/compliance/cases-without-privacy-notice"),
        api.get("/supervision/exceptions"),
    )
    return pages.render(
        "supervisor/home.html.j2",
        session,
        title="Consultations and cases",
        escalated=escalated,
        queue=queue.json() if queue.status_code == 200 else [],
        unacknowledged=unacknowledged.json() if unacknowledged.status_code == 200 else [],
        pending=pending.json() if pending.status_code == 200 else [],
        cases=cases.json() if cases.status_code == 200 else [],
        cases_problem=None if cases.status_code == 200 else problems_of(cases),
    )


async def show_consultation(
    api: httpx.AsyncClient,
    pages: Pages,
    policies: PolicyLibrary,
    session: WebSession,
    case_id: str,
    state: FormState | None = None,
    status_code: int = 200,
) -> Response:
    """The consultation's de-identified view and the supervision record, with the decision's
    form (``state`` re-shows a refused one)."""
    view, record, heading = await asyncio.gather(
        api.get(f"/supervision/consultations/{segment(case_id)}"),
        api.get(f"/reports/{segment(case_id)}/supervision"),
        api.get(f"/reports/{segment(case_id)}/heading"),
    )
    if view.status_code != 200:
        return pages.refused(
            session,
            "There is no such consultation for your clinic.",
            view.status_code if view.status_code in (403, 404, 409) else 404,
        )
    shown = view.json()
    policy = policy_of_case(policies, shown)
    return pages.render(
        "supervisor/consultation.html.j2",
        session,
        status_code=status_code,
        title="Consultation: "
        + case_title(heading.json() if heading.status_code == 200 else None, case_id),
        case_id=case_id,
        view=shown,
        relevant=relevant_paths(policy) if policy else None,
        record=record.json() if record.status_code == 200 else None,
        state=state or FormState(),
    )


@router.get("/supervision/{case_id}")
async def consultation(
    case_id: str, session: SupervisorSession, api: ApiDep, pages: PagesDep, policies: PoliciesDep
) -> Response:
    return await show_consultation(api, pages, policies, session, case_id)


@router.post("/supervision/{case_id}/decision")
async def consultation_decision(
    case_id: str, posted: Posted, api: ApiDep, pages: PagesDep, policies: PoliciesDep
) -> Response:
    body = {"decision": posted.value("decision"), "comments": posted.optional("comments")}
    answer = await api.post(f"/supervision/consultations/{segment(case_id)}/decision", json=body)
    if answer.status_code != 200:
        state = state_from(posted.fields, problems_of(answer), DECISION_INPUTS)
        return await show_consultation(
            api, pages, policies, posted.session, case_id, state, answer.status_code
        )
    return redirect("/supervision")
