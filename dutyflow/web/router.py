"""The web app's pages, under ``/app``: server-rendered (jinja2, autoescaped), no JavaScript.

Every page acts through the JSON API in-process, as the signed-in user (the cookie's token as
``Authorization: Bearer``): access control, validation and auditing are the API's own, and a
refusal is shown next to the input it names. Nothing here decides who may see what; the only
reads of its own are the practitioner's list of their case ids (from the case assignments) and
the audit chain's verification for compliance.

Case ids (opaque) and report ids appear in URLs; names, narratives and any other case content
travel only in POST bodies and pages, never in a query string.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from dutyflow.auth.store import parse_token, revoke_token, sign_in
from dutyflow.contracts import Actor
from dutyflow.domain import privacy_notice
from dutyflow.domain.disclosure import NEVER_DISCLOSED
from dutyflow.domain.policy import NoPolicyError, Policy, PolicyError, PolicyLibrary
from dutyflow.domain.policy_explain import explain_policy
from dutyflow.settings import REPO_ROOT
from dutyflow.store import audit_log
from dutyflow.store.db import SessionFactory
from dutyflow.store.tables import CaseAssignment
from dutyflow.web import forms, submitted
from dutyflow.web.refusals import FormState, problems_of, state_from
from dutyflow.web.security import (
    CSRF_FIELD,
    PRESESSION_COOKIE,
    CsrfGuard,
    clear_session,
    keep_presession,
    presession,
    read_form,
    session_token,
    set_session,
)
from dutyflow.web.times import remaining, when, zone_name

WEB_PREFIX = "/app"
TEMPLATES_DIR = REPO_ROOT / "templates" / "web"
# Stages in which Dutyflow itself is busy: the case page reloads itself (a meta refresh).
BUSY_STAGES = frozenset({"opening", "determining-obligations", "preparing-report", "delivering"})
# Stages in which the case awaits its supervisor: the practitioner may reveal a field to them.
SUPERVISION_STAGES = frozenset({"awaiting-supervisor", "awaiting-grounds-revision"})
APPROVER_ROLES = ("supervisor", "compliance")
HOME_BY_ROLE = {
    "practitioner": "/cases",
    "supervisor": "/supervision",
    "compliance": "/compliance",
    "agency": "/agency",
    "admin": "/account",
}
NAV_BY_ROLE = {
    "practitioner": [("/cases", "My cases"), ("/reports/new", "New report")],
    "supervisor": [("/supervision", "Consultations and cases")],
    "compliance": [("/compliance", "Cases and audit"), ("/policies", "Policies explained")],
    "agency": [("/agency", "Inbox")],
    "admin": [("/account", "Account")],
}
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}
_INTERNAL_BASE = "http://dutyflow.internal"


@dataclass(frozen=True)
class WebSession:
    """The signed-in user, as ``GET /me`` answered for the cookie's token."""

    token: str
    user_id: str
    role: str
    clinic_id: str | None
    agency_id: str | None
    csrf: str


