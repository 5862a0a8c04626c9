"""Who may do what, endpoint by endpoint: every kind of caller against every endpoint of the API,
over real HTTP, with a real worker and real cases.

The matrix below is the specification. Each row is an endpoint (``METHOD /path`` as the app routes
it), each column a caller, each cell the status the caller gets. Refusals answer alike everywhere:

- 401: no token, or a revoked one;
- 403: the caller's role may never do this (whatever the case);
- 404: the case (or report) is unknown, or it is not the caller's: nobody learns that a case they
  may not see exists.

The case the callers meet belongs to ``practitioner_own``, in the clinic of ``supervisor_own``, and
its report was delivered to the agency of ``agency_addressed``. ``practitioner_other`` works in
the same clinic (a colleague is not enough); ``supervisor_other`` runs another clinic.

A new endpoint without a row here fails `test_every_endpoint_has_a_row_in_the_role_matrix`.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from sqlmodel import select

from dutyflow.auth.account_setup import create_account
from dutyflow.auth.store import issue_token, parse_token, revoke_token
from dutyflow.crypto.codec import EncryptionCodec
from dutyflow.demo import example_case as scenario
from dutyflow.domain.agencies import AgencyDirectory
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.settings import REPO_ROOT
from dutyflow.store.audit_checkpoints import checkpoint_at_case_closing
from dutyflow.store.db import SessionFactory, make_engine
from dutyflow.store.notices import PrivacyNoticeAcknowledgement
from dutyflow.store.tables import AuditEntry
from dutyflow.web import WEB_PREFIX
from tests.auth.helpers import new_user, unique
from tests.conftest import Caller, Callers, Harness
from tests.reporting import (
    confirm,
    document_grounds,
    ok,
    open_report_as,
    record_phone_report,
    wait_for_stage,
)

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = [pytest.mark.one_database, pytest.mark.takes_minutes]

CALLERS = (
    "practitioner_own",
    "practitioner_other",
    "supervisor_own",
    "supervisor_other",
    "compliance",
    "agency_addressed",
    "agency_other",
    "admin",
    "no_token",
    "revoked_token",
)
EVERYONE = (200,) * 10
AUTHENTICATED = (200,) * 8 + (401, 401)

# ruff: noqa: E501  (the matrix is a column-aligned table: a row per endpoint stays on one line)
# fmt: off
#                                                          practitioner  supervisor   compl-  agency        admin  no     revoked
#                                                          own   other   own   other  iance   addr  other          token  token
MATRIX: dict[str, tuple[int, ...]] = {
    # Public: liveness, metrics and the API's own documentation.
    "GET /health":                                         EVERYONE,
    "GET /metrics":                                        EVERYONE,
    "GET /openapi.json":                                   EVERYONE,
    "GET /docs":                                           EVERYONE,
    "GET /docs/oauth2-redirect":                           EVERYONE,
    "GET /redoc":                                          EVERYONE,
    "GET /docs/assets/{asset}":                            EVERYONE,
    # The audit log's latest signed checkpoint: for witnesses; no content, no id.
    "GET /audit/checkpoint":                               EVERYONE,
    # Authenticated by the agency's signature: a bearer token is no substitute.
    "POST /agency-callbacks/{agency_id}/acknowledgements": (401,  401,    401,  401,   401,    401,  401,   401,   401,   401),
    # Public: the one-time set-up code is the credential; a bearer token plays no part.
    "POST /account-setup":                                 (201,) * 10,
    "GET /me":                                             AUTHENTICATED,
    # Each user's own inbox and notification settings: nobody else's.
    "GET /me/tasks":                                       AUTHENTICATED,
    "GET /me/notifications":                               AUTHENTICATED,
    "PUT /me/notifications":                               AUTHENTICATED,
    # Every user may ask for a test message; without an address on record it is refused (422).
    "POST /me/notifications/test":                         (422,) * 8 + (401, 401),
    # The development stack's local mail sink, per user; this stack sends to a real server (404).
    "GET /me/outbox":                                      (404,) * 8 + (401, 401),
    # A clinician's own profile and training (practitioners and supervisors; nobody else keeps
    # one); the training the law asks is for everyone to read; compliance sees every
    # practitioner's attestations, a supervisor their own clinic's.
    "GET /me/profile":                                     (200,  200,    200,  200,   403,    403,  403,   403,   401,   401),
    "PUT /me/profile":                                     (200,  200,    200,  200,   403,    403,  403,   403,   401,   401),
    "GET /me/training":                                    (200,  200,    200,  200,   403,    403,  403,   403,   401,   401),
    "GET /training/requirements":                          AUTHENTICATED,
    "GET /compliance/training":                            (403,  403,    200,  200,   200,    403,  403,   403,   401,   401),
    # A practitioner opens reports in their own name and clinic (the body names practitioner_own).
    "POST /reports":                                       (201,  403,    403,  403,   403,    403,  403,   403,   401,   401),
    # Acting on a case: its practitioner, or their clinic's supervisor; compliance only reads.
    "POST /reports/{case_id}/grounds":                     (200,  404,    200,  404,   403,    403,  403,   403,   401,   401),
    "POST /reports/{case_id}/phone-report":                (200,  404,    200,  404,   403,    403,  403,   403,   401,   401),
    # Confirming is the case's practitioner's own act: the workflow refuses the supervisor (422).
    "POST /reports/{case_id}/confirm":                     (200,  404,    422,  404,   403,    403,  403,   403,   401,   401),
    # Allowed through; the case has no refused delivery to retry (409).
    "POST /reports/{case_id}/retry-delivery":              (409,  404,    409,  404,   403,    403,  403,   403,   401,   401),
    # Withdrawing (only before the grounds) and recording an agency's reference: the case's.
    "POST /reports/{case_id}/withdraw":                    (409,  404,    409,  404,   403,    403,  403,   403,   401,   401),
    # A supplement: the case's (its practitioner, or a supervisor of its clinic, in their own
    # name); this case has no delivered report to supplement yet (409).
    "POST /reports/{case_id}/supplements":                 (409,  404,    409,  404,   403,    403,  403,   403,   401,   401),
    # Only the case's practitioner records it (the supervisor: 422); this case has none to record.
    "POST /reports/{case_id}/agency-reference":            (422,  404,    422,  404,   403,    403,  403,   403,   401,   401),
    # Recording a report taken to the agency, or an acknowledgement by phone or letter: the
    # case's practitioner only (the supervisor: 422); this case has neither to record (422).
    "POST /reports/{case_id}/report-sent":                 (422,  404,    422,  404,   403,    403,  403,   403,   401,   401),
    "POST /reports/{case_id}/acknowledgement-received":    (422,  404,    422,  404,   403,    403,  403,   403,   401,   401),
    # Allowed through; the workflow refuses: no permitted recipient awaits a decision, no
    # recipient is reached by contact, and a step signed for the practitioner is theirs (422).
    "POST /reports/{case_id}/disclosure-decisions":        (422,  404,    422,  404,   403,    403,  403,   403,   401,   401),
    "POST /reports/{case_id}/contact-attempts":            (422,  404,    422,  404,   403,    403,  403,   403,   401,   401),
    "POST /reports/{case_id}/inform-client":               (200,  404,    422,  404,   403,    403,  403,   403,   401,   401),
    # Reading a case: its practitioner, their clinic's supervisor, compliance.
    "GET /reports/{case_id}":                              (200,  404,    200,  404,   200,    403,  403,   403,   401,   401),
    "GET /reports/{case_id}/review":                       (200,  404,    200,  404,   200,    403,  403,   403,   401,   401),
    "GET /reports/{case_id}/heading":                      (200,  404,    200,  404,   200,    403,  403,   403,   401,   401),
    "GET /reports/{case_id}/deliveries/{report_id}/pdf":   (200,  404,    200,  404,   200,    403,  403,   403,   401,   401),
    "GET /reports/{case_id}/timeline":                     (200,  404,    200,  404,   200,    403,  403,   403,   401,   401),
    # The report to take to a portal, fax or post reads like the review; this case's agency
    # takes it at its intake endpoint, so its readers learn there is none to take (404).
    "GET /reports/{case_id}/channel-tasks/{recipient_id}/portal":    (404, 404, 404, 404, 404, 403, 403, 403, 401, 401),
    "GET /reports/{case_id}/channel-tasks/{recipient_id}/paper.pdf": (404, 404, 404, 404, 404, 403, 403, 403, 401, 401),
    # A portal's receipt: attached by the case's practitioner only (the supervisor: 403), to a
    # report delivered through a portal (this case has none: 404); listed and read like the
    # review (this case has no receipt to read: 404).
    "PUT /reports/{case_id}/deliveries/{report_id}/portal-receipt": (404, 404, 403, 404, 403, 403, 403, 403, 401, 401),
    "GET /reports/{case_id}/portal-receipts":              (200,  404,    200,  404,   200,    403,  403,   403,   401,   401),
    "GET /reports/{case_id}/portal-receipts/{report_id}":  (404,  404,    404,  404,   404,    403,  403,   403,   401,   401),
    "GET /reports/{case_id}/fhir":                         (200,  404,    200,  404,   200,    403,  403,   403,   401,   401),
    # Compliance review: every case for compliance, their own clinic's for a supervisor (the list
    # asks for the case's clinic).
    "GET /compliance/cases":                               (403,  403,    200,  403,   200,    403,  403,   403,   401,   401),
    "GET /compliance/cases/{case_id}/timeline":            (403,  403,    200,  404,   200,    403,  403,   403,   401,   401),
    # The client's accounting of disclosures: compliance only.
    "GET /accounting/{client_id}":                         (403,  403,    403,  403,   200,    403,  403,   403,   401,   401),
    "POST /accounting/{client_id}/suspensions":            (403,  403,    403,  403,   201,    403,  403,   403,   401,   401),
    # An agency sees the reports delivered to it, never a case; another agency's report is 404.
    "GET /agency/reports":                                 (403,  403,    403,  403,   403,    200,  200,   403,   401,   401),
    "GET /agency/reports/{report_id}":                     (403,  403,    403,  403,   403,    200,  404,   403,   401,   401),
    # Its acknowledgement (the case had it already, from the intake service's signed callback).
    "POST /agency/reports/{report_id}/acknowledgement":    (403,  403,    403,  403,   403,    200,  404,   403,   401,   401),
    # Supervision: the queue and the de-identified view are the clinic's supervisor's; the
    # practitioner reveals fields to them; the record (comments, reasons) reads like the case.
    "GET /supervision/consultations":                      (403,  403,    200,  200,   403,    403,  403,   403,   401,   401),
    "GET /supervision/consultations/{case_id}":            (403,  404,    200,  404,   403,    403,  403,   403,   401,   401),
    # Allowed through; this case awaits no supervisor (409).
    "POST /supervision/consultations/{case_id}/decision":  (403,  404,    409,  404,   403,    403,  403,   403,   401,   401),
    "GET /reports/{case_id}/supervision":                  (200,  404,    200,  404,   200,    403,  403,   403,   401,   401),
    "POST /reports/{case_id}/supervision/reveals":         (201,  404,    403,  404,   403,    403,  403,   403,   401,   401),
    # What the practitioner may reveal (paths only), asked like the reveal itself.
    "GET /reports/{case_id}/supervision/revealable":       (200,  404,    403,  404,   403,    403,  403,   403,   401,   401),
    # A field beyond an allow-list: asked by whoever acts on the case, approved or refused by a
    # second person, the clinic's supervisor or compliance.
    "POST /reports/{case_id}/exceptions":                  (200,  404,    200,  404,   403,    403,  403,   403,   401,   401),
    "POST /reports/{case_id}/exceptions/{exception_id}/approve": (403, 404, 200, 404,  200,    403,  403,   403,   401,   401),
    "POST /reports/{case_id}/exceptions/{exception_id}/refuse":  (403, 404, 200, 404,  200,    403,  403,   403,   401,   401),
    # The second persons' list of exceptions awaiting them (ids and paths): their clinic's, or all.
    "GET /supervision/exceptions":                         (403,  403,    200,  200,   200,    403,  403,   403,   401,   401),
    # The de-identified export reads like the case (and is audited).
    "GET /reports/{case_id}/deidentified":                 (200,  404,    200,  404,   200,    403,  403,   403,   401,   401),
    # The privacy notice: given and acknowledged in a clinic (a client is no one clinic's), read
    # by the clinic and compliance; a case shows whether its client has acknowledged one.
    "GET /clients/{client_id}/privacy-notice":             (200,  200,    200,  200,   403,    403,  403,   403,   401,   401),
    # A client of the caller's clinic only: another clinic's client is answered as unknown (404).
    "POST /clients/{client_id}/privacy-notice-acknowledgements": (201, 201, 201, 404, 403,   403,  403,   403,   401,   401),
    "GET /clients/{client_id}/privacy-notice-acknowledgements":  (200, 200, 200, 200, 200,   403,  403,   403,   401,   401),
    "GET /reports/{case_id}/privacy-notice":               (200,  404,    200,  404,   200,    403,  403,   403,   401,   401),
    "GET /compliance/cases-without-privacy-notice":        (403,  403,    200,  200,   200,    403,  403,   403,   401,   401),
    # Users and tokens: admin only. An admin never reaches content: a token for another user
    # (here a practitioner) is refused too.
    "GET /admin/users":                                    (403,  403,    403,  403,   403,    403,  403,   200,   401,   401),
    "POST /admin/users":                                   (403,  403,    403,  403,   403,    403,  403,   201,   401,   401),
    "POST /admin/users/{user_id}/tokens":                  (403,  403,    403,  403,   403,    403,  403,   403,   401,   401),
    "POST /admin/users/{user_id}/disable":                 (403,  403,    403,  403,   403,    403,  403,   200,   401,   401),
    "POST /admin/tokens/{token_id}/revoke":                (403,  403,    403,  403,   403,    403,  403,   200,   401,   401),
}
# fmt: on

# The Temporal Web UI's codec server authenticates and entitles its callers itself.
OWN_RULES = {
    "POST /codec/decode": "tests/auth/test_codec_server.py",
    "POST /codec/encode": "tests/auth/test_codec_server.py",
    "POST /codec/cases/{case_id}/decode": "tests/auth/test_codec_server.py",
    "OPTIONS /codec/decode": "tests/auth/test_codec_server.py",
    "OPTIONS /codec/encode": "tests/auth/test_codec_server.py",
    "OPTIONS /codec/cases/{case_id}/decode": "tests/auth/test_codec_server.py",
}

# The stage a case must be in for each clinician step (a fresh case for each allowed caller).
STEP_STAGES = {
    "POST /reports/{case_id}/grounds": "awaiting-grounds",
    "POST /reports/{case_id}/phone-report": "awaiting-phone-report",
    "POST /reports/{case_id}/confirm": "awaiting-confirmation",
    "POST /reports/{case_id}/retry-delivery": "awaiting-confirmation",
    "POST /reports/{case_id}/inform-client": "awaiting-confirmation",
}


def routed_endpoints() -> set[str]:
    """Every ``METHOD /path`` the API serves, the codec server included."""
    from dutyflow.api.app import create_app

    app = create_app(
        engine=make_engine("sqlite://"),
        policies=PolicyLibrary(REPO_ROOT / "policies"),
        directory=AgencyDirectory.load(REPO_ROOT / "agencies", "http://intake.invalid"),
        task_queue="unused",
        secrets=lambda _agency: b"unused",
        payload_codec=EncryptionCodec([os.urandom(32)]),
    )
    return {
        f"{method} {route.path}"
        for route in iter_route_contexts(app.routes)
        for method in (getattr(route, "methods", None) or ())
        # The web app's pages act through these endpoints as the signed-in user (tests/web/).
        if method != "HEAD" and not route.path.startswith(WEB_PREFIX + "/")
    }


def test_every_endpoint_has_a_row_in_the_role_matrix() -> None:
    routed = routed_endpoints()

    assert routed - MATRIX.keys() - OWN_RULES.keys() == set(), "endpoints without a matrix row"
    assert (MATRIX.keys() | OWN_RULES.keys()) - routed == set(), "matrix rows of no endpoint"
    assert all(len(row) == len(CALLERS) for row in MATRIX.values())


# --- the world the callers meet ------------------------------------------------------------------


@dataclass
class World:
    """The callers, and the case (with its delivered report) they meet."""

    stack: Harness
    owner: Caller
    callers: dict[str, Any]  # name -> Caller, or None for the unauthenticated
    anonymous: httpx.AsyncClient
    revoked: httpx.AsyncClient
    clinic: str
    delivered_case: str
    report_id: str
    client_id: str
    shared_cases: dict[str, str]  # stage -> a case of the owner's at that stage
    fresh_cases: dict[str, list[str]]  # stage -> cases of the owner's that no step has touched

    def client(self, name: str) -> httpx.AsyncClient:
        if name == "no_token":
            return self.anonymous
        if name == "revoked_token":
            return self.revoked
        return self.callers[name].http

    def user_id(self, name: str) -> str:
        caller = self.callers.get(name)
        return caller.user_id if caller is not None else self.owner.user_id


async def case_at_stage(owner: Caller, stage: str, **opening: Any) -> str:
    """A case of ``owner``'s, taken through the clinician steps up to ``stage``."""
    case_id = await open_report_as(owner, **opening)
    await wait_for_stage(owner.http, case_id, "awaiting-grounds")
    if stage == "awaiting-grounds":
        return case_id
    await document_grounds(owner.http, case_id, scenario.grounds_submission())
    await wait_for_stage(owner.http, case_id, "awaiting-phone-report")
    if stage == "awaiting-phone-report":
        return case_id
    await record_phone_report(owner.http, case_id)
    await wait_for_stage(owner.http, case_id, "awaiting-confirmation")
    if stage == "awaiting-confirmation":
        return case_id
    await confirm(owner.http, case_id)
    await wait_for_stage(owner.http, case_id, "closed")
    return case_id


