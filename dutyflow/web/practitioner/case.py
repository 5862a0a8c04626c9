"""A case's own page (``/app/cases/{case_id}``): its stage, deadlines, obligations, disclosures,
supervision and the form of each step the practitioner may take now; the grounds sent from it;
the review of what each recipient will receive, before the practitioner confirms.

`CasePage` renders the page, also again after a step was refused, with the refusal next to the
step's inputs (`dutyflow.web.practitioner.steps`, `.privacy_notice`). The practitioner, their
clinic's supervisor and compliance read it; the API decides what each of them may see and do.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends
from fastapi.responses import Response

from dutyflow.domain import privacy_notice
from dutyflow.domain.disclosure import NEVER_DISCLOSED
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.web import answer_items, forms, profile, submitted
from dutyflow.web.api_client import ApiDep, segment
from dutyflow.web.case_titles import case_title
from dutyflow.web.catalogue import policy_of_case
from dutyflow.web.config import PagesDep, PoliciesDep
from dutyflow.web.pages import Pages, redirect
from dutyflow.web.refusals import FormState, problems_of, state_from
from dutyflow.web.routing import PageRoute
from dutyflow.web.session import WebSession
from dutyflow.web.signed_in import Posted, SignedIn
from dutyflow.web.times import now_local, zone_name

# Stages in which Dutyflow itself is busy: the case page reloads itself (a meta refresh).
BUSY_STAGES = frozenset({"opening", "determining-obligations", "preparing-report", "delivering"})
# Stages in which the case awaits its supervisor: the practitioner may reveal a field to them.
SUPERVISION_STAGES = frozenset({"awaiting-supervisor", "awaiting-grounds-revision"})
# Who decides a pending disclosure exception (a second person, never whoever asked).
APPROVER_ROLES = ("supervisor", "compliance")
NOT_YOURS = "There is no such case, or it is not yours to see."

CaseReader = Annotated[WebSession, Depends(SignedIn("practitioner", "supervisor", "compliance"))]

router = APIRouter(route_class=PageRoute)


def notice_in_effect(jurisdiction: str) -> privacy_notice.Notice | None:
    """The privacy notice in effect today in ``jurisdiction``, if it has one."""
    try:
        return privacy_notice.current(jurisdiction, date.today())
    except privacy_notice.UnknownNotice:
        return None


def beyond_allow_lists(status: dict[str, Any]) -> dict[str, list[str]]:
    """What may be asked beyond each recipient's allow-list: what its report withholds, less the
    content marked private, which no exception ever sends (the API refuses it)."""
    return {
        d["recipient_id"]: [f for f in d["withheld_fields"] if f not in NEVER_DISCLOSED]
        for d in status["disclosures"]
    }


def shows_a_step_to_take(status: dict[str, Any]) -> bool:
    """Whether the case page shows its writer a form of a step to take now (a report to take to
    an agency, a person to reach, a decision, a delivery to retry, a reference, telling the
    client), even while Dutyflow is busy: the page must not then reload itself, or what they
    are typing would be lost."""
    told = any(d["topic"] == "inform-client" for d in status["decisions"])
    return bool(
        status["channel_tasks"]
        or status["awaiting_contacts"]
        or status["awaiting_decisions"]
        or status["delivery_problems"]
        or status["reference_tasks"]
        or (status["inform_client_required"] and not told)
    )


class CasePage:
    """Renders a case's page for the signed-in user, through the API as them."""

    def __init__(self, api: ApiDep, pages: PagesDep, policies: PoliciesDep) -> None:
        self.api: httpx.AsyncClient = api
        self.pages: Pages = pages
        self.policies: PolicyLibrary = policies

    async def show(
        self,
        session: WebSession,
        case_id: str,
        *,
        status_code: int = 200,
        grounds_state: FormState | None = None,
        step_states: dict[str, FormState] | None = None,
    ) -> Response:
        """The page; ``grounds_state`` and ``step_states`` (by ``step:recipient``) re-show a
        refused form with its values and problems."""
        answer = await self.api.get(f"/reports/{segment(case_id)}")
        if answer.status_code != 200:
            return self.pages.refused(
                session, NOT_YOURS, answer.status_code if answer.status_code in (403, 404) else 404
            )
        status = answer.json()
        supervision, notice, heading = await asyncio.gather(
            self.api.get(f"/reports/{segment(case_id)}/supervision"),
            self.api.get(f"/reports/{segment(case_id)}/privacy-notice"),
            self.api.get(f"/reports/{segment(case_id)}/heading"),
        )
        revealable = None
        if session.role == "practitioner" and status["stage"] in SUPERVISION_STAGES:
            offered = await self.api.get(f"/reports/{segment(case_id)}/supervision/revealable")
            revealable = offered.json()["fields"] if offered.status_code == 200 else None
        policy = policy_of_case(self.policies, status)
        portals = await self._portals(case_id, status) if session.role == "practitioner" else {}
        # The practitioner's own training the law asks of this report and their profile lacks.
        untrained = (
            await profile.missing_training(self.api, status["jurisdiction"], status["kind"])
            if session.role == "practitioner" and status["stage"] != "closed"
            else []
        )
        receipts = await self._receipts(case_id, status)
        return self.pages.render(
            "practitioner/case.html.j2",
            session,
            status_code=status_code,
            title=case_title(heading.json() if heading.status_code == 200 else None, case_id),
            refresh=3
            if status["stage"] in BUSY_STAGES and not shows_a_step_to_take(status)
            else None,
            case_id=case_id,
            status=status,
            policy=policy,
            writer=session.role in ("practitioner", "supervisor"),
            grounds=forms.grounds_inputs(policy, zone_name()) if policy else [],
            grounds_state=grounds_state or FormState(),
            states=step_states or {},
            empty=FormState(),
            supervision=supervision.json() if supervision.status_code == 200 else None,
            revealable=revealable,
            beyond=beyond_allow_lists(status),
            recipients={o["recipient_id"]: o["agency_name"] for o in status["obligations"]},
            approver=session.role in APPROVER_ROLES,
            notice=notice.json() if notice.status_code == 200 else None,
            missing_training=untrained,
            current_notice=(current := notice_in_effect(status["jurisdiction"])),
            notice_languages=privacy_notice.language_choices(current) if current else [],
            today=date.today().isoformat(),
            now_local=now_local(),
            zone=zone_name(),
            portals=portals,
            receipts=receipts,
            portal_recipients={
                o["recipient_id"] for o in status["obligations"] if o.get("channel") == "portal"
            },
        )

    async def _portals(self, case_id: str, status: dict[str, Any]) -> dict[str, Any]:
        """What to enter in each agency portal the case's report is to be taken to, by
        recipient (case content: the API audits each read)."""
        portals: dict[str, Any] = {}
        for task in status["channel_tasks"]:
            if task["channel"] != "portal":
                continue
            answer = await self.api.get(
                f"/reports/{segment(case_id)}/channel-tasks/{segment(task['recipient_id'])}/portal"
            )
            if answer.status_code == 200:
                portals[task["recipient_id"]] = answer.json()
        return portals

    async def _receipts(self, case_id: str, status: dict[str, Any]) -> dict[str, Any]:
        """The portals' receipts attached to the case's reports, by report (no content)."""
        if not status["deliveries"]:
            return {}
        answer = await self.api.get(f"/reports/{segment(case_id)}/portal-receipts")
        return {r["report_id"]: r for r in answer.json()} if answer.status_code == 200 else {}


