"""A practitioner's reports: the list of their own cases, and a new report (choose the
jurisdiction and kind, then one form with the opening and the grounds the kind's policy asks).

The list is the only page that reads the database itself, and only the caller's own case ids
(their case assignments); every status on it comes from the API.
"""

from __future__ import annotations

import asyncio
from datetime import date

import httpx
from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from dutyflow.domain.policy import PolicyLibrary
from dutyflow.store.db import SessionFactory
from dutyflow.store.tables import CaseAssignment
from dutyflow.web import forms, submitted
from dutyflow.web.api_client import ApiDep, segment
from dutyflow.web.catalogue import Catalogue
from dutyflow.web.config import CatalogueDep, DatabaseDep, PagesDep, PoliciesDep
from dutyflow.web.pages import Pages, redirect
from dutyflow.web.practitioner.case import CasePageDep
from dutyflow.web.refusals import FormState, problems_of, state_from
from dutyflow.web.routing import PageRoute
from dutyflow.web.session import WebSession
from dutyflow.web.signed_in import Posted, PractitionerSession
from dutyflow.web.times import zone_name

LISTED_CASES = 50

router = APIRouter(route_class=PageRoute)


def own_case_ids(database: SessionFactory, practitioner_id: str) -> list[str]:
    """The ids of the practitioner's own cases, the newest first (only ids: each status is then
    asked of the API)."""
    with database() as db:
        return list(
            db.exec(
                select(CaseAssignment.case_id)
                .where(CaseAssignment.practitioner_id == practitioner_id)
                .order_by(col(CaseAssignment.assigned_at).desc())
                .limit(LISTED_CASES)
            ).all()
        )


@router.get("/cases")
async def my_cases(
    session: PractitionerSession, api: ApiDep, pages: PagesDep, database: DatabaseDep
) -> Response:
    case_ids = await run_in_threadpool(own_case_ids, database, session.user_id)
    answers = await asyncio.gather(*(api.get(f"/reports/{segment(c)}") for c in case_ids))
    cases = [a.json() for a in answers if a.status_code == 200]
    return pages.render("practitioner/cases.html.j2", session, title="My cases", cases=cases)


class ReportForm:
    """The form of a new report of one kind in one jurisdiction, as its policy in effect asks."""

    def __init__(self, pages: Pages, policies: PolicyLibrary, jurisdiction: str, kind: str) -> None:
        self.pages = pages
        self.jurisdiction, self.kind = jurisdiction, kind
        self.policy = policies.in_effect(jurisdiction, kind, date.today())
        self.opening = forms.opening_inputs()
        self.grounds = forms.grounds_inputs(self.policy, zone_name())

    def show(self, session: WebSession, state: FormState, status_code: int = 200) -> HTMLResponse:
        return self.pages.render(
            "practitioner/report_form.html.j2",
            session,
            status_code=status_code,
            title=f"New report: {self.policy.title}",
            policy=self.policy,
            jurisdiction=self.jurisdiction,
            kind=self.kind,
            opening=self.opening,
            grounds=self.grounds,
            state=state,
        )


def offered(catalogue: Catalogue, jurisdiction: str, kind: str) -> bool:
    return kind in catalogue.get(jurisdiction, [])


@router.get("/reports/new")
async def new_report(
    session: PractitionerSession,
    pages: PagesDep,
    policies: PoliciesDep,
    catalogue: CatalogueDep,
    jurisdiction: str = "",
    kind: str = "",
) -> Response:
    """The choice of jurisdiction and kind, then (both chosen) the report's form."""
    if offered(catalogue, jurisdiction, kind):
        return ReportForm(pages, policies, jurisdiction, kind).show(session, FormState())
    return pages.render(
        "practitioner/choose.html.j2",
        session,
        title="New report",
        catalogue=catalogue,
        jurisdiction=jurisdiction,
        kind=kind,
    )


async def wait_for_grounds_stage(api: httpx.AsyncClient, case_id: str) -> None:
    """Until the new case's workflow is ready for its grounds (it starts in 'opening')."""
    for _ in range(100):
        answer = await api.get(f"/reports/{segment(case_id)}")
        if answer.status_code == 200 and answer.json()["stage"] != "opening":
            return
        await asyncio.sleep(0.1)


@router.post("/reports")
async def open_report(
    posted: Posted,
    api: ApiDep,
    pages: PagesDep,
    policies: PoliciesDep,
    catalogue: CatalogueDep,
    case_page: CasePageDep,
) -> Response:
    """Opens the case, then sends its grounds; a refused opening shows the form again, refused
    grounds show on the (open) case's page."""
    session = posted.session
    if session.role != "practitioner":
        return pages.refused(session, "Only a practitioner opens a report.", 403)
    jurisdiction, kind = posted.value("jurisdiction"), posted.value("kind")
    if not offered(catalogue, jurisdiction, kind):
        return redirect("/reports/new")
    form = ReportForm(pages, policies, jurisdiction, kind)
    opening = submitted.nest(form.opening, posted.fields)
    opening.setdefault("reporter", {})
    body = {
        "jurisdiction": jurisdiction,
        "kind": kind,
        "practitioner_id": session.user_id,
        "clinic_id": session.clinic_id,
        "county": "",
        "client_id": "",
        **opening,
    }
    answer = await api.post("/reports", json=body)
    if answer.status_code != 201:
        inputs = [i.name for i in form.opening + form.grounds]
        return form.show(session, state_from(posted.fields, problems_of(answer), inputs), 422)
    case_id = answer.json()["case_id"]
    await wait_for_grounds_stage(api, case_id)
    grounds = await api.post(
        f"/reports/{segment(case_id)}/grounds", json=submitted.nest(form.grounds, posted.fields)
    )
    if grounds.status_code != 200:
        # The case is open; its grounds are asked again on the case's own page.
        state = state_from(posted.fields, problems_of(grounds), [i.name for i in form.grounds])
        return await case_page.show(session, case_id, grounds_state=state, status_code=422)
    return redirect(f"/cases/{segment(case_id)}")
