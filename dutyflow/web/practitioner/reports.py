"""A practitioner's reports: the list of their own cases, and a new report (choose the
jurisdiction and kind, then one form with the opening and the grounds the kind's policy asks).
A new report is post/redirect/get: the form carries a one-time token, so a reload or a double
click never opens a second case.

The list is the only page that reads the database itself, and only the caller's own case ids
(their case assignments); every status on it comes from the API.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, date, datetime

import httpx
from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from dutyflow.domain.policy import PolicyLibrary
from dutyflow.domain.submission_check import report_form_problems
from dutyflow.domain.training import TrainingRequirement
from dutyflow.store.db import SessionFactory
from dutyflow.store.tables import CaseAssignment
from dutyflow.web import answer_items, forms, profile, submitted
from dutyflow.web.api_client import ApiDep, segment
from dutyflow.web.case_titles import case_title
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
# The hidden input carrying a report form's one-time token (the API's idempotency key).
OPENING_TOKEN = "opening_token"

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
    headings = await asyncio.gather(*(api.get(f"/reports/{segment(c)}/heading") for c in case_ids))
    cases = [
        {**a.json(), "title": case_title(h.json() if h.status_code == 200 else None, c)}
        for c, a, h in zip(case_ids, answers, headings, strict=True)
        if a.status_code == 200
    ]
    return pages.render("practitioner/cases.html.j2", session, title="My cases", cases=cases)


class ReportForm:
    """The form of a new report of one kind in one jurisdiction, as its policy in effect asks."""

    def __init__(self, pages: Pages, policies: PolicyLibrary, jurisdiction: str, kind: str) -> None:
        self.pages = pages
        self.jurisdiction, self.kind = jurisdiction, kind
        self.policy = policies.in_effect(jurisdiction, kind, date.today())
        self.opening = forms.opening_inputs()
        self.grounds = forms.grounds_inputs(self.policy, zone_name())

    def show(
        self,
        session: WebSession,
        state: FormState,
        status_code: int = 200,
        *,
        missing_training: list[TrainingRequirement] | None = None,
    ) -> HTMLResponse:
        """The form; ``state`` re-shows submitted values and problems. Its one-time opening token
        is kept when shown again, so the same form never opens two cases. ``missing_training``:
        the training the law asks of such a report that the practitioner has not recorded (a
        warning above the form, never a block)."""
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
            opening_token=state.value(OPENING_TOKEN) or secrets.token_urlsafe(24),
            missing_training=missing_training or [],
        )


def offered(catalogue: Catalogue, jurisdiction: str, kind: str) -> bool:
    return kind in catalogue.get(jurisdiction, [])


@router.get("/reports/new")
async def new_report(
    session: PractitionerSession,
    api: ApiDep,
    pages: PagesDep,
    policies: PoliciesDep,
    catalogue: CatalogueDep,
    jurisdiction: str = "",
    kind: str = "",
) -> Response:
    """The choice of jurisdiction and kind, then (both chosen) the report's form, its reporter
    section filled in from the practitioner's profile (still theirs to change on this report),
    with a warning where the law asks for training the profile does not record."""
    if offered(catalogue, jurisdiction, kind):
        prefill, missing = await asyncio.gather(
            profile.prefill_of(api), profile.missing_training(api, jurisdiction, kind)
        )
        form = ReportForm(pages, policies, jurisdiction, kind)
        return form.show(session, FormState(values=prefill), missing_training=missing)
    return pages.render(
        "practitioner/choose.html.j2",
        session,
        title="New report",
        catalogue=catalogue,
        jurisdiction=jurisdiction,
        kind=kind,
    )


async def stage_after_opening(api: httpx.AsyncClient, case_id: str) -> str:
    """The new case's stage once its workflow has left 'opening' (or 'opening' if it has not
    yet: the case page then shows it busy)."""
    stage = "opening"
    for _ in range(100):
        answer = await api.get(f"/reports/{segment(case_id)}")
        if answer.status_code == 200:
            stage = answer.json()["stage"]
            if stage != "opening":
                return stage
        await asyncio.sleep(0.1)
    return stage


async def grounds_recorded(api: httpx.AsyncClient, case_id: str) -> bool:
    """Whether the case has its grounds (it moves past awaiting them within a few seconds when
    another request of the same form is recording them)."""
    for _ in range(50):
        answer = await api.get(f"/reports/{segment(case_id)}")
        if answer.status_code == 200 and answer.json()["stage"] not in (
            "opening",
            "awaiting-grounds",
        ):
            return True
        await asyncio.sleep(0.1)
    return False


@router.post("/reports")
async def open_report(
    posted: Posted,
    api: ApiDep,
    pages: PagesDep,
    policies: PoliciesDep,
    catalogue: CatalogueDep,
    case_page: CasePageDep,
) -> Response:
    """Checks the whole form first (every problem at once; a refused form opens nothing), opens
    the case under the form's one-time token (the same form again finds the same case), sends
    its grounds and redirects to the case's page. "Add another" and "remove" show the form
    again with every typed value."""
    session = posted.session
    if session.role != "practitioner":
        return pages.refused(session, "Only a practitioner opens a report.", 403)
    jurisdiction, kind = posted.value("jurisdiction"), posted.value("kind")
    if not offered(catalogue, jurisdiction, kind):
        return redirect("/reports/new")
    form = ReportForm(pages, policies, jurisdiction, kind)

    async def again(state: FormState, status_code: int = 200) -> HTMLResponse:
        """The form shown again, with its training warning as when first shown."""
        missing = await profile.missing_training(api, jurisdiction, kind)
        return form.show(session, state, status_code, missing_training=missing)

    if answer_items.asked_to_change_items(posted.fields):
        # "Add another person" or "remove": the same form again, every typed value kept.
        changed = answer_items.items_changed(form.grounds, posted.fields)
        return await again(FormState(values=changed))
    fields = answer_items.without_empty_items(form.grounds, posted.fields)
    inputs = [i.name for i in forms.shown_inputs(form.opening + form.grounds, fields)]
    opening = submitted.nest(form.opening, fields)
    body = {
        "jurisdiction": jurisdiction,
        "kind": kind,
        "practitioner_id": session.user_id,
        "clinic_id": session.clinic_id,
        "county": "",
        "client_id": "",
        **opening,
    }
    grounds = submitted.nest(form.grounds, fields)
    # Everything wrong at once, and a form that would be refused opens no case.
    problems = report_form_problems(body, grounds, datetime.now(UTC), form.policy)
    if problems:
        refused = [p.model_dump() for p in problems]
        return await again(state_from(fields, refused, inputs), 422)
    body["idempotency_key"] = posted.value(OPENING_TOKEN) or None
    answer = await api.post("/reports", json=body)
    if answer.status_code not in (200, 201):
        return await again(state_from(fields, problems_of(answer), inputs), 422)
    case_id = answer.json()["case_id"]
    # The same form again (a reload, a double click) finds its case, grounds recorded or not.
    if await stage_after_opening(api, case_id) == "awaiting-grounds":
        recorded = await api.post(f"/reports/{segment(case_id)}/grounds", json=grounds)
        # Refused because the same form, sent twice at once, recorded them first: done.
        if recorded.status_code != 200 and not await grounds_recorded(api, case_id):
            # The case is open; its grounds are asked again on the case's own page.
            state = state_from(fields, problems_of(recorded), inputs)
            return await case_page.show(session, case_id, grounds_state=state, status_code=422)
    return redirect(f"/cases/{segment(case_id)}")