CasePageDep = Annotated[CasePage, Depends(CasePage)]


@router.get("/cases/{case_id}")
async def case(case_id: str, session: CaseReader, case_page: CasePageDep) -> Response:
    return await case_page.show(session, case_id)


@router.post("/cases/{case_id}/grounds")
async def submit_grounds(
    case_id: str, posted: Posted, api: ApiDep, case_page: CasePageDep, policies: PoliciesDep
) -> Response:
    """The grounds, asked as the case's policy asks them; refusals next to their inputs."""
    session = posted.session
    status = await api.get(f"/reports/{segment(case_id)}")
    if status.status_code != 200:
        return case_page.pages.refused(session, "There is no such case, or it is not yours.", 404)
    policy = policy_of_case(policies, status.json())
    inputs = forms.grounds_inputs(policy, zone_name()) if policy else []
    if answer_items.asked_to_change_items(posted.fields):
        state = FormState(values=answer_items.items_changed(inputs, posted.fields))
        return await case_page.show(session, case_id, grounds_state=state)
    fields = answer_items.without_empty_items(inputs, posted.fields)
    body = submitted.nest(inputs, fields)
    answer = await api.post(f"/reports/{segment(case_id)}/grounds", json=body)
    if answer.status_code != 200:
        names = [i.name for i in forms.shown_inputs(inputs, fields)]
        state = state_from(fields, problems_of(answer), names)
        return await case_page.show(
            session, case_id, grounds_state=state, status_code=answer.status_code
        )
    return redirect(f"/cases/{segment(case_id)}")


@router.get("/cases/{case_id}/review")
async def review(case_id: str, session: CaseReader, api: ApiDep, pages: PagesDep) -> Response:
    """Per recipient: the document, the fields disclosed and withheld, before confirming."""
    answer = await api.get(f"/reports/{segment(case_id)}/review")
    status = await api.get(f"/reports/{segment(case_id)}")
    if answer.status_code != 200 or status.status_code != 200:
        return pages.refused(session, NOT_YOURS, 404)
    return pages.render(
        "practitioner/review.html.j2",
        session,
        title="Review before sending",
        case_id=case_id,
        review=answer.json(),
        status=status.json(),
    )