def _first(form: dict[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[0].strip()


def jurisdictions_and_kinds(policies: PolicyLibrary) -> dict[str, list[str]]:
    """The jurisdictions the policy library has, each with its report kinds."""
    found: dict[str, list[str]] = {}
    for folder in sorted(
        p for p in policies.root.iterdir() if p.is_dir() and p.name != "calendars"
    ):
        kinds = sorted(k.name for k in folder.iterdir() if k.is_dir() and any(k.glob("*.yaml")))
        if kinds:
            found[folder.name.upper()] = kinds
    return found


def web_router(
    sessions: SessionFactory,
    *,
    policies: PolicyLibrary,
    csrf_secret: bytes | None = None,
    templates_dir: Path = TEMPLATES_DIR,
) -> APIRouter:
    router = APIRouter(prefix=WEB_PREFIX, include_in_schema=False)
    guard = CsrfGuard(csrf_secret)
    env = Environment(
        loader=FileSystemLoader(templates_dir),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        prefix=WEB_PREFIX,
        remaining=remaining,
        when=when,
        csrf_field=CSRF_FIELD,
        field_label=forms.field_label,
    )
    catalogue = jurisdictions_and_kinds(policies)

    # --- plumbing ---------------------------------------------------------------------------

    @asynccontextmanager
    async def api(request: Request, token: str) -> AsyncIterator[httpx.AsyncClient]:
        """The JSON API, in-process, as the signed-in user."""
        transport = httpx.ASGITransport(app=request.app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url=_INTERNAL_BASE,
            timeout=120,
            headers={"Authorization": f"Bearer {token}"},
        ) as client:
            yield client

    def render(
        template: str,
        session: WebSession | None,
        *,
        status_code: int = 200,
        title: str,
        refresh: int | None = None,
        **context: Any,
    ) -> HTMLResponse:
        page = env.get_template(template).render(
            session=session,
            nav=NAV_BY_ROLE.get(session.role, []) if session else [],
            title=title,
            refresh=refresh,
            **context,
        )
        return HTMLResponse(page, status_code=status_code, headers=PAGE_HEADERS)

    def redirect(path: str) -> RedirectResponse:
        return RedirectResponse(WEB_PREFIX + path, status_code=303, headers=PAGE_HEADERS)

    def to_sign_in() -> RedirectResponse:
        return redirect("/sign-in")

    async def current(request: Request) -> WebSession | None:
        token = session_token(request)
        if not token:
            return None
        async with api(request, token) as client:
            answer = await client.get("/me")
        if answer.status_code != 200:
            return None
        me = answer.json()
        return WebSession(
            token=token,
            user_id=me["user_id"],
            role=me["role"],
            clinic_id=me.get("clinic_id"),
            agency_id=me.get("agency_id"),
            csrf=guard.token_for(token),
        )

    def refused(session: WebSession | None, message: str, status_code: int) -> HTMLResponse:
        return render(
            "error.html.j2", session, status_code=status_code, title="Not possible", message=message
        )

    async def posted(request: Request) -> tuple[WebSession, dict[str, list[str]]] | Response:
        """The form of a POST from a signed-in user, its CSRF token checked first."""
        form = await read_form(request)
        if not guard.valid(session_token(request), _first(form, CSRF_FIELD)):
            return refused(
                None,
                "This form has expired or did not come from this site. Go back, "
                "reload the page and send it again.",
                403,
            )
        session = await current(request)
        if session is None:
            return to_sign_in()
        return session, form

    async def page_session(request: Request, *roles: str) -> WebSession | Response:
        session = await current(request)
        if session is None:
            return to_sign_in()
        if roles and session.role not in roles:
            return refused(session, "This page is not for your role.", 403)
        return session

    def policy_of(status: dict[str, Any]) -> Policy | None:
        try:
            if status.get("policy_version"):
                return policies.version(
                    status["jurisdiction"], status["kind"], status["policy_version"]
                )
            return policies.in_effect(status["jurisdiction"], status["kind"], date.today())
        except (NoPolicyError, PolicyError):
            return None

    # --- signing in and out -----------------------------------------------------------------

    @router.get("/")
    async def home(request: Request) -> Response:
        session = await current(request)
        if session is None:
            return to_sign_in()
        return redirect(HOME_BY_ROLE.get(session.role, "/account"))

    def sign_in_page(request: Request, state: FormState, status_code: int = 200) -> HTMLResponse:
        value, new = presession(request)
        response = render(
            "sign_in.html.j2",
            None,
            status_code=status_code,
            title="Sign in",
            state=state,
            signin_csrf=guard.token_for("signin:" + value),
        )
        if new:
            keep_presession(response, request, value)
        return response

    @router.get("/sign-in")
    async def sign_in_form(request: Request) -> Response:
        return sign_in_page(request, FormState())

    @router.post("/sign-in")
    async def sign_in_submit(request: Request) -> Response:
        form = await read_form(request)
        pre = request.cookies.get(PRESESSION_COOKIE)
        if not guard.valid("signin:" + pre if pre else None, _first(form, CSRF_FIELD)):
            return refused(
                None, "This sign-in form has expired. Reload the page and sign in again.", 403
            )
        user_id, password = _first(form, "user_id"), (form.get("password") or [""])[0]
        state = FormState(values={"user_id": [user_id]})
        if not user_id:
            state.errors["user_id"] = ["Enter your user id."]
        if not password:
            state.errors["password"] = ["Enter your password."]
        if state.errors:
            return sign_in_page(request, state, 422)
        signed = await run_in_threadpool(sign_in, sessions, user_id, password)
        if signed is None:
            state.general.append(
                "The user id or the password is not right, or the account is "
                "disabled. Check both and try again."
            )
            return sign_in_page(request, state, 401)
        principal, token = signed
        response = redirect(HOME_BY_ROLE.get(principal.role, "/account"))
        set_session(response, request, token)
        return response

    @router.post("/sign-out")
    async def sign_out(request: Request) -> Response:
        result = await posted(request)
        if isinstance(result, Response):
            return result
        session, _form = result
        parsed = parse_token(session.token)
        if parsed is not None:
            await run_in_threadpool(
                revoke_token,
                sessions,
                parsed[0],
                actor=Actor(actor_id=session.user_id, role=session.role),
            )
        response = redirect("/sign-in")
        clear_session(response, request)
        return response

    @router.get("/account")
    async def account(request: Request) -> Response:
        session = await page_session(request)
        if isinstance(session, Response):
            return session
        return render("account.html.j2", session, title="Your account")

    # --- the practitioner -------------------------------------------------------------------

    @router.get("/cases")
    async def my_cases(request: Request) -> Response:
        session = await page_session(request, "practitioner")
        if isinstance(session, Response):
            return session

        def own_case_ids() -> list[str]:
            # Only ids, and only the caller's own; each status is then asked of the API.
            with sessions() as db:
                return list(
                    db.exec(
                        select(CaseAssignment.case_id)
                        .where(CaseAssignment.practitioner_id == session.user_id)
                        .order_by(col(CaseAssignment.assigned_at).desc())
                        .limit(50)
                    ).all()
                )

        case_ids = await run_in_threadpool(own_case_ids)
        async with api(request, session.token) as client:
            answers = await asyncio.gather(*(client.get(f"/reports/{c}") for c in case_ids))
        cases = [a.json() for a in answers if a.status_code == 200]
        return render("practitioner/cases.html.j2", session, title="My cases", cases=cases)

    @router.get("/reports/new")
    async def new_report(request: Request) -> Response:
        session = await page_session(request, "practitioner")
        if isinstance(session, Response):
            return session
        jurisdiction = request.query_params.get("jurisdiction", "")
        kind = request.query_params.get("kind", "")
        if jurisdiction in catalogue and kind in catalogue[jurisdiction]:
            return details_page(session, jurisdiction, kind, FormState())
        return render(
            "practitioner/choose.html.j2",
            session,
            title="New report",
            catalogue=catalogue,
            jurisdiction=jurisdiction,
            kind=kind,
        )

    def details_page(
        session: WebSession, jurisdiction: str, kind: str, state: FormState, status_code: int = 200
    ) -> HTMLResponse:
        policy = policies.in_effect(jurisdiction, kind, date.today())
        return render(
            "practitioner/report_form.html.j2",
            session,
            status_code=status_code,
            title=f"New report: {policy.title}",
            policy=policy,
            jurisdiction=jurisdiction,
            kind=kind,
            opening=forms.opening_inputs(),
            grounds=forms.grounds_inputs(policy, zone_name()),
            state=state,
        )

    async def wait_for_grounds_stage(client: httpx.AsyncClient, case_id: str) -> None:
        """Until the new case's workflow is ready for its grounds (it starts in 'opening')."""
        for _ in range(100):
            answer = await client.get(f"/reports/{case_id}")
            if answer.status_code == 200 and answer.json()["stage"] != "opening":
                return
            await asyncio.sleep(0.1)

    @router.post("/reports")
    async def open_report(request: Request) -> Response:
        result = await posted(request)
        if isinstance(result, Response):
            return result
        session, form = result
        if session.role != "practitioner":
            return refused(session, "Only a practitioner opens a report.", 403)
        jurisdiction, kind = _first(form, "jurisdiction"), _first(form, "kind")
        if kind not in catalogue.get(jurisdiction, []):
            return redirect("/reports/new")
        policy = policies.in_effect(jurisdiction, kind, date.today())
        opening_inputs = forms.opening_inputs()
        grounds_inputs = forms.grounds_inputs(policy, zone_name())
        opening = submitted.nest(opening_inputs, form)
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
        async with api(request, session.token) as client:
            answer = await client.post("/reports", json=body)
            if answer.status_code != 201:
                state = state_from(
                    form, problems_of(answer), [i.name for i in opening_inputs + grounds_inputs]
                )
                return details_page(session, jurisdiction, kind, state, 422)
            case_id = answer.json()["case_id"]
            await wait_for_grounds_stage(client, case_id)
            grounds = await client.post(
                f"/reports/{case_id}/grounds", json=submitted.nest(grounds_inputs, form)
            )
        if grounds.status_code != 200:
            # The case is open; its grounds are asked again on the case's own page.
            state = state_from(form, problems_of(grounds), [i.name for i in grounds_inputs])
            return await case_page(request, session, case_id, grounds_state=state, status_code=422)
        return redirect(f"/cases/{case_id}")

    async def case_page(
        request: Request,
        session: WebSession,
        case_id: str,
        *,
        status_code: int = 200,
        grounds_state: FormState | None = None,
        step_states: dict[str, FormState] | None = None,
    ) -> Response:
        async with api(request, session.token) as client:
            answer = await client.get(f"/reports/{case_id}")
            if answer.status_code != 200:
                return refused(
                    session,
                    "There is no such case, or it is not yours to see.",
                    answer.status_code if answer.status_code in (403, 404) else 404,
                )
            status = answer.json()
            supervision, notice = await asyncio.gather(
                client.get(f"/reports/{case_id}/supervision"),
                client.get(f"/reports/{case_id}/privacy-notice"),
            )
            revealable = None
            if session.role == "practitioner" and status["stage"] in SUPERVISION_STAGES:
                offered = await client.get(f"/reports/{case_id}/supervision/revealable")
                revealable = offered.json()["fields"] if offered.status_code == 200 else None
        policy = policy_of(status)
        stage = status["stage"]
        writer = session.role in ("practitioner", "supervisor")
        grounds_inputs = forms.grounds_inputs(policy, zone_name()) if policy else []
        # What may be asked beyond each recipient's allow-list: what its report withholds, less
        # the content marked private, which no exception ever sends (the API refuses it).
        beyond = {
            d["recipient_id"]: [f for f in d["withheld_fields"] if f not in NEVER_DISCLOSED]
            for d in status["disclosures"]
        }
        return render(
            "practitioner/case.html.j2",
            session,
            status_code=status_code,
            title=f"Case {case_id}",
            refresh=3 if stage in BUSY_STAGES else None,
            case_id=case_id,
            status=status,
            policy=policy,
            writer=writer,
            grounds=grounds_inputs,
            grounds_state=grounds_state or FormState(),
            states=step_states or {},
            empty=FormState(),
            supervision=supervision.json() if supervision.status_code == 200 else None,
            revealable=revealable,
            beyond=beyond,
            recipients={o["recipient_id"]: o["agency_name"] for o in status["obligations"]},
            approver=session.role in APPROVER_ROLES,
            notice=notice.json() if notice.status_code == 200 else None,
            current_notice=notice_in_effect(status["jurisdiction"]),
            today=date.today().isoformat(),
            now_local=datetime.now().astimezone().strftime("%Y-%m-%dT%H:%M"),
            zone=zone_name(),
        )

    @router.get("/cases/{case_id}")
    async def case(request: Request, case_id: str) -> Response:
        session = await page_session(request, "practitioner", "supervisor", "compliance")
        if isinstance(session, Response):
            return session
        return await case_page(request, session, case_id)

    @router.post("/cases/{case_id}/grounds")
    async def submit_grounds(request: Request, case_id: str) -> Response:
        result = await posted(request)
        if isinstance(result, Response):
            return result
        session, form = result
        async with api(request, session.token) as client:
            status = await client.get(f"/reports/{case_id}")
            if status.status_code != 200:
                return refused(session, "There is no such case, or it is not yours.", 404)
            policy = policy_of(status.json())
            inputs = forms.grounds_inputs(policy, zone_name()) if policy else []
            answer = await client.post(
                f"/reports/{case_id}/grounds", json=submitted.nest(inputs, form)
            )
        if answer.status_code != 200:
            state = state_from(form, problems_of(answer), [i.name for i in inputs])
            return await case_page(
                request, session, case_id, grounds_state=state, status_code=answer.status_code
            )
        return redirect(f"/cases/{case_id}")

    async def case_step(
        request: Request,
        case_id: str,
        step: str,
        build: Any,
        inputs: list[str],
    ) -> Response:
        """A clinician step's form, sent to ``POST /reports/{case_id}/{step}``; refusals are
        shown next to the inputs of that step's form on the case page."""
        result = await posted(request)
        if isinstance(result, Response):
            return result
        session, form = result
        body = build(session, form)
        async with api(request, session.token) as client:
            answer = await client.post(f"/reports/{case_id}/{step}", json=body)
        if answer.status_code >= 300:
            key = f"{step}:{_first(form, 'recipient_id')}"
            state = state_from(form, problems_of(answer), inputs)
            return await case_page(
                request, session, case_id, step_states={key: state}, status_code=answer.status_code
            )
        return redirect(f"/cases/{case_id}")

    def _instant(form: dict[str, list[str]], name: str) -> str | None:
        value = _first(form, name)
        return (submitted.to_instant(value) or value) if value else None

    def _optional(form: dict[str, list[str]], name: str) -> str | None:
        return _first(form, name) or None

    @router.post("/cases/{case_id}/phone-report")
    async def phone_report(request: Request, case_id: str) -> Response:
        names = [
            "agency_name",
            "official_name",
            "official_title",
            "phone_number",
            "reference_number",
            "made_at",
        ]
        return await case_step(
            request,
            case_id,
            "phone-report",
            lambda _s, f: {
                "agency_name": _first(f, "agency_name"),
                "official_name": _first(f, "official_name"),
                "official_title": _optional(f, "official_title"),
                "phone_number": _first(f, "phone_number"),
                "reference_number": _optional(f, "reference_number"),
                "made_at": _instant(f, "made_at"),
            },
            names,
        )

    @router.post("/cases/{case_id}/confirm")
    async def confirm(request: Request, case_id: str) -> Response:
        return await case_step(
            request,
            case_id,
            "confirm",
            lambda s, f: {
                "practitioner_id": s.user_id,
                "review_sha256": _first(f, "review_sha256"),
            },
            ["review_sha256"],
        )

    @router.post("/cases/{case_id}/disclosure-decisions")
    async def disclosure_decision(request: Request, case_id: str) -> Response:
        return await case_step(
            request,
            case_id,
            "disclosure-decisions",
            lambda s, f: {
                "practitioner_id": s.user_id,
                "recipient_id": _first(f, "recipient_id"),
                "decision": _first(f, "decision"),
                "reasons": _first(f, "reasons"),
            },
            ["decision", "reasons"],
        )

    @router.post("/cases/{case_id}/contact-attempts")
    async def contact_attempt(request: Request, case_id: str) -> Response:
        return await case_step(
            request,
            case_id,
            "contact-attempts",
            lambda s, f: {
                "practitioner_id": s.user_id,
                "recipient_id": _first(f, "recipient_id"),
                "channel": _first(f, "channel"),
                "outcome": _first(f, "outcome"),
                "attempted_at": _instant(f, "attempted_at"),
                "efforts_exhausted": _first(f, "efforts_exhausted") == "yes",
                "spoke_with": _optional(f, "spoke_with"),
                "reference_number": _optional(f, "reference_number"),
                "notes": _optional(f, "notes"),
            },
            ["channel", "outcome", "attempted_at", "spoke_with", "reference_number", "notes"],
        )

    @router.post("/cases/{case_id}/inform-client")
    async def inform_client(request: Request, case_id: str) -> Response:
        def body(s: WebSession, f: dict[str, list[str]]) -> dict[str, Any]:
            informed = _first(f, "informed")
            return {
                "practitioner_id": s.user_id,
                "informed": {"yes": True, "no": False}.get(informed, informed or None),
                "informed_at": _instant(f, "informed_at"),
                "method": _optional(f, "method"),
                "exception": _optional(f, "exception"),
                "reasons": _optional(f, "reasons"),
            }

        return await case_step(
            request,
            case_id,
            "inform-client",
            body,
            ["informed", "informed_at", "method", "exception", "reasons"],
        )

    @router.post("/cases/{case_id}/retry-delivery")
    async def retry_delivery(request: Request, case_id: str) -> Response:
        return await case_step(
            request,
            case_id,
            "retry-delivery",
            lambda s, f: {
                "practitioner_id": s.user_id,
                "recipient_id": _first(f, "recipient_id"),
            },
            [],
        )

    # --- supervision: reveals to the supervisor, disclosure exceptions ------------------------

    def _chosen(form: dict[str, list[str]], name: str) -> list[str]:
        return [v.strip() for v in form.get(name, []) if v.strip()]

    @router.post("/cases/{case_id}/supervision-reveals")
    async def reveal_to_supervisor(request: Request, case_id: str) -> Response:
        """The practitioner shows their supervisor fields the de-identified view hides."""
        return await case_step(
            request,
            case_id,
            "supervision/reveals",
            lambda _s, f: {
                "fields": _chosen(f, "fields"),
                "reason": _first(f, "reason"),
            },
            ["fields", "reason"],
        )

    @router.post("/cases/{case_id}/exceptions")
    async def ask_for_exception(request: Request, case_id: str) -> Response:
        """Fields beyond a recipient's allow-list, with a written justification: pending until a
        second person decides."""
        return await case_step(
            request,
            case_id,
            "exceptions",
            lambda _s, f: {
                "recipient_id": _first(f, "recipient_id"),
                "fields": _chosen(f, "fields"),
                "justification": _first(f, "justification"),
            },
            ["fields", "justification"],
        )

    @router.post("/cases/{case_id}/exceptions/{exception_id}/decision")
    async def decide_exception(request: Request, case_id: str, exception_id: str) -> Response:
        """A second person (the clinic's supervisor or compliance) approves or refuses; the API
        refuses whoever asked, and its refusal is shown with that exception."""
        result = await posted(request)
        if isinstance(result, Response):
            return result
        session, form = result
        key = f"exception-decision:{exception_id}"
        decision = _first(form, "decision")
        if decision not in ("approve", "refuse"):
            state = FormState(values=form, general=["Choose whether to approve or refuse it."])
            return await case_page(
                request, session, case_id, step_states={key: state}, status_code=422
            )
        async with api(request, session.token) as client:
            answer = await client.post(
                f"/reports/{case_id}/exceptions/{quote(exception_id, safe='')}/{decision}",
                json={"note": _optional(form, "note")},
            )
        if answer.status_code >= 300:
            state = state_from(form, problems_of(answer), ["note"])
            return await case_page(
                request, session, case_id, step_states={key: state}, status_code=answer.status_code
            )
        return redirect(f"/cases/{case_id}")

    # --- the client's acknowledgement of the privacy notice ----------------------------------

    def notice_in_effect(jurisdiction: str) -> privacy_notice.Notice | None:
        try:
            return privacy_notice.current(jurisdiction, date.today())
        except privacy_notice.UnknownNotice:
            return None

    async def case_client(client: httpx.AsyncClient, case_id: str) -> tuple[str, str] | None:
        """The case's client id and jurisdiction, if the caller may read the case."""
        state, status = await asyncio.gather(
            client.get(f"/reports/{case_id}/privacy-notice"),
            client.get(f"/reports/{case_id}"),
        )
        if state.status_code != 200 or status.status_code != 200:
            return None
        return state.json()["client_id"], status.json()["jurisdiction"]

    @router.get("/cases/{case_id}/privacy-notice")
    async def notice_for_client(request: Request, case_id: str) -> Response:
        """The notice in effect for the case's jurisdiction, to print or show the client."""
        session = await page_session(request, "practitioner", "supervisor")
        if isinstance(session, Response):
            return session
        async with api(request, session.token) as client:
            found = await case_client(client, case_id)
            if found is None:
                return refused(session, "There is no such case, or it is not yours to see.", 404)
            client_id, jurisdiction = found
            answer = await client.get(
                f"/clients/{client_id}/privacy-notice", params={"jurisdiction": jurisdiction}
            )
        if answer.status_code != 200:
            problems = "; ".join(e.get("problem", "") for e in problems_of(answer))
            return refused(
                session, f"No privacy notice can be given: {problems}", answer.status_code
            )
        return HTMLResponse(answer.text, headers=PAGE_HEADERS)

    @router.post("/cases/{case_id}/privacy-notice-acknowledgement")
    async def record_notice_acknowledgement(request: Request, case_id: str) -> Response:
        """That the client was given the notice and acknowledged it (signed or orally). It never
        holds up a report; it is recorded for the client, for every case of theirs."""
        result = await posted(request)
        if isinstance(result, Response):
            return result
        session, form = result
        inputs = ("notice_version", "given_on", "how", "note")
        async with api(request, session.token) as client:
            found = await case_client(client, case_id)
            if found is None:
                return refused(session, "There is no such case, or it is not yours.", 404)
            client_id, jurisdiction = found
            answer = await client.post(
                f"/clients/{client_id}/privacy-notice-acknowledgements",
                json={
                    "jurisdiction": jurisdiction,
                    "notice_version": _first(form, "notice_version"),
                    "given_on": _first(form, "given_on") or None,
                    "how": _first(form, "how") or None,
                    "note": _optional(form, "note"),
                },
            )
        if answer.status_code != 201:
            state = state_from(form, problems_of(answer), inputs)
            return await case_page(
                request,
                session,
                case_id,
                step_states={"privacy-notice:": state},
                status_code=answer.status_code,
            )
        return redirect(f"/cases/{case_id}")

    @router.get("/cases/{case_id}/review")
    async def review(request: Request, case_id: str) -> Response:
        session = await page_session(request, "practitioner", "supervisor", "compliance")
        if isinstance(session, Response):
            return session
        async with api(request, session.token) as client:
            answer = await client.get(f"/reports/{case_id}/review")
            status = await client.get(f"/reports/{case_id}")
        if answer.status_code != 200 or status.status_code != 200:
            return refused(session, "There is no such case, or it is not yours to see.", 404)
        return render(
            "practitioner/review.html.j2",
            session,
            title="Review before sending",
            case_id=case_id,
            review=answer.json(),
            status=status.json(),
        )

    # --- the supervisor ---------------------------------------------------------------------

    @router.get("/supervision")
    async def supervision_home(request: Request) -> Response:
        session = await page_session(request, "supervisor")
        if isinstance(session, Response):
            return session
        async with api(request, session.token) as client:
            queue, cases, unacknowledged, pending = await asyncio.gather(
                client.get("/supervision/consultations"),
                client.get("/compliance/cases"),
                client.get("/compliance/cases-without-privacy-notice"),
                client.get("/supervision/exceptions"),
            )
        return render(
            "supervisor/home.html.j2",
            session,
            title="Consultations and cases",
            queue=queue.json() if queue.status_code == 200 else [],
            unacknowledged=unacknowledged.json() if unacknowledged.status_code == 200 else [],
            pending=pending.json() if pending.status_code == 200 else [],
            cases=cases.json() if cases.status_code == 200 else [],
            cases_problem=None if cases.status_code == 200 else problems_of(cases),
        )

    async def consultation_page(
        request: Request,
        session: WebSession,
        case_id: str,
        state: FormState | None = None,
        status_code: int = 200,
    ) -> Response:
        async with api(request, session.token) as client:
            view = await client.get(f"/supervision/consultations/{case_id}")
            record = await client.get(f"/reports/{case_id}/supervision")
        if view.status_code != 200:
            return refused(
                session,
                "There is no such consultation for your clinic.",
                view.status_code if view.status_code in (403, 404, 409) else 404,
            )
        return render(
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
    async def consultation(request: Request, case_id: str) -> Response:
        session = await page_session(request, "supervisor")
        if isinstance(session, Response):
            return session
        return await consultation_page(request, session, case_id)

    @router.post("/supervision/{case_id}/decision")
    async def consultation_decision(request: Request, case_id: str) -> Response:
        result = await posted(request)
        if isinstance(result, Response):
            return result
        session, form = result
        body = {"decision": _first(form, "decision"), "comments": _optional(form, "comments")}
        async with api(request, session.token) as client:
            answer = await client.post(f"/supervision/consultations/{case_id}/decision", json=body)
        if answer.status_code != 200:
            state = state_from(form, problems_of(answer), ["decision", "comments"])
            return await consultation_page(request, session, case_id, state, answer.status_code)
        return redirect("/supervision")

    # --- the compliance officer -------------------------------------------------------------

    async def compliance_page(
        request: Request, session: WebSession, state: FormState, status_code: int = 200
    ) -> Response:
        async with api(request, session.token) as client:
            open_cases, overdue, at_risk, unacknowledged, pending = await asyncio.gather(
                client.get("/compliance/cases"),
                client.get("/compliance/cases", params={"overdue": "true"}),
                client.get("/compliance/cases", params={"at_risk_within_hours": "24"}),
                client.get("/compliance/cases-without-privacy-notice"),
                client.get("/supervision/exceptions"),
            )

        def verify() -> Any:
            with sessions() as db:
                return audit_log.verify(db)

        chain = await run_in_threadpool(verify)
        return render(
            "compliance/home.html.j2",
            session,
            status_code=status_code,
            title="Cases and audit",
            open_cases=open_cases.json() if open_cases.status_code == 200 else [],
            overdue=overdue.json() if overdue.status_code == 200 else [],
            at_risk=at_risk.json() if at_risk.status_code == 200 else [],
            unacknowledged=unacknowledged.json() if unacknowledged.status_code == 200 else [],
            pending=pending.json() if pending.status_code == 200 else [],
            chain=chain,
            state=state,
            catalogue=catalogue,
        )

    @router.get("/compliance")
    async def compliance_home(request: Request) -> Response:
        session = await page_session(request, "compliance")
        if isinstance(session, Response):
            return session
        return await compliance_page(request, session, FormState())

    @router.get("/compliance/cases/{case_id}")
    async def compliance_case(request: Request, case_id: str) -> Response:
        session = await page_session(request, "compliance", "supervisor")
        if isinstance(session, Response):
            return session
        async with api(request, session.token) as client:
            answer = await client.get(f"/compliance/cases/{case_id}/timeline")
        if answer.status_code != 200:
            return refused(session, "There is no such case, or it is not yours to see.", 404)
        return render(
            "compliance/timeline.html.j2",
            session,
            title=f"Timeline of case {case_id}",
            case_id=case_id,
            timeline=answer.json(),
        )

    @router.post("/compliance/accounting")
    async def accounting_export(request: Request) -> Response:
        result = await posted(request)
        if isinstance(result, Response):
            return result
        session, form = result
        client_id, format_ = _first(form, "client_id"), _first(form, "format") or "csv"
        if format_ not in ("csv", "html", "json"):
            format_ = "csv"
        state = FormState(values=form)
        if not client_id:
            state.errors["client_id"] = ["Enter the client's id."]
            return await compliance_page(request, session, state, 422)
        async with api(request, session.token) as client:
            answer = await client.get(
                f"/accounting/{client_id}", params={"view": "compliance", "format": format_}
            )
        if answer.status_code != 200:
            for error in problems_of(answer):
                state.errors.setdefault("client_id", []).append(error.get("problem", "refused"))
            return await compliance_page(request, session, state, answer.status_code)
        extension = {"csv": "csv", "html": "html", "json": "json"}[format_]
        return Response(
            answer.content,
            media_type=answer.headers.get("content-type"),
            headers={
                **PAGE_HEADERS,
                "Content-Disposition": f'attachment; filename="accounting.{extension}"',
            },
        )

    @router.get("/policies")
    async def policies_explained(request: Request) -> Response:
        session = await page_session(request)
        if isinstance(session, Response):
            return session
        jurisdiction = request.query_params.get("jurisdiction", "")
        kind = request.query_params.get("kind", "")
        explained = None
        if kind in catalogue.get(jurisdiction, []):
            policy = policies.in_effect(jurisdiction, kind, date.today())
            explained = explain_policy(policy, calendars=policies.calendars)
        return render(
            "policies.html.j2",
            session,
            title="Policies explained",
            catalogue=catalogue,
            jurisdiction=jurisdiction,
            kind=kind,
            explained=explained,
        )

    # --- the agency -------------------------------------------------------------------------

    @router.get("/agency")
    async def agency_inbox(request: Request) -> Response:
        session = await page_session(request, "agency")
        if isinstance(session, Response):
            return session
        async with api(request, session.token) as client:
            answer = await client.get("/agency/reports")
        return render(
            "agency/inbox.html.j2",
            session,
            title="Reports received",
            reports=answer.json() if answer.status_code == 200 else [],
        )

    async def agency_report_page(
        request: Request,
        session: WebSession,
        report_id: str,
        state: FormState | None = None,
        status_code: int = 200,
        outcome: str | None = None,
    ) -> Response:
        async with api(request, session.token) as client:
            answer = await client.get(f"/agency/reports/{report_id}")
        if answer.status_code != 200:
            return refused(session, "There is no such report for your agency.", 404)
        return render(
            "agency/report.html.j2",
            session,
            status_code=status_code,
            title=f"Report {report_id}",
            report=answer.json(),
            state=state or FormState(),
            outcome=outcome,
        )

    @router.get("/agency/reports/{report_id}")
    async def agency_report(request: Request, report_id: str) -> Response:
        session = await page_session(request, "agency")
        if isinstance(session, Response):
            return session
        return await agency_report_page(request, session, report_id)

    @router.post("/agency/reports/{report_id}/acknowledgement")
    async def agency_acknowledge(request: Request, report_id: str) -> Response:
        result = await posted(request)
        if isinstance(result, Response):
            return result
        session, form = result
        body = {
            "reference_number": _first(form, "reference_number"),
            "decision": _first(form, "decision"),
            "note": _optional(form, "note"),
        }
        async with api(request, session.token) as client:
            answer = await client.post(f"/agency/reports/{report_id}/acknowledgement", json=body)
        if answer.status_code != 200:
            state = state_from(form, problems_of(answer), ["reference_number", "decision", "note"])
            return await agency_report_page(request, session, report_id, state, answer.status_code)
        recorded = answer.json().get("status") == "recorded"
        return await agency_report_page(
            request,
            session,
            report_id,
            outcome="Your acknowledgement is recorded with the case."
            if recorded
            else "This report's acknowledgement was already recorded; nothing changed.",
        )

    return router