async def build_world(stack: Harness, callers: Callers) -> World:
    clinic = unique("clinic")
    owner = callers.new("practitioner", clinic_id=clinic)
    named: dict[str, Any] = {
        "practitioner_own": owner,
        "practitioner_other": callers.new("practitioner", clinic_id=clinic),
        "supervisor_own": callers.new("supervisor", clinic_id=clinic),
        "supervisor_other": callers.new("supervisor"),
        "compliance": callers.new("compliance"),
        "agency_addressed": callers.new("agency", agency_id="demo-county-cws"),
        "agency_other": callers.new("agency", agency_id="demo-county-sheriff"),
        "admin": callers.new("admin"),
    }
    row, token = issue_token(stack.sessions, owner.user_id)
    revoke_token(stack.sessions, row.token_id)
    client_id = unique("client")
    shared_stages = ("awaiting-grounds", "awaiting-phone-report", "awaiting-confirmation")
    fresh_stages = [
        STEP_STAGES[endpoint]
        for endpoint in STEP_STAGES
        for expected in MATRIX[endpoint]
        if 200 <= expected < 300
    ]
    # Every case the test needs is taken through its steps at once, side by side.
    delivered, *cases = await asyncio.gather(
        case_at_stage(owner, "closed", client_id=client_id),
        *(case_at_stage(owner, stage) for stage in (*shared_stages, *fresh_stages)),
    )
    shared, fresh = cases[: len(shared_stages)], cases[len(shared_stages) :]
    fresh_cases: dict[str, list[str]] = {}
    for stage, case_id in zip(fresh_stages, fresh, strict=True):
        fresh_cases.setdefault(stage, []).append(case_id)
    status = ok(await owner.http.get(f"/reports/{delivered}"))
    [delivery] = status["deliveries"]
    assert delivery["agency_id"] == "demo-county-cws"
    return World(
        stack=stack,
        owner=owner,
        callers=named,
        anonymous=callers.anonymous(),
        revoked=callers.with_token(owner.user_id, "practitioner", token).http,
        clinic=clinic,
        delivered_case=delivered,
        report_id=delivery["report_id"],
        client_id=client_id,
        shared_cases=dict(zip(shared_stages, shared, strict=True)),
        fresh_cases=fresh_cases,
    )


