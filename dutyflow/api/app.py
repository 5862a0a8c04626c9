"""FastAPI application. Each clinician step is a Temporal Update on the case's workflow; input is
checked here first with the same rules the workflow's validators apply, so a refused step never
reaches Temporal and nothing is recorded.

Every endpoint needs a bearer token (`dutyflow.auth.case_access` says who may see which case, and
how a refusal answers) except ``/health``, ``/metrics``, the OpenAPI documents, the codec server
(``/codec/...``, its own authentication) and the agencies' acknowledgements (authenticated by the
agency's signature). The caller is checked before the input: an unauthenticated request is 401
whatever its body."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from opentelemetry.trace import TracerProvider
from prometheus_client import CollectorRegistry
from pydantic import BaseModel, ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import select
from starlette.concurrency import run_in_threadpool
from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.converter import PayloadCodec
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from dutyflow.api import audit_checkpoint
from dutyflow.api.accounting import accounting_router
from dutyflow.api.admin import admin_router
from dutyflow.api.agency import agency_router, record_acknowledgement
from dutyflow.api.errors import problems_response, request_validation_handler
from dutyflow.auth.api import CHALLENGE, Authenticator, bearer_token, require_roles
from dutyflow.auth.case_access import (
    CaseGrant,
    assign_case,
    audit_content_read,
    case_reader,
    case_writer,
)
from dutyflow.auth.roles import Principal
from dutyflow.clients.api import clients_router
from dutyflow.compliance.api import compliance_router
from dutyflow.contracts import (
    CLINIC,
    JURISDICTION,
    REPORT_KIND,
    STAGE,
    Actor,
    CaseStatus,
    RetryDelivery,
    Stage,
)
from dutyflow.crypto.codec_server import codec_router
from dutyflow.crypto.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    ReplayGuard,
    SignatureError,
    verify,
)
from dutyflow.domain.agencies import AgencyDirectory
from dutyflow.domain.case import (
    CaseOpening,
    Confirmation,
    ContactAttempt,
    DisclosureDecision,
    GroundsSubmission,
    InformClientStep,
    PhoneReport,
    Reporter,
)
from dutyflow.domain.policy import NoPolicyError, PolicyLibrary
from dutyflow.domain.transmission import AgencyAcknowledgement
from dutyflow.domain.validation import (
    FieldProblem,
    GroundsRules,
    grounds_problems,
    grounds_rules_for,
    opening_problems,
    phone_report_problems,
)
from dutyflow.exports.api import deidentified_router
from dutyflow.interop.api import fhir_router
from dutyflow.observability import tracing
from dutyflow.observability.http import RequestObservability
from dutyflow.observability.metrics import CONTENT_TYPE_LATEST, ApiMetrics
from dutyflow.store import audit_log
from dutyflow.store.db import session_factory
from dutyflow.store.tables import ReportDocument
from dutyflow.supervision.router import supervision_router
from dutyflow.web import web_router
from workflows.mandated_report import MandatedReportWorkflow


class OpenReportRequest(BaseModel):
    """Opening a report. The case id is generated here, opaque, and becomes the workflow id."""

    jurisdiction: str
    kind: str
    county: str
    clinic_id: str
    practitioner_id: str
    client_id: str
    reporter: Reporter


class OpenedReport(BaseModel):
    case_id: str
    stage: Stage


class ReviewedDocument(BaseModel):
    recipient_id: str
    agency_name: str
    form_id: str
    sha256: str
    disclosed_fields: list[str]
    withheld_fields: list[str]
    text: str
    html: str


class Review(BaseModel):
    case_id: str
    review_sha256: str | None
    documents: list[ReviewedDocument]


class Caller(BaseModel):
    """Who the token stands for."""

    user_id: str
    role: str
    clinic_id: str | None
    agency_id: str | None


class TimelineEntry(BaseModel):
    seq: int
    recorded_at: datetime
    step: str
    actor_id: str
    actor_role: str
    content_sha256: str
    details: dict[str, Any]


def _temporal(request: Request) -> Client:
    return request.app.state.temporal


TemporalDep = Annotated[Client, Depends(_temporal)]
IdempotencyKey = Annotated[str | None, Header(max_length=200)]
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
    }
)
OWN_AUTHENTICATION_PREFIXES = ("/codec/", "/agency-callbacks/")


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(OWN_AUTHENTICATION_PREFIXES)


class Refusal(Exception):
    def __init__(self, problems: list[FieldProblem], status_code: int = 422) -> None:
        self.problems = problems
        self.status_code = status_code


def create_app(
    *,
    client: Client | None = None,
    connect_client: Any = None,
    engine: Engine,
    policies: PolicyLibrary,
    directory: AgencyDirectory,
    task_queue: str,
    secrets: Callable[[str], bytes],
    index_cases: bool = True,
    metrics_registry: CollectorRegistry | None = None,
    tracer_provider: TracerProvider | None = None,
    payload_codec: PayloadCodec | None = None,
    codec_cors_origins: Sequence[str] = (),
    web_form_secret: bytes | None = None,
) -> FastAPI:
    """``client`` (tests) or ``connect_client`` (an async callable, for the stack) gives Temporal.
    ``metrics_registry``: where the API's Prometheus metrics live (default: a new registry for
    this app, served at ``GET /metrics``). ``tracer_provider``: for the request spans (default: the
    process's global provider, see ``DUTYFLOW_OTLP_ENDPOINT``). ``web_form_secret``: the key of
    the web forms' CSRF tokens, the same in every API process (default: random, this process's)."""
    sessions = session_factory(engine)
    metrics = ApiMetrics(metrics_registry)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.temporal = client or await connect_client()
        yield
        tracing.flush()

    app = FastAPI(
        title="Dutyflow",
        description="Mandated reports as auditable workflows.",
        version="0.1.0",
        lifespan=lifespan,
        # FastAPI's own OpenTelemetry (spans with raw paths and queries, logs with exception
        # messages, exporters from FASTAPI_OTEL_* variables) is off: RequestObservability below
        # is the one place that traces, counts and logs requests, by route template.
        telemetry={"tracing": False, "metrics": False, "logs": False, "auto_configure": False},
    )
    app.state.metrics = metrics
    app.add_middleware(RequestObservability, metrics=metrics, tracer_provider=tracer_provider)
    authenticator = Authenticator(sessions)
    app.state.authenticator = authenticator
    readable = case_reader(sessions, authenticator)
    writable = case_writer(sessions, authenticator)
    practitioner = require_roles("practitioner", authenticator=authenticator)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # A body that is not even JSON is refused before the dependencies run: answer an
        # unauthenticated caller 401 all the same, never a description of the input.
        if not is_public(request.url.path) and (
            await run_in_threadpool(authenticator.principal, bearer_token(request)) is None
        ):
            return JSONResponse(
                {"detail": "a valid bearer token is required"}, status_code=401, headers=CHALLENGE
            )
        metrics.refused(_endpoint_name(request))
        return await request_validation_handler(request, exc)

    app.include_router(audit_checkpoint.router)
    app.include_router(compliance_router(sessions))
    app.include_router(fhir_router(sessions))
    app.include_router(accounting_router(sessions))
    app.include_router(agency_router(sessions))
    app.include_router(admin_router(sessions))
    app.include_router(
        supervision_router(
            sessions, authenticator=authenticator, readable=readable, writable=writable
        )
    )
    app.include_router(deidentified_router(sessions, authenticator))
    app.include_router(clients_router(sessions, authenticator))
    # The server-rendered web app (/app/): it acts through this API in-process, as the signed-in user.
    app.include_router(web_router(sessions, policies=policies, csrf_secret=web_form_secret))
    if payload_codec is not None:
        # The Temporal Web UI's codec server: decrypts only for a user entitled to the case.
        app.include_router(
            codec_router(sessions, payload_codec, cors_origins=list(codec_cors_origins))
        )

    @app.exception_handler(Refusal)
    async def _refusal(request: Request, exc: Refusal) -> JSONResponse:
        metrics.refused(_endpoint_name(request))
        return problems_response(exc.problems, exc.status_code)

    def handle(temporal_client: Client, case_id: str) -> WorkflowHandle[Any, Any]:
        return temporal_client.get_workflow_handle_for(MandatedReportWorkflow.run, case_id)

    async def update(
        handle_: WorkflowHandle[Any, Any],
        method: Any,
        arg: Any,
        key: str | None,
        actor: Actor | None = None,
    ) -> CaseStatus:
        """``actor``: who acts, for a step whose body names nobody (the grounds, the phone
        report)."""
        args = [arg] if actor is None else [arg, actor]
        try:
            return await handle_.execute_update(method, args=args, id=key or str(uuid.uuid4()))
        except WorkflowUpdateFailedError as err:
            raise _refusal_from(err) from None
        except RPCError as err:
            raise _not_found_or(err) from None

    async def signed_step(
        grant: CaseGrant, temporal_client: Client, method: Any, body: Any, key: str | None
    ) -> CaseStatus:
        """A clinician step signed with a practitioner id: only in the caller's own name."""
        refuse_acting_for_another(body.practitioner_id, grant.principal)
        return await update(handle(temporal_client, grant.case_id), method, body, key)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics() -> Response:
        """Prometheus exposition of this API's metrics (request counts and latency by route
        template, reports opened, clinician step refusals by step)."""
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/me", response_model=Caller)
    async def me(principal: Principal = Depends(authenticator)) -> Caller:  # noqa: B008
        """Who the bearer token stands for: user id, role, clinic or agency."""
        return Caller(
            user_id=principal.user_id,
            role=principal.role,
            clinic_id=principal.clinic_id,
            agency_id=principal.agency_id,
        )

    @app.post("/reports", status_code=201, response_model=OpenedReport)
    async def open_report(
        body: OpenReportRequest,
        temporal_client: TemporalDep,
        principal: Principal = Depends(practitioner),  # noqa: B008
    ) -> OpenedReport:
        """A practitioner opens a report of their own, in their own clinic."""
        impersonation = [
            FieldProblem(field=field, problem=problem)
            for field, problem, mismatch in (
                (
                    "practitioner_id",
                    "must be your own user id",
                    body.practitioner_id != principal.user_id,
                ),
                ("clinic_id", "must be your own clinic", body.clinic_id != principal.clinic_id),
            )
            if mismatch
        ]
        if impersonation:
            raise Refusal(impersonation, status_code=403)
        case_id = f"case-{uuid.uuid4().hex}"
        opening = CaseOpening(case_id=case_id, **body.model_dump())
        problems = opening_problems(opening)
        try:
            policy = policies.in_effect(opening.jurisdiction, opening.kind, date.today())
        except NoPolicyError as err:
            field, _, problem = str(err).partition(": ")
            problems.append(FieldProblem(field=field, problem=problem))
        else:
            # A person, a court or a requesting party is not found in the agency directory.
            role = policy.recipient(policy.recipient_selection.default).agency_role
            if (
                role is not None
                and opening.county.strip()
                and directory.find(opening.jurisdiction, opening.county, role) is None
            ):
                problems.append(
                    FieldProblem(
                        field="county", problem=f"no {role} agency is known for this county"
                    )
                )
        if problems:
            raise Refusal(problems)
        # Whose case it is, before the workflow starts: its next step may arrive before the
        # workflow has written its own case record.
        await run_in_threadpool(
            assign_case, sessions, case_id, opening.clinic_id, opening.practitioner_id
        )
        await temporal_client.start_workflow(
            MandatedReportWorkflow.run,
            opening,
            id=case_id,
            task_queue=task_queue,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(STAGE, Stage.OPENING.value),
                    SearchAttributePair(JURISDICTION, opening.jurisdiction),
                    SearchAttributePair(REPORT_KIND, opening.kind.value),
                    SearchAttributePair(CLINIC, opening.clinic_id),
                ]
                if index_cases
                else []
            ),
        )
        metrics.reports_opened.inc()
        return OpenedReport(case_id=case_id, stage=Stage.OPENING)

    @app.post("/reports/{case_id}/grounds", response_model=CaseStatus)
    async def document_grounds(
        case_id: str,
        body: GroundsSubmission,
        temporal_client: TemporalDep,
        idempotency_key: IdempotencyKey = None,
        grant: CaseGrant = Depends(writable),  # noqa: B008
    ) -> CaseStatus:
        """The case's practitioner, or a supervisor of its clinic, documents the grounds; the
        audit names whoever did."""
        # The questions are the case's kind's, under the policy version it was opened with.
        current = await query_status(temporal_client, case_id)
        rules = GroundsRules(kind=current.kind)
        if current.policy_version is not None:
            rules = grounds_rules_for(
                policies.version(current.jurisdiction, current.kind, current.policy_version)
            )
        problems = grounds_problems(body, datetime.now(UTC), None, rules)
        if problems:
            raise Refusal(problems)
        return await update(
            handle(temporal_client, case_id),
            MandatedReportWorkflow.document_grounds,
            body,
            idempotency_key,
            acting(grant.principal),
        )

    @app.post("/reports/{case_id}/phone-report", response_model=CaseStatus)
    async def record_phone_report(
        case_id: str,
        body: PhoneReport,
        temporal_client: TemporalDep,
        idempotency_key: IdempotencyKey = None,
        grant: CaseGrant = Depends(writable),  # noqa: B008
    ) -> CaseStatus:
        """The statutory call, recorded by whoever made it: the case's practitioner, or a
        supervisor of its clinic; the audit names them."""
        problems = phone_report_problems(body, datetime.now(UTC), None)
        if problems:
            raise Refusal(problems)
        return await update(
            handle(temporal_client, case_id),
            MandatedReportWorkflow.record_phone_report,
            body,
            idempotency_key,
            acting(grant.principal),
        )

    @app.post("/reports/{case_id}/confirm", response_model=CaseStatus)
    async def confirm_report(
        case_id: str,
        body: Confirmation,
        temporal_client: TemporalDep,
        idempotency_key: IdempotencyKey = None,
        grant: CaseGrant = Depends(writable),  # noqa: B008
    ) -> CaseStatus:
        return await signed_step(
            grant, temporal_client, MandatedReportWorkflow.confirm_report, body, idempotency_key
        )

    @app.post("/reports/{case_id}/disclosure-decisions", response_model=CaseStatus)
    async def decide_disclosure(
        case_id: str,
        body: DisclosureDecision,
        temporal_client: TemporalDep,
        idempotency_key: IdempotencyKey = None,
        grant: CaseGrant = Depends(writable),  # noqa: B008
    ) -> CaseStatus:
        """Disclose to, or decline, a recipient the law permits but does not require; the
        reasons are recorded either way."""
        return await signed_step(
            grant, temporal_client, MandatedReportWorkflow.decide_disclosure, body, idempotency_key
        )

    @app.post("/reports/{case_id}/contact-attempts", response_model=CaseStatus)
    async def record_contact_attempt(
        case_id: str,
        body: ContactAttempt,
        temporal_client: TemporalDep,
        idempotency_key: IdempotencyKey = None,
        grant: CaseGrant = Depends(writable),  # noqa: B008
    ) -> CaseStatus:
        """One attempt to reach a potential victim, a support contact, a telephone-only agency,
        a court or a requesting party: every attempt is logged, reached or not."""
        return await signed_step(
            grant,
            temporal_client,
            MandatedReportWorkflow.record_contact_attempt,
            body,
            idempotency_key,
        )

    @app.post("/reports/{case_id}/inform-client", response_model=CaseStatus)
    async def record_inform_client_decision(
        case_id: str,
        body: InformClientStep,
        temporal_client: TemporalDep,
        idempotency_key: IdempotencyKey = None,
        grant: CaseGrant = Depends(writable),  # noqa: B008
    ) -> CaseStatus:
        """The decision to tell the client about the report (45 CFR 164.512(c)(2)), recorded
        either way: informed, or the exception that applies and why."""
        return await signed_step(
            grant,
            temporal_client,
            MandatedReportWorkflow.record_inform_client_decision,
            body,
            idempotency_key,
        )

    @app.post("/reports/{case_id}/retry-delivery", response_model=CaseStatus)
    async def retry_delivery(
        case_id: str,
        body: RetryDelivery,
        temporal_client: TemporalDep,
        idempotency_key: IdempotencyKey = None,
        grant: CaseGrant = Depends(writable),  # noqa: B008
    ) -> CaseStatus:
        return await signed_step(
            grant, temporal_client, MandatedReportWorkflow.retry_delivery, body, idempotency_key
        )

    replays = ReplayGuard()

    @app.post("/agency-callbacks/{agency_id}/acknowledgements")
    async def agency_acknowledgement(
        agency_id: str, request: Request, temporal_client: TemporalDep
    ) -> dict[str, str]:
        """An agency's signed acknowledgement (accepted or screened out) of a delivered report."""
        raw = await request.body()
        try:
            secret = secrets(agency_id)
        except KeyError:
            raise HTTPException(status_code=404, detail="agency_id: unknown agency") from None
        try:
            stamp = verify(
                secret,
                raw,
                request.headers.get(TIMESTAMP_HEADER),
                request.headers.get(SIGNATURE_HEADER),
            )
            replays.check(request.headers[SIGNATURE_HEADER], stamp)
        except SignatureError as err:
            raise HTTPException(status_code=401, detail=str(err)) from None
        try:
            acknowledgement = AgencyAcknowledgement.model_validate_json(raw)
        except ValidationError as err:
            raise Refusal(
                [
                    FieldProblem(field=".".join(map(str, e["loc"])) or "body", problem=e["msg"])
                    for e in err.errors()
                ]
            ) from None
        return await record_acknowledgement(sessions, temporal_client, agency_id, acknowledgement)

    async def query_status(temporal_client: Client, case_id: str) -> CaseStatus:
        try:
            return await handle(temporal_client, case_id).query(MandatedReportWorkflow.status)
        except RPCError as err:
            raise _not_found_or(err) from None

    @app.get("/reports/{case_id}", response_model=CaseStatus)
    async def status(
        case_id: str,
        temporal_client: TemporalDep,
        _grant: CaseGrant = Depends(readable),  # noqa: B008
    ) -> CaseStatus:
        """The case's stage, obligations, deadlines and deliveries: no case content."""
        return await query_status(temporal_client, case_id)

    @app.get("/reports/{case_id}/review", response_model=Review)
    async def review(
        case_id: str,
        temporal_client: TemporalDep,
        grant: CaseGrant = Depends(readable),  # noqa: B008
    ) -> Review:
        """Per recipient, the rendered report and the fields disclosed and withheld. Case
        content: every read is audited."""
        current = await query_status(temporal_client, case_id)
        disclosures = {d.recipient_id: d for d in current.disclosures}
        agencies = {o.recipient_id: o.agency_name for o in current.obligations}
        with sessions() as session:
            rows = session.exec(
                select(ReportDocument).where(ReportDocument.case_id == case_id)
            ).all()
        documents = [
            ReviewedDocument(
                recipient_id=row.recipient_id,
                agency_name=agencies.get(row.recipient_id, row.recipient_id),
                form_id=row.form_id,
                sha256=row.sha256,
                disclosed_fields=disclosures[row.recipient_id].disclosed_fields,
                withheld_fields=disclosures[row.recipient_id].withheld_fields,
                text=row.text,
                html=row.html,
            )
            for row in rows
            if row.recipient_id in disclosures
        ]
        answer = Review(case_id=case_id, review_sha256=current.review_sha256, documents=documents)
        await run_in_threadpool(
            audit_content_read,
            sessions,
            grant.principal,
            case_id,
            "review",
            answer.model_dump(mode="json"),
        )
        return answer

    @app.get("/reports/{case_id}/timeline", response_model=list[TimelineEntry])
    async def timeline(
        case_id: str,
        _grant: CaseGrant = Depends(readable),  # noqa: B008
    ) -> list[TimelineEntry]:
        """The case's audit entries: who did what and when, hashes, never content."""
        with sessions() as session:
            entries = audit_log.entries_for_case(session, case_id)
        if not entries:
            raise HTTPException(status_code=404, detail="case_id: no such case")
        return [
            TimelineEntry(
                seq=e.seq,
                recorded_at=e.recorded_at
                if e.recorded_at.tzinfo
                else e.recorded_at.replace(tzinfo=UTC),
                step=e.step,
                actor_id=e.actor_id,
                actor_role=e.actor_role,
                content_sha256=e.content_sha256,
                details=e.details,
            )
            for e in entries
        ]

    return app


