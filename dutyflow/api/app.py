"""The FastAPI application: `create_app` puts what the endpoints need on ``app.state``
(`dutyflow.api.deps` reads it), adds the request observability, the refusal handlers, and
includes each router of `dutyflow.api.routes`, the web app's (`dutyflow.web`) and the codec
server's. No endpoint lives here.

Every endpoint needs a bearer token (`dutyflow.auth.case_access` says who may see which case, and
how a refusal answers) except ``/health``, ``/metrics``, the OpenAPI documents and their pages'
own assets, the codec server (``/codec/...``, its own authentication) and the agencies'
acknowledgements (authenticated by the agency's signature). The caller is checked before the
input: an unauthenticated request is 401 whatever its body."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from opentelemetry.trace import TracerProvider
from prometheus_client import CollectorRegistry
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute
from temporalio.client import Client
from temporalio.converter import PayloadCodec

from dutyflow.api.body_limit import DEFAULT_MAX_BODY_BYTES, BodySizeLimit
from dutyflow.api.case_workflow import CaseStarts
from dutyflow.api.deps import (
    AgencySecrets,
    get_authenticator,
    get_metrics,
    provide_codec,
    provide_database,
)
from dutyflow.api.errors import (
    PROBLEM_RESPONSES,
    Refusal,
    http_problem_handler,
    problems_response,
    request_validation_handler,
)
from dutyflow.api.routes import (
    account_setup,
    accounting,
    acknowledgements,
    admin,
    agency,
    api_docs,
    audit_checkpoint,
    case_headings,
    channels,
    clinician_steps,
    codec,
    compliance,
    consultations,
    disclosure_exceptions,
    exports,
    fhir,
    health,
    me,
    portal_receipts,
    privacy_notices,
    profiles,
    reports,
    reveals,
    sent_copies,
    supervision_record,
    supplements,
)
from dutyflow.api.security_headers import SecurityHeaders
from dutyflow.auth.api import CHALLENGE, bearer_token
from dutyflow.domain.agencies import AgencyDirectory
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.notifications.escalation import MailSettings
from dutyflow.observability import tracing
from dutyflow.observability.http import RequestObservability
from dutyflow.observability.metrics import ApiMetrics
from dutyflow.store.db import session_factory
from dutyflow.web import WEB_ROUTER, serve_web_app
from dutyflow.web.times import ClinicTimeZones

# Served to anyone: liveness, metrics, the API's own documentation. The codec server and the
# agencies' acknowledgements authenticate their callers themselves.
PUBLIC_PATHS = frozenset(
    {
        "/health",
        "/metrics",
        "/docs",
        "/docs/oauth2-redirect",
        "/redoc",
        "/openapi.json",
        "/audit/checkpoint",
        "/account-setup",  # the one-time set-up code is the credential
    }
)
PUBLIC_PREFIXES = (api_docs.ASSETS_PATH + "/",)
OWN_AUTHENTICATION_PREFIXES = ("/codec/", "/agency-callbacks/")

# The API's routers, in the order they are routed (and listed in the OpenAPI document).
ROUTERS = (
    compliance.router,
    fhir.router,
    accounting.router,
    agency.router,
    admin.router,
    disclosure_exceptions.router,
    consultations.router,
    reveals.router,
    supervision_record.router,
    exports.router,
    privacy_notices.router,
    health.router,
    me.router,
    profiles.router,
    account_setup.router,
    reports.router,
    case_headings.router,
    sent_copies.router,
    channels.router,
    portal_receipts.router,
    clinician_steps.router,
    supplements.router,
    acknowledgements.router,
    audit_checkpoint.router,
    api_docs.router,
)


def _routes_of_every_application() -> list[BaseRoute]:
    """The API's routers and the web app's, each included here once per process. An application
    is made with these routes (`create_app`) rather than including the routers itself: FastAPI
    prepares an included router's routes (their dependencies, their response models) for each
    router that includes it, ~3 ms a route, and a test session makes an application per test.
    Shared so, the routes do not see an application's ``dependency_overrides`` (nothing here sets
    any: what differs between applications is in their state)."""
    served = APIRouter()
    for router in ROUTERS:
        served.include_router(router, responses=PROBLEM_RESPONSES)
    # The server-rendered web app (/app/): it acts through this API in-process, as the signed-in
    # user.
    served.include_router(WEB_ROUTER)
    return list(served.routes)


ROUTES_OF_EVERY_APPLICATION = _routes_of_every_application()


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES + OWN_AUTHENTICATION_PREFIXES)


def endpoint_name(request: Request) -> str | None:
    """The name of the endpoint that answered (the metrics' step label)."""
    return getattr(request.scope.get("endpoint"), "__name__", None)


@asynccontextmanager
async def connected(app: FastAPI) -> AsyncIterator[None]:
    """The app's lifespan: Temporal is connected as it starts (unless a client was given), and
    the traces are flushed as it stops."""
    if app.state.connect_temporal is not None:
        app.state.temporal = await app.state.connect_temporal()
    yield
    tracing.flush()


async def refusal_handler(request: Request, exc: Exception) -> JSONResponse:
    """A `Refusal`, answered with its fields and problems; a clinician step's is counted."""
    assert isinstance(exc, Refusal)
    (await get_metrics(request)).refused(endpoint_name(request))
    return problems_response(exc.problems, exc.status_code, instance=request.url.path)


async def invalid_request_handler(request: Request, exc: Exception) -> JSONResponse:
    """Input FastAPI could not even read. A body that is not JSON is refused before the
    dependencies run: an unauthenticated caller is answered 401 all the same, never with a
    description of the input."""
    if not is_public(request.url.path):
        authenticator = await get_authenticator(request)
        if await run_in_threadpool(authenticator.principal, bearer_token(request)) is None:
            return JSONResponse(
                {"detail": "a valid bearer token is required"}, status_code=401, headers=CHALLENGE
            )
    (await get_metrics(request)).refused(endpoint_name(request))
    return await request_validation_handler(request, exc)


def create_app(
    *,
    client: Client | None = None,
    connect_client: Callable[[], Awaitable[Client]] | None = None,
    engine: Engine,
    policies: PolicyLibrary,
    directory: AgencyDirectory,
    task_queue: str,
    secrets: AgencySecrets,
    index_cases: bool = True,
    metrics_registry: CollectorRegistry | None = None,
    tracer_provider: TracerProvider | None = None,
    payload_codec: PayloadCodec | None = None,
    codec_cors_origins: Sequence[str] = (),
    web_form_secret: bytes | None = None,
    clinic_time_zones: ClinicTimeZones | None = None,
    mail: MailSettings | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> FastAPI:
    """``client`` (tests) or ``connect_client`` (an async callable, for the stack) gives Temporal.
    ``metrics_registry``: where the API's Prometheus metrics live (default: a new registry for
    this app, served at ``GET /metrics``). ``tracer_provider``: for the request spans (default: the
    process's global provider, see ``DUTYFLOW_OTLP_ENDPOINT``). ``web_form_secret``: the key of
    the web forms' CSRF tokens, the same in every API process (default: random, this process's).
    ``clinic_time_zones``: the zone each clinic's pages show and take times in (default: UTC);
    ``mail``: where a user's test message is sent (default: nowhere, refused);
    ``max_body_bytes``: the largest request body any endpoint reads (413 beyond it)."""
    sessions = session_factory(engine)
    metrics = ApiMetrics(metrics_registry)
    app = FastAPI(
        title="Dutyflow",
        description="Mandated reports as auditable workflows.",
        version="0.1.0",
        lifespan=connected,
        # Served by `dutyflow.api.routes.api_docs` from this origin's own assets, not a CDN.
        docs_url=None,
        redoc_url=None,
        # FastAPI's own OpenTelemetry (spans with raw paths and queries, logs with exception
        # messages, exporters from FASTAPI_OTEL_* variables) is off: RequestObservability below
        # is the one place that traces, counts and logs requests, by route template.
        telemetry={"tracing": False, "metrics": False, "logs": False, "auto_configure": False},
        routes=list(ROUTES_OF_EVERY_APPLICATION),
    )
    provide_database(app, sessions)
    app.state.temporal = client
    app.state.connect_temporal = connect_client if client is None else None
    app.state.policies = policies
    app.state.directory = directory
    app.state.agency_secrets = secrets
    app.state.mail = mail or MailSettings(None, "Dutyflow <dutyflow@localhost>", "")
    app.state.case_starts = CaseStarts(task_queue=task_queue, index_cases=index_cases)
    app.state.metrics = metrics

    app.add_middleware(RequestObservability, metrics=metrics, tracer_provider=tracer_provider)
    # Outermost: a body over the limit is refused before anything reads it; every answer, that
    # refusal included, carries the security headers.
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    app.add_middleware(SecurityHeaders)
    app.add_exception_handler(RequestValidationError, invalid_request_handler)
    app.add_exception_handler(Refusal, refusal_handler)
    app.add_exception_handler(StarletteHTTPException, http_problem_handler)

    serve_web_app(
        app, sessions, policies=policies, csrf_secret=web_form_secret, zones=clinic_time_zones
    )
    if payload_codec is not None:
        # The Temporal Web UI's codec server: decrypts only for a user entitled to the case.
        provide_codec(app, payload_codec, codec_cors_origins)
        app.include_router(codec.router, responses=PROBLEM_RESPONSES)
    return app