# --- one request per endpoint ---------------------------------------------------------------------

Request = Callable[[World, str, httpx.AsyncClient, bool], Awaitable[httpx.Response]]


async def step_case(world: World, endpoint: str, changes_state: bool) -> str:
    """The case a clinician step is tried on: a fresh one when the step will be allowed."""
    stage = STEP_STAGES[endpoint]
    if changes_state:
        waiting = world.fresh_cases.get(stage)
        return waiting.pop() if waiting else await case_at_stage(world.owner, stage)
    return world.shared_cases[stage]


def suspension() -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "agency_id": "demo-county-sheriff",
        "agency_or_official": "Detective J. Rivera",
        "form": "written",
        "statement_summary": "Letter: an accounting would impede an open investigation.",
        "starts_at": (now - timedelta(days=1)).isoformat(),
        "ends_at": (now + timedelta(days=60)).isoformat(),
    }


def exception_request() -> dict[str, Any]:
    return {
        "recipient_id": "county-child-welfare",
        "fields": ["clinical_context.diagnosis"],
        "justification": "The investigator needs the diagnosis to assess the risk.",
    }


def throwaway_user(sessions: SessionFactory) -> str:
    user, _token = new_user(sessions, "practitioner")
    return user.user_id


def throwaway_token(sessions: SessionFactory) -> str:
    _user, token = new_user(sessions, "practitioner")
    parsed = parse_token(token)
    assert parsed is not None
    return parsed[0]


