"""The client's privacy notice, from a case's page: the notice in effect for the case's
jurisdiction, to print or show the client, and the record that the client was given it and
acknowledged it (signed or orally). The acknowledgement never holds up a report; it is recorded
for the client, for every case of theirs.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from dutyflow.web.api_client import ApiDep, segment
from dutyflow.web.config import PagesDep
from dutyflow.web.pages import PAGE_HEADERS, redirect
from dutyflow.web.practitioner.case import NOT_YOURS, CasePageDep
from dutyflow.web.refusals import problems_of, problems_text, state_from
from dutyflow.web.routing import PageRoute
from dutyflow.web.session import WebSession
from dutyflow.web.signed_in import Posted, SignedIn

ACKNOWLEDGEMENT_INPUTS = ("notice_version", "given_on", "how", "note")

NoticeGiver = Annotated[WebSession, Depends(SignedIn("practitioner", "supervisor"))]

router = APIRouter(route_class=PageRoute)


async def case_client(api: httpx.AsyncClient, case_id: str) -> tuple[str, str] | None:
    """The case's client id and jurisdiction, if the caller may read the case."""
    state, status = await asyncio.gather(
        api.get(f"/reports/{segment(case_id)}/privacy-notice"),
        api.get(f"/reports/{segment(case_id)}"),
    )
    if state.status_code != 200 or status.status_code != 200:
        return None
    return state.json()["client_id"], status.json()["jurisdiction"]


@router.get("/cases/{case_id}/privacy-notice")
async def notice_for_client(
    case_id: str, session: NoticeGiver, api: ApiDep, pages: PagesDep, language: str = ""
) -> Response:
    """The notice in effect for the case's jurisdiction, to print or show the client, in the
    client's ``language`` where a checked translation exists (otherwise in English, saying so)."""
    found = await case_client(api, case_id)
    if found is None:
        return pages.refused(session, NOT_YOURS, 404)
    client_id, jurisdiction = found
    answer = await api.get(
        f"/clients/{segment(client_id)}/privacy-notice",
        params={"jurisdiction": jurisdiction, **({"language": language} if language else {})},
    )
    if answer.status_code != 200:
        return pages.refused(
            session, f"No privacy notice can be given: {problems_text(answer)}", answer.status_code
        )
    return HTMLResponse(answer.text, headers=PAGE_HEADERS)


@router.post("/cases/{case_id}/privacy-notice-acknowledgement")
async def record_notice_acknowledgement(
    case_id: str, posted: Posted, api: ApiDep, case_page: CasePageDep
) -> Response:
    """That the client was given the notice and acknowledged it; a refusal is shown next to the
    acknowledgement's inputs on the case page."""
    found = await case_client(api, case_id)
    if found is None:
        return case_page.pages.refused(
            posted.session, "There is no such case, or it is not yours.", 404
        )
    client_id, jurisdiction = found
    answer = await api.post(
        f"/clients/{segment(client_id)}/privacy-notice-acknowledgements",
        json={
            "jurisdiction": jurisdiction,
            "notice_version": posted.value("notice_version"),
            "given_on": posted.value("given_on") or None,
            "how": posted.value("how") or None,
            "note": posted.optional("note"),
        },
    )
    if answer.status_code != 201:
        state = state_from(posted.fields, problems_of(answer), ACKNOWLEDGEMENT_INPUTS)
        return await case_page.show(
            posted.session,
            case_id,
            step_states={"privacy-notice:": state},
            status_code=answer.status_code,
        )
    return redirect(f"/cases/{segment(case_id)}")
