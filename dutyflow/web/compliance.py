"""The compliance officer's pages: open, overdue and at-risk cases, clients without a privacy
notice, pending disclosure exceptions and the audit chain's verification; a case's timeline; the
accounting of disclosures of a client, downloaded; and the policies explained (for every signed-in
user, linked from compliance's navigation).

The audit chain's verification is the one read of its own (the whole chain, no case content);
everything else comes from the API.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from dutyflow.contracts import Stage
from dutyflow.domain.log_verification import LogVerification
from dutyflow.domain.policy.explain import explain_policy
from dutyflow.store import audit_log
from dutyflow.store.db import SessionFactory
from dutyflow.web.api_client import ApiDep, segment
from dutyflow.web.case_titles import case_title
from dutyflow.web.catalogue import Catalogue
from dutyflow.web.config import CatalogueDep, DatabaseDep, PagesDep, PoliciesDep
from dutyflow.web.pages import PAGE_HEADERS, Pages
from dutyflow.web.refusals import FormState, problems_of, state_from
from dutyflow.web.routing import PageRoute
from dutyflow.web.session import WebSession
from dutyflow.web.signed_in import AnySession, ComplianceSession, Posted, SignedIn
from dutyflow.web.tasks import escalated_to_me

AT_RISK_WITHIN_HOURS = "24"
ACCOUNTING_FORMATS = ("csv", "html", "json")
# The case search's filters, as the API's case list takes them: categories, never content.
SEARCH_FILTERS = ("jurisdiction", "kind", "stage", "include_closed")

TimelineReader = Annotated[WebSession, Depends(SignedIn("compliance", "supervisor"))]

router = APIRouter(route_class=PageRoute)


class CompliancePage:
    """Renders compliance's home page for the signed-in user."""

    def __init__(
        self, api: ApiDep, pages: PagesDep, database: DatabaseDep, catalogue: CatalogueDep
    ) -> None:
        self.api: httpx.AsyncClient = api
        self.pages: Pages = pages
        self.database: SessionFactory = database
        self.catalogue: Catalogue = catalogue

    def verify_audit_chain(self) -> LogVerification:
        with self.database() as db:
            return audit_log.verify(db)

    async def find(self, search: dict[str, str]) -> tuple[list[Any] | None, FormState]:
        """The cases the search form asks for, open and closed alike when it says so; None when
        nothing was searched. A refused filter is named next to its input."""
        if not search:
            return None, FormState()
        answer = await self.api.get("/compliance/cases", params=search)
        values = {k: [v] for k, v in search.items()}
        if answer.status_code != 200:
            return [], state_from(values, problems_of(answer), [*search])
        return answer.json(), FormState(values=values)

    async def show(
        self,
        session: WebSession,
        state: FormState,
        status_code: int = 200,
        search: dict[str, str] | None = None,
    ) -> Response:
        """The page; ``state`` re-shows a refused accounting request, ``search`` the filters of
        the case search."""
        found, search_state = await self.find(search or {})
        escalated, open_cases, overdue, at_risk, unacknowledged, pending = await asyncio.gather(
            escalated_to_me(self.api),
            self.api.get("/compliance/cases"),
            self.api.get("/compliance/cases", params={"overdue": "true"}),
            self.api.get(
                "/compliance/cases", params={"at_risk_within_hours": AT_RISK_WITHIN_HOURS}
            ),
            self.api.get("/compliance/cases-without-privacy-notice"),
            self.api.get("/supervision/exceptions"),
        )
        chain = await run_in_threadpool(self.verify_audit_chain)
        return self.pages.render(
            "compliance/home.html.j2",
            session,
            status_code=status_code,
            title="Cases and audit",
            escalated=escalated,
            open_cases=open_cases.json() if open_cases.status_code == 200 else [],
            overdue=overdue.json() if overdue.status_code == 200 else [],
            at_risk=at_risk.json() if at_risk.status_code == 200 else [],
            unacknowledged=unacknowledged.json() if unacknowledged.status_code == 200 else [],
            pending=pending.json() if pending.status_code == 200 else [],
            chain=chain,
            state=state,
            catalogue=self.catalogue,
            found=found,
            search=search_state,
            stages=[stage.value for stage in Stage],
        )


CompliancePageDep = Annotated[CompliancePage, Depends(CompliancePage)]


@router.get("/compliance")
async def compliance_home(
    request: Request, session: ComplianceSession, page: CompliancePageDep
) -> Response:
    """The home page; its case search (a GET form: categories only, never case content)."""
    search = {
        name: value
        for name in SEARCH_FILTERS
        if (value := request.query_params.get(name, "").strip())
    }
    return await page.show(session, FormState(), search=search)


@router.get("/compliance/cases/{case_id}")
async def compliance_case(
    case_id: str, session: TimelineReader, api: ApiDep, pages: PagesDep
) -> Response:
    answer, heading = await asyncio.gather(
        api.get(f"/compliance/cases/{segment(case_id)}/timeline"),
        api.get(f"/reports/{segment(case_id)}/heading"),
    )
    if answer.status_code != 200:
        return pages.refused(session, "There is no such case, or it is not yours to see.", 404)
    timeline = answer.json()
    title = case_title(heading.json() if heading.status_code == 200 else None, case_id)
    return pages.render(
        "compliance/timeline.html.j2",
        session,
        title=f"Timeline: {title}",
        case_id=case_id,
        timeline=timeline,
        recipients={d["recipient_id"]: d["agency_name"] for d in timeline["disclosures"]},
    )


@router.post("/compliance/accounting")
async def accounting_export(posted: Posted, api: ApiDep, page: CompliancePageDep) -> Response:
    """A client's accounting of disclosures, as a download (CSV unless HTML or JSON is asked)."""
    client_id, format_ = posted.value("client_id"), posted.value("format") or "csv"
    if format_ not in ACCOUNTING_FORMATS:
        format_ = "csv"
    state = FormState(values=posted.fields)
    if not client_id:
        state.errors["client_id"] = ["Enter the client's id."]
        return await page.show(posted.session, state, 422)
    answer = await api.get(
        f"/accounting/{segment(client_id)}", params={"view": "compliance", "format": format_}
    )
    if answer.status_code != 200:
        for problem in problems_of(answer):
            state.errors.setdefault("client_id", []).append(problem.get("problem", "refused"))
        return await page.show(posted.session, state, answer.status_code)
    return Response(
        answer.content,
        media_type=answer.headers.get("content-type"),
        headers={
            **PAGE_HEADERS,
            "Content-Disposition": f'attachment; filename="accounting.{format_}"',
        },
    )


@router.get("/policies")
async def policies_explained(
    session: AnySession,
    pages: PagesDep,
    policies: PoliciesDep,
    catalogue: CatalogueDep,
    jurisdiction: str = "",
    kind: str = "",
) -> Response:
    """Who receives what, by when, by which channel and why, under a policy in effect."""
    explained = None
    if kind in catalogue.get(jurisdiction, []):
        policy = policies.in_effect(jurisdiction, kind, date.today())
        explained = explain_policy(policy, calendars=policies.calendars)
    return pages.render(
        "policies.html.j2",
        session,
        title="Policies explained",
        catalogue=catalogue,
        jurisdiction=jurisdiction,
        kind=kind,
        explained=explained,
    )