async def request(
    world: World, endpoint: str, name: str, http: httpx.AsyncClient, allowed: bool
) -> httpx.Response:
    """The request ``name`` makes of ``endpoint``: what its own tool would send."""
    case = world.delivered_case
    sessions = world.stack.sessions
    match endpoint:
        case (
            "GET /health"
            | "GET /metrics"
            | "GET /openapi.json"
            | "GET /docs"
            | "GET /redoc"
            | "GET /me"
            | "GET /me/tasks"
            | "GET /me/notifications"
            | "GET /me/outbox"
        ):
            return await http.get(endpoint.split(" ", 1)[1])
        case "GET /training/requirements" | "GET /compliance/training":
            return await http.get(endpoint.split(" ", 1)[1])
        case "GET /me/training":
            return await http.get(
                "/me/training", params={"jurisdiction": "US-CA", "kind": "child-abuse"}
            )
        case "PUT /me/profile" | "GET /me/profile":
            # A profile saved first (where the role keeps one), so that reading it finds one.
            saved = await http.put("/me/profile", json={"name": f"Profile of {name}"})
            return saved if endpoint.startswith("PUT") else await http.get("/me/profile")
        case "PUT /me/notifications":
            return await http.put(
                "/me/notifications", json={"email": None, "notify_by_email": False}
            )
        case "POST /me/notifications/test":
            return await http.post("/me/notifications/test")
        case "POST /reports/{case_id}/withdraw":
            step = await step_case(world, "POST /reports/{case_id}/retry-delivery", False)
            return await http.post(
                f"/reports/{step}/withdraw",
                json={"practitioner_id": world.user_id(name), "reason": "duplicate"},
            )
        case "POST /reports/{case_id}/supplements":
            step = await step_case(world, "POST /reports/{case_id}/retry-delivery", False)
            return await http.post(
                f"/reports/{step}/supplements",
                json={
                    "practitioner_id": world.user_id(name),
                    "answers": {"grounds": {"past_incidents": "Another one last week."}},
                },
            )
        case "POST /reports/{case_id}/agency-reference":
            step = await step_case(world, "POST /reports/{case_id}/retry-delivery", False)
            return await http.post(
                f"/reports/{step}/agency-reference",
                json={
                    "practitioner_id": world.user_id(name),
                    "report_id": world.report_id,
                    "reference_number": "REF-1",
                },
            )
        case "GET /docs/oauth2-redirect":
            return await http.get("/docs/oauth2-redirect")
        case "GET /docs/assets/{asset}":
            return await http.get("/docs/assets/swagger-ui.css")
        case "POST /account-setup":
            _user, setup = create_account(
                sessions,
                user_id=unique("practitioner"),
                display_name="New practitioner",
                role="practitioner",
                clinic_id=world.clinic,
            )
            return await http.post(
                "/account-setup",
                json={"code": setup.code, "password": "a new practitioner's passphrase"},
            )
        case "GET /audit/checkpoint":
            checkpoint_at_case_closing(sessions)  # there is one, as after any case closing
            return await http.get("/audit/checkpoint")
        case "POST /agency-callbacks/{agency_id}/acknowledgements":
            return await http.post(
                "/agency-callbacks/demo-county-cws/acknowledgements",
                json={
                    "report_id": world.report_id,
                    "reference_number": "x",
                    "decision": "accepted",
                    "decided_at": datetime.now(UTC).isoformat(),
                },
            )
        case "POST /reports":
            return await http.post(
                "/reports",
                json=scenario.opening_request(
                    practitioner_id=world.owner.user_id, clinic_id=world.clinic
                ),
            )
        case "POST /reports/{case_id}/grounds":
            step = await step_case(world, endpoint, allowed)
            return await http.post(f"/reports/{step}/grounds", json=scenario.grounds_submission())
        case "POST /reports/{case_id}/phone-report":
            step = await step_case(world, endpoint, allowed)
            return await http.post(f"/reports/{step}/phone-report", json=scenario.phone_report())
        case "POST /reports/{case_id}/confirm":
            step = await step_case(world, endpoint, allowed)
            review = ok(await world.owner.http.get(f"/reports/{step}/review"))
            return await http.post(
                f"/reports/{step}/confirm",
                json={
                    "practitioner_id": world.user_id(name),
                    "review_sha256": review["review_sha256"],
                },
            )
        case "POST /reports/{case_id}/retry-delivery":
            step = await step_case(world, endpoint, False)
            return await http.post(
                f"/reports/{step}/retry-delivery",
                json={
                    "practitioner_id": world.user_id(name),
                    "recipient_id": "county-child-welfare",
                },
            )
        case "POST /reports/{case_id}/disclosure-decisions":
            step = await step_case(
                world, endpoint.replace("disclosure-decisions", "retry-delivery"), False
            )
            return await http.post(
                f"/reports/{step}/disclosure-decisions",
                json={
                    "practitioner_id": world.user_id(name),
                    "recipient_id": "county-child-welfare",
                    "decision": "disclose",
                    "reasons": "Reasoned decision.",
                },
            )
        case "POST /reports/{case_id}/contact-attempts":
            step = await step_case(
                world, endpoint.replace("contact-attempts", "retry-delivery"), False
            )
            return await http.post(
                f"/reports/{step}/contact-attempts",
                json={
                    "practitioner_id": world.user_id(name),
                    "recipient_id": "county-child-welfare",
                    "channel": "phone",
                    "outcome": "reached",
                    "attempted_at": (datetime.now(UTC) - timedelta(seconds=30)).isoformat(),
                },
            )
        case "POST /reports/{case_id}/inform-client":
            step = await step_case(world, endpoint, allowed)
            return await http.post(
                f"/reports/{step}/inform-client",
                json={
                    "practitioner_id": world.user_id(name),
                    "informed": True,
                    "method": "In person",
                    "informed_at": (datetime.now(UTC) - timedelta(seconds=30)).isoformat(),
                },
            )
        case "GET /reports/{case_id}":
            return await http.get(f"/reports/{case}")
        case "GET /reports/{case_id}/channel-tasks/{recipient_id}/portal":
            return await http.get(f"/reports/{case}/channel-tasks/county-child-welfare/portal")
        case "GET /reports/{case_id}/channel-tasks/{recipient_id}/paper.pdf":
            return await http.get(f"/reports/{case}/channel-tasks/county-child-welfare/paper.pdf")
        case "PUT /reports/{case_id}/deliveries/{report_id}/portal-receipt":
            return await http.put(
                f"/reports/{case}/deliveries/{'0' * 64}/portal-receipt", content=b"%PDF-1.7 receipt"
            )
        case "GET /reports/{case_id}/portal-receipts":
            return await http.get(f"/reports/{case}/portal-receipts")
        case "GET /reports/{case_id}/portal-receipts/{report_id}":
            return await http.get(f"/reports/{case}/portal-receipts/{'0' * 64}")
        case "POST /reports/{case_id}/report-sent":
            step = await step_case(world, "POST /reports/{case_id}/retry-delivery", False)
            return await http.post(
                f"/reports/{step}/report-sent",
                json={
                    "practitioner_id": world.user_id(name),
                    "recipient_id": "county-child-welfare",
                    "sent_at": datetime.now(UTC).isoformat(),
                    "confirmation_number": "PORTAL-1",
                },
            )
        case "POST /reports/{case_id}/acknowledgement-received":
            step = await step_case(world, "POST /reports/{case_id}/retry-delivery", False)
            return await http.post(
                f"/reports/{step}/acknowledgement-received",
                json={
                    "practitioner_id": world.user_id(name),
                    "report_id": world.report_id,
                    "reference_number": "REF-1",
                    "decision": "accepted",
                    "decided_at": datetime.now(UTC).isoformat(),
                    "received_via": "letter",
                    "acknowledged_by": "Intake desk",
                },
            )
        case "GET /reports/{case_id}/deliveries/{report_id}/pdf":
            return await http.get(f"/reports/{case}/deliveries/{world.report_id}/pdf")
        case (
            "GET /reports/{case_id}/review"
            | "GET /reports/{case_id}/heading"
            | "GET /reports/{case_id}/timeline"
            | "GET /reports/{case_id}/fhir"
        ):
            return await http.get(f"/reports/{case}/{endpoint.rsplit('/', 1)[1]}")
        case "GET /compliance/cases":
            return await http.get("/compliance/cases", params={"clinic": world.clinic})
        case "GET /compliance/cases/{case_id}/timeline":
            return await http.get(f"/compliance/cases/{case}/timeline")
        case "GET /accounting/{client_id}":
            return await http.get(f"/accounting/{world.client_id}", params={"view": "compliance"})
        case "POST /accounting/{client_id}/suspensions":
            return await http.post(f"/accounting/{world.client_id}/suspensions", json=suspension())
        case "GET /agency/reports":
            return await http.get("/agency/reports")
        case "GET /agency/reports/{report_id}":
            return await http.get(f"/agency/reports/{world.report_id}")
        case "POST /agency/reports/{report_id}/acknowledgement":
            reference = ok(await world.owner.http.get(f"/reports/{case}"))["deliveries"][0][
                "reference_number"
            ]
            return await http.post(
                f"/agency/reports/{world.report_id}/acknowledgement",
                json={"reference_number": reference, "decision": "accepted"},
            )
        case "GET /supervision/consultations":
            return await http.get("/supervision/consultations")
        case "GET /supervision/consultations/{case_id}":
            return await http.get(f"/supervision/consultations/{case}")
        case "POST /supervision/consultations/{case_id}/decision":
            return await http.post(
                f"/supervision/consultations/{world.shared_cases['awaiting-confirmation']}"
                "/decision",
                json={"decision": "approve"},
            )
        case "GET /reports/{case_id}/supervision":
            return await http.get(f"/reports/{case}/supervision")
        case "GET /reports/{case_id}/supervision/revealable":
            return await http.get(f"/reports/{case}/supervision/revealable")
        case "POST /reports/{case_id}/supervision/reveals":
            return await http.post(
                f"/reports/{case}/supervision/reveals",
                json={
                    "fields": ["victim.school"],
                    "reason": "The supervisor knows the school's lead.",
                },
            )
        case "POST /reports/{case_id}/exceptions":
            return await http.post(
                f"/reports/{world.shared_cases['awaiting-confirmation']}/exceptions",
                json=exception_request(),
            )
        case (
            "POST /reports/{case_id}/exceptions/{exception_id}/approve"
            | "POST /reports/{case_id}/exceptions/{exception_id}/refuse"
        ):
            shared = world.shared_cases["awaiting-confirmation"]
            exception_id = "exception-1"
            if allowed:  # a fresh request of the owner's for each second person
                asked = ok(
                    await world.owner.http.post(
                        f"/reports/{shared}/exceptions", json=exception_request()
                    )
                )
                exception_id = asked["exceptions"][-1]["exception_id"]
            return await http.post(
                f"/reports/{shared}/exceptions/{exception_id}/{endpoint.rsplit('/', 1)[1]}"
            )
        case "GET /reports/{case_id}/deidentified":
            return await http.get(f"/reports/{case}/deidentified")
        case "GET /clients/{client_id}/privacy-notice":
            return await http.get(
                "/clients/client-matrix-01/privacy-notice", params={"jurisdiction": "US-CA"}
            )
        case "POST /clients/{client_id}/privacy-notice-acknowledgements":
            # The client of the delivered case: a client of the owner's clinic.
            return await http.post(
                f"/clients/{world.client_id}/privacy-notice-acknowledgements",
                json={
                    "jurisdiction": "US-CA",
                    "notice_version": "2026.1",
                    "given_on": datetime.now(UTC).date().isoformat(),
                    "how": "signed",
                },
            )
        case "GET /clients/{client_id}/privacy-notice-acknowledgements":
            return await http.get("/clients/client-matrix-01/privacy-notice-acknowledgements")
        case "GET /reports/{case_id}/privacy-notice":
            return await http.get(f"/reports/{case}/privacy-notice")
        case "GET /supervision/exceptions":
            return await http.get("/supervision/exceptions")
        case "GET /compliance/cases-without-privacy-notice":
            return await http.get("/compliance/cases-without-privacy-notice")
        case "GET /admin/users":
            return await http.get("/admin/users")
        case "POST /admin/users":
            return await http.post(
                "/admin/users",
                json={
                    "user_id": unique("practitioner"),
                    "display_name": "New practitioner",
                    "role": "practitioner",
                    "clinic_id": world.clinic,
                },
            )
        case "POST /admin/users/{user_id}/tokens":
            return await http.post(f"/admin/users/{throwaway_user(sessions)}/tokens")
        case "POST /admin/users/{user_id}/disable":
            return await http.post(f"/admin/users/{throwaway_user(sessions)}/disable")
        case "POST /admin/tokens/{token_id}/revoke":
            return await http.post(f"/admin/tokens/{throwaway_token(sessions)}/revoke")
    raise AssertionError(f"no request written for {endpoint}: add one to `request`")