def acting(principal: Principal) -> Actor:
    """The authenticated caller, as the audit names them."""
    return Actor(actor_id=principal.user_id, role=principal.role)


def refuse_acting_for_another(practitioner_id: str, principal: Principal) -> None:
    """A step signed with a practitioner id is the caller's own: nobody signs for another."""
    if practitioner_id != principal.user_id:
        raise Refusal(
            [FieldProblem(field="practitioner_id", problem="must be your own user id")],
            status_code=403,
        )


def _endpoint_name(request: Request) -> str | None:
    return getattr(request.scope.get("endpoint"), "__name__", None)


def _refusal_from(err: WorkflowUpdateFailedError) -> Exception:
    cause = err.cause
    if isinstance(cause, ApplicationError):
        if cause.type == "InvalidInput" and cause.details:
            return Refusal([FieldProblem.model_validate(p) for p in cause.details[0]])
        if cause.type == "InvalidState":
            return Refusal([FieldProblem(field="case", problem=cause.message)], status_code=409)
        return Refusal([FieldProblem(field="case", problem=cause.message)], status_code=422)
    return Refusal([FieldProblem(field="body", problem="could not be read by the case workflow")])


def _not_found_or(err: RPCError) -> Exception:
    if err.status == RPCStatusCode.NOT_FOUND and "completed" in err.message:
        return Refusal([FieldProblem(field="case", problem="the case is closed")], status_code=409)
    if err.status == RPCStatusCode.NOT_FOUND:
        return HTTPException(status_code=404, detail="case_id: no such case")
    return HTTPException(status_code=503, detail="the workflow service is unavailable; try again")