def traces_of(world: World, name: str) -> tuple[int, int] | None:
    """What a caller has written: audit entries naming them, and acknowledgements they recorded.
    A refused request (401, 403, 404) leaves both as they were. (None for the callers without a
    valid token: nothing could name them, and the owner's cases still write in the owner's name.)"""
    if name in ("no_token", "revoked_token"):
        return None
    user_id = world.user_id(name)
    with world.stack.sessions() as session:
        entries = session.exec(select(AuditEntry).where(AuditEntry.actor_id == user_id)).all()
        recorded = session.exec(
            select(PrivacyNoticeAcknowledgement).where(
                PrivacyNoticeAcknowledgement.recorded_by == user_id
            )
        ).all()
    return len(entries), len(recorded)


async def test_every_caller_meets_every_endpoint_as_the_matrix_says(
    api: httpx.AsyncClient, stack: Harness, callers: Callers
) -> None:
    world = await build_world(stack, callers)

    mismatches = []
    assert MATRIX, "the matrix has no rows: nothing would be checked"
    for endpoint, row in MATRIX.items():
        for name, expected in zip(CALLERS, row, strict=True):
            before = traces_of(world, name)
            answer = await request(world, endpoint, name, world.client(name), 200 <= expected < 300)
            if answer.status_code != expected:
                mismatches.append(
                    f"{endpoint:<55} {name:<20} expected {expected}, got {answer.status_code}: "
                    f"{answer.text[:160]}"
                )
            elif expected in (401, 403, 404) and traces_of(world, name) != before:
                mismatches.append(f"{endpoint:<55} {name:<20} refused, yet something was written")

    assert mismatches == [], "\n" + "\n".join(mismatches)
