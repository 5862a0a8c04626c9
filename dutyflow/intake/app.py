"""The reference agency intake service: receives mandated reports over HTTP, and acknowledges them.

``POST /agencies/{agency_id}/reports`` takes a `ReportTransmission` with an ``Idempotency-Key``
header equal to its ``report_id``. The first delivery is stored and answered ``201`` with an
`IntakeReceipt`; a repeat of the same key is answered ``200`` from the stored report, with the same
reference number and receipt time and ``duplicate`` set; the same key with a different document is
a ``409``. Received reports can be listed and fetched by reference number.

With ``secrets`` (agency id -> shared secret), every report must be signed
(`dutyflow.crypto.signing`): the signature over the raw body is checked before anything is parsed
or stored, a stale or wrong one is a ``401`` naming the header, and a byte-identical replay of a
request already seen is a ``401`` too. A genuine retry is signed anew and is deduplicated as above.

Each report is then decided, accepted or screened out: at once (``auto_acknowledge``), or by staff
through ``POST .../reports/{reference_number}/decision`` or the HTML inbox at
``/agencies/{agency_id}/inbox``. Once decided, when the transmission named an
``acknowledgement_url``, an `AgencyAcknowledgement` is POSTed there in the background, signed with
the agency's secret, and retried with exponential backoff; a callback that failed every attempt can
be resent. The inbox has no authentication of its own: run it behind the agency's access control.

Run it with ``DUTYFLOW_INTAKE_DATABASE_URL=... uvicorn --factory dutyflow.intake.app:app_from_env``
(see `app_from_env` for the other settings).

Logs carry agency ids, reference numbers and idempotency keys only, never report content.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
from fastapi import Depends, FastAPI, Header, HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dutyflow.crypto.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    AgencySecrets,
    ReplayGuard,
    SignatureError,
    signed_headers,
    verify,
)
from dutyflow.domain.documents import document_sha256
from dutyflow.domain.transmission import (
    IDEMPOTENCY_HEADER,
    AcknowledgementDecision,
    AgencyAcknowledgement,
    IntakeReceipt,
    ReportTransmission,
)
from dutyflow.intake.store import (
    MAX_IDEMPOTENCY_KEY_LENGTH,
    MAX_NOTE_LENGTH,
    CallbackStatus,
    IntakeReport,
    create_intake_engine,
    create_intake_tables,
    decide,
    decided_at_utc,
    find_by_id,
    find_by_reference,
    list_reports,
    pending_callbacks,
    receive_report,
    received_at_utc,
    record_callback_attempt,
    reopen_failed_callback,
)

logger = logging.getLogger("dutyflow.intake")

MAX_BODY_BYTES = 2 * 1024 * 1024
AGENCY_ID_PATTERN = re.compile(r"[a-z0-9-]{1,64}")

CALLBACK_ATTEMPTS = 5
CALLBACK_FIRST_BACKOFF_SECONDS = 0.2  # then 0.4, 0.8, 1.6: about three seconds in all
CALLBACK_TIMEOUT_SECONDS = 10.0

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

# The pages carry report content: no scripts, nothing fetched from elsewhere, never cached.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

SecretLookup = Callable[[str], bytes]
ClientFactory = Callable[[], httpx.AsyncClient]


class ReceivedReport(BaseModel):
    """A stored report as the agency sees it, with its decision and the callback's state."""

    reference_number: str
    received_at: datetime
    case_reference: str
    form: str
    idempotency_key: str
    decision: AcknowledgementDecision | None
    decided_at: datetime | None
    note: str | None
    acknowledgement_url: str | None
    callback_status: CallbackStatus
    callback_attempts: int
    transmission: ReportTransmission


class DecisionRequest(BaseModel):
    """Staff's decision on a report."""

    model_config = ConfigDict(extra="forbid")

    decision: AcknowledgementDecision
    note: str | None = Field(default=None, max_length=MAX_NOTE_LENGTH)


def create_app(
    database_url: str,
    agencies: dict[str, str] | None = None,
    secrets: SecretLookup | None = None,
    auto_acknowledge: bool = True,
    callback_client_factory: ClientFactory | None = None,
) -> FastAPI:
    """The intake service over the database at ``database_url``.

    ``agencies`` maps the agency ids served to display names; other ids are not found. Without
    it, any agency id of 1-64 lowercase letters, digits and hyphens is served.

    ``secrets`` maps an agency id to its shared secret (raising `KeyError` for an unknown one);
    when given, reports must be signed, and acknowledgement callbacks are signed. Without it,
    neither is.

    ``auto_acknowledge`` accepts every new report at once; otherwise staff decide.

    ``callback_client_factory`` makes the `httpx.AsyncClient` for one callback (all its attempts);
    the service closes it. By default: TLS verified, a 10 s timeout, no redirects followed.
    """
    engine = create_intake_engine(database_url)
    create_intake_tables(engine)
    replays = ReplayGuard()
    acknowledger = _Acknowledger(engine, secrets, callback_client_factory)
    pages = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True, undefined=StrictUndefined
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            # Callbacks cut short by a stop are picked up again.
            for report in await run_in_threadpool(pending_callbacks, engine):
                acknowledger.schedule(report)
            yield
        finally:
            await acknowledger.close()
            engine.dispose()

    app = FastAPI(
        title="Dutyflow reference agency intake",
        lifespan=lifespan,
        # FastAPI's built-in telemetry would export raw paths and exception messages.
        telemetry={"tracing": False, "metrics": False, "logs": False, "auto_configure": False},
    )
    app.add_middleware(_BodySizeLimit, max_bytes=MAX_BODY_BYTES)
    app.state.engine = engine
    app.state.agencies = dict(agencies) if agencies is not None else None
    app.state.acknowledger = acknowledger

    def known_agency(agency_id: str) -> str:
        if agencies is not None:
            if agency_id not in agencies:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown agency {agency_id!r}")
        elif not AGENCY_ID_PATTERN.fullmatch(agency_id):
            raise HTTPException(
                status.HTTP_404_NOT_FOUND,
                f"unknown agency {agency_id!r}: agency ids are 1-64 of [a-z0-9-]",
            )
        return agency_id

    def check_signature(agency_id: str, request: Request, body: bytes) -> None:
        if secrets is None:
            return
        try:
            secret = secrets(agency_id)
        except KeyError:
            logger.warning("no shared secret configured agency=%s", agency_id)
            raise _unauthorized(
                f"{SIGNATURE_HEADER}: no shared secret is configured for this agency"
            ) from None
        presented = request.headers.get(SIGNATURE_HEADER)
        try:
            stamp = verify(secret, body, request.headers.get(TIMESTAMP_HEADER), presented)
            assert presented is not None  # verify refuses a missing signature
            replays.check(presented, stamp)
        except SignatureError as err:
            logger.warning("signature refused agency=%s problem=%s", agency_id, err)
            raise _unauthorized(str(err)) from None

    async def report_or_404(agency_id: str, reference_number: str) -> IntakeReport:
        report = await run_in_threadpool(find_by_reference, engine, agency_id, reference_number)
        if report is None:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, f"no report with reference number {reference_number!r}"
            )
        return report

    async def take_decision(
        agency_id: str, reference_number: str, request: DecisionRequest
    ) -> IntakeReport:
        await report_or_404(agency_id, reference_number)
        report, decided = await run_in_threadpool(
            decide, engine, agency_id, reference_number, request.decision, request.note
        )
        assert report is not None  # reports are never deleted
        if not decided:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"report {reference_number} was already decided: {report.decision}",
            )
        logger.info(
            "report decided agency=%s reference=%s decision=%s",
            agency_id,
            reference_number,
            report.decision,
        )
        acknowledger.schedule(report)
        return report

    async def resend_acknowledgement(agency_id: str, reference_number: str) -> IntakeReport:
        report = await report_or_404(agency_id, reference_number)
        if report.callback_status != CallbackStatus.FAILED:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"the acknowledgement of {reference_number} is {report.callback_status}; "
                "only a failed one can be resent",
            )
        assert report.id is not None
        if not await run_in_threadpool(reopen_failed_callback, engine, report.id):
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"the acknowledgement of {reference_number} is already being resent",
            )
        report = await report_or_404(agency_id, reference_number)
        logger.info("acknowledgement resend agency=%s reference=%s", agency_id, reference_number)
        acknowledger.schedule(report)
        return report

    # --- the wire contract -----------------------------------------------------------------------

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post(
        "/agencies/{agency_id}/reports",
        status_code=status.HTTP_201_CREATED,
        responses={
            200: {"model": IntakeReceipt, "description": "Already received under this key"},
            400: {"description": f"Missing or over-long {IDEMPOTENCY_HEADER} header"},
            401: {"description": "Missing, wrong or stale signature, or a replayed request"},
            404: {"description": "Unknown agency"},
            409: {"description": "Key already used for a different document"},
            413: {"description": f"Body over {MAX_BODY_BYTES} bytes"},
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/ReportTransmission"}
                    }
                },
            }
        },
    )
    async def receive(
        request: Request,
        response: Response,
        agency_id: str = Depends(known_agency),
        idempotency_key: str | None = Header(default=None, alias=IDEMPOTENCY_HEADER),
    ) -> IntakeReceipt:
        raw = await request.body()
        check_signature(agency_id, request, raw)  # before anything is parsed or stored
        if not idempotency_key:
            raise HTTPException(
                status.HTTP_400_BAD_REQUEST, f"the {IDEMPOTENCY_HEADER} header is required"
            )
        if len(idempotency_key) > MAX_IDEMPOTENCY_KEY_LENGTH:
            raise HTTPException(
                status.HTTP_400_BAD_REQUEST,
                f"the {IDEMPOTENCY_HEADER} header must be at most "
                f"{MAX_IDEMPOTENCY_KEY_LENGTH} characters",
            )
        try:
            transmission = ReportTransmission.model_validate_json(raw)
        except ValidationError as err:
            raise RequestValidationError(
                [
                    {**error, "loc": ("body", *error["loc"])}
                    for error in err.errors(include_url=False)
                ]
            ) from None
        if idempotency_key != transmission.report_id:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"report_id must equal the {IDEMPOTENCY_HEADER} header",
            )
        if transmission.recipient_id != agency_id:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"recipient_id must equal the agency id in the path ({agency_id!r})",
            )
        document = transmission.document
        if document.sha256.lower() != document_sha256(document.html, document.text):
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                "document.sha256 does not match the SHA-256 of document.html and document.text",
            )

        report, created = await run_in_threadpool(
            receive_report,
            engine,
            agency_id,
            idempotency_key,
            transmission,
            None,
            AcknowledgementDecision.ACCEPTED if auto_acknowledge else None,
        )
        if not created and report.document_sha256.lower() != document.sha256.lower():
            logger.warning(
                "idempotency conflict agency=%s reference=%s idempotency_key=%s",
                agency_id,
                report.reference_number,
                idempotency_key,
            )
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"{IDEMPOTENCY_HEADER} {idempotency_key!r} was already used for a different "
                f"document (reference {report.reference_number})",
            )
        logger.info(
            "%s agency=%s reference=%s idempotency_key=%s",
            "report received" if created else "duplicate delivery",
            agency_id,
            report.reference_number,
            idempotency_key,
        )
        if created:
            acknowledger.schedule(report)
        else:
            response.status_code = status.HTTP_200_OK
        return IntakeReceipt(
            reference_number=report.reference_number,
            received_at=received_at_utc(report),
            duplicate=not created,
            decision=AcknowledgementDecision(report.decision) if report.decision else None,
        )

    @app.get("/agencies/{agency_id}/reports")
    def list_received(agency_id: str = Depends(known_agency)) -> list[ReceivedReport]:
        return [_received(report) for report in list_reports(engine, agency_id)]

    @app.get(
        "/agencies/{agency_id}/reports/{reference_number}",
        responses={404: {"description": "Unknown agency or reference number"}},
    )
    async def get_received(
        reference_number: str, agency_id: str = Depends(known_agency)
    ) -> ReceivedReport:
        return _received(await report_or_404(agency_id, reference_number))

    @app.post(
        "/agencies/{agency_id}/reports/{reference_number}/decision",
        responses={
            404: {"description": "Unknown agency or reference number"},
            409: {"description": "Already decided"},
        },
    )
    async def decide_report(
        reference_number: str, decision: DecisionRequest, agency_id: str = Depends(known_agency)
    ) -> ReceivedReport:
        return _received(await take_decision(agency_id, reference_number, decision))

    @app.post(
        "/agencies/{agency_id}/reports/{reference_number}/acknowledgement/resend",
        status_code=status.HTTP_202_ACCEPTED,
        responses={
            404: {"description": "Unknown agency or reference number"},
            409: {"description": "The acknowledgement has not failed"},
        },
    )
    async def resend(
        reference_number: str, agency_id: str = Depends(known_agency)
    ) -> ReceivedReport:
        return _received(await resend_acknowledgement(agency_id, reference_number))

    # --- pages for the agency's staff ------------------------------------------------------------

    def agency_name(agency_id: str) -> str:
        return agencies.get(agency_id, agency_id) if agencies is not None else agency_id

    def page(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        html = pages.get_template(template).render(**context)
        return HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS)

    def report_page(
        agency_id: str, report: IntakeReport, error: str | None = None, status_code: int = 200
    ) -> HTMLResponse:
        transmission = ReportTransmission.model_validate_json(report.body)
        base = _report_path(agency_id, report.reference_number)
        return page(
            "report.html.j2",
            status_code,
            agency_name=agency_name(agency_id),
            inbox_url=_inbox_path(agency_id),
            report=_view(agency_id, report),
            kind=transmission.kind,
            jurisdiction=transmission.jurisdiction,
            sent_at=_display_time(transmission.sent_at),
            document_text=transmission.document.text,
            decision_url=f"{base}/decision",
            resend_url=f"{base}/acknowledgement/resend",
            decisions=[
                (AcknowledgementDecision.ACCEPTED.value, "Accept"),
                (AcknowledgementDecision.SCREENED_OUT.value, "Screen out"),
            ],
            max_note_length=MAX_NOTE_LENGTH,
            error=error,
        )

    @app.get("/agencies/{agency_id}/inbox", response_class=HTMLResponse)
    async def inbox(agency_id: str = Depends(known_agency)) -> HTMLResponse:
        reports = await run_in_threadpool(list_reports, engine, agency_id)
        return page(
            "inbox.html.j2",
            agency_name=agency_name(agency_id),
            inbox_url=_inbox_path(agency_id),
            reports=[_view(agency_id, report) for report in reversed(reports)],
        )

    @app.get("/agencies/{agency_id}/inbox/{reference_number}", response_class=HTMLResponse)
    async def inbox_report(
        reference_number: str, agency_id: str = Depends(known_agency)
    ) -> HTMLResponse:
        return report_page(agency_id, await report_or_404(agency_id, reference_number))

    @app.post(
        "/agencies/{agency_id}/inbox/{reference_number}/decision", response_class=HTMLResponse
    )
    async def inbox_decision(
        reference_number: str, request: Request, agency_id: str = Depends(known_agency)
    ) -> Response:
        _same_origin(request)
        form = await _form(request)
        report = await report_or_404(agency_id, reference_number)
        note = (form.get("note") or "").strip() or None
        try:
            decision = DecisionRequest.model_validate(
                {"decision": form.get("decision", ""), "note": note}
            )
        except ValidationError as err:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
                for error in err.errors(include_url=False)
            )
            return report_page(agency_id, report, problems, status.HTTP_422_UNPROCESSABLE_CONTENT)
        try:
            await take_decision(agency_id, reference_number, decision)
        except HTTPException as err:
            if err.status_code != status.HTTP_409_CONFLICT:
                raise
            return report_page(agency_id, report, str(err.detail), err.status_code)
        return RedirectResponse(
            _report_path(agency_id, reference_number), status.HTTP_303_SEE_OTHER
        )

    @app.post(
        "/agencies/{agency_id}/inbox/{reference_number}/acknowledgement/resend",
        response_class=HTMLResponse,
    )
    async def inbox_resend(
        reference_number: str, request: Request, agency_id: str = Depends(known_agency)
    ) -> Response:
        _same_origin(request)
        try:
            await resend_acknowledgement(agency_id, reference_number)
        except HTTPException as err:
            if err.status_code != status.HTTP_409_CONFLICT:
                raise
            report = await report_or_404(agency_id, reference_number)
            return report_page(agency_id, report, str(err.detail), err.status_code)
        return RedirectResponse(
            _report_path(agency_id, reference_number), status.HTTP_303_SEE_OTHER
        )

    return app


def app_from_env() -> FastAPI:
    """The service configured from the environment:

    - ``DUTYFLOW_INTAKE_DATABASE_URL`` (required);
    - ``DUTYFLOW_INTAKE_AGENCIES``: a JSON object of agency id to display name;
    - ``DUTYFLOW_INTAKE_REQUIRE_SIGNATURES=1``: require signed reports and sign callbacks, with
      each agency's secret from ``DUTYFLOW_AGENCY_SECRET_<AGENCY_ID>``;
    - ``DUTYFLOW_INTAKE_AUTO_ACKNOWLEDGE=0``: leave the decision to staff (default: accept at once).
    """
    database_url = os.environ.get("DUTYFLOW_INTAKE_DATABASE_URL")
    if not database_url:
        raise RuntimeError("DUTYFLOW_INTAKE_DATABASE_URL is not set")
    agencies_json = os.environ.get("DUTYFLOW_INTAKE_AGENCIES")
    agencies = json.loads(agencies_json) if agencies_json else None
    secrets = (
        AgencySecrets(keys_dir=None, allow_generated=False)
        if os.environ.get("DUTYFLOW_INTAKE_REQUIRE_SIGNATURES") == "1"
        else None
    )
    auto_acknowledge = os.environ.get("DUTYFLOW_INTAKE_AUTO_ACKNOWLEDGE", "1") != "0"
    return create_app(database_url, agencies, secrets=secrets, auto_acknowledge=auto_acknowledge)


class _Acknowledger:
    """Sends each decided report's acknowledgement callback in the background, one task per
    report, retrying with exponential backoff; the outcome is kept on the report."""

    def __init__(
        self, engine: Any, secrets: SecretLookup | None, client_factory: ClientFactory | None
    ) -> None:
        self._engine = engine
        self._secrets = secrets
        self._client_factory = client_factory or _default_client
        self._tasks: set[asyncio.Task[None]] = set()

    def schedule(self, report: IntakeReport) -> None:
        """Start the callback if the report is decided and its callback is due."""
        if (
            report.decision is None
            or report.callback_status != CallbackStatus.PENDING
            or not report.acknowledgement_url
        ):
            return
        assert report.id is not None
        task = asyncio.get_running_loop().create_task(self._deliver(report.id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        """Stop the callbacks in flight; they stay pending and resume at the next start."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _deliver(self, report_id: int) -> None:
        report = await run_in_threadpool(find_by_id, self._engine, report_id)
        if report is None or report.acknowledgement_url is None or report.decision is None:
            return
        decided_at = decided_at_utc(report)
        assert decided_at is not None  # set with the decision
        where = f"agency={report.agency_id} reference={report.reference_number}"
        try:
            body = (
                AgencyAcknowledgement(
                    report_id=report.idempotency_key,
                    reference_number=report.reference_number,
                    decision=AcknowledgementDecision(report.decision),
                    decided_at=decided_at,
                    note=report.note,
                )
                .model_dump_json()
                .encode()
            )
            secret = self._secrets(report.agency_id) if self._secrets is not None else None
        except (ValidationError, KeyError) as err:
            logger.error("acknowledgement cannot be sent %s: %s", where, type(err).__name__)
            await run_in_threadpool(record_callback_attempt, self._engine, report_id, False, True)
            return

        url = report.acknowledgement_url
        attempt = 0
        stamp = 0
        try:
            async with self._client_factory() as client:
                for attempt in range(1, CALLBACK_ATTEMPTS + 1):
                    # Each attempt is signed anew, never twice in the same second: a receiver's
                    # replay guard would take a second request with the same signature for a
                    # replay. A second or two ahead is well inside the signing tolerance.
                    stamp = max(int(time.time()), stamp + 1)
                    outcome = await self._attempt(client, url, body, secret, stamp)
                    delivered = outcome == "delivered"
                    last = attempt == CALLBACK_ATTEMPTS
                    await run_in_threadpool(
                        record_callback_attempt, self._engine, report_id, delivered, last
                    )
                    if delivered:
                        logger.info("acknowledgement delivered %s attempt=%d", where, attempt)
                        return
                    logger.warning(
                        "acknowledgement attempt failed %s attempt=%d outcome=%s",
                        where,
                        attempt,
                        outcome,
                    )
                    if not last:
                        await asyncio.sleep(CALLBACK_FIRST_BACKOFF_SECONDS * 2 ** (attempt - 1))
            logger.error("acknowledgement failed %s after %d attempts", where, attempt)
        except Exception as err:
            logger.error("acknowledgement failed %s: %s", where, type(err).__name__)
            await run_in_threadpool(record_callback_attempt, self._engine, report_id, False, True)

    @staticmethod
    async def _attempt(
        client: httpx.AsyncClient, url: str, body: bytes, secret: bytes | None, stamp: int
    ) -> str:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers.update(signed_headers(secret, body, now=stamp))
        try:
            response = await client.post(url, content=body, headers=headers)
        except (httpx.HTTPError, httpx.InvalidURL) as err:
            return type(err).__name__
        return "delivered" if response.is_success else f"HTTP {response.status_code}"


def _default_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=CALLBACK_TIMEOUT_SECONDS, verify=True, follow_redirects=False)


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": SIGNATURE_HEADER}
    )


def _received(report: IntakeReport) -> ReceivedReport:
    return ReceivedReport(
        reference_number=report.reference_number,
        received_at=received_at_utc(report),
        case_reference=report.case_reference,
        form=report.form,
        idempotency_key=report.idempotency_key,
        decision=AcknowledgementDecision(report.decision) if report.decision else None,
        decided_at=decided_at_utc(report),
        note=report.note,
        acknowledgement_url=report.acknowledgement_url,
        callback_status=CallbackStatus(report.callback_status),
        callback_attempts=report.callback_attempts,
        transmission=ReportTransmission.model_validate_json(report.body),
    )


DECISION_LABELS = {
    AcknowledgementDecision.ACCEPTED.value: "Accepted",
    AcknowledgementDecision.SCREENED_OUT.value: "Screened out",
}
CALLBACK_LABELS = {
    CallbackStatus.NOT_REQUESTED.value: "Not requested",
    CallbackStatus.PENDING.value: "Pending",
    CallbackStatus.DELIVERED.value: "Delivered",
    CallbackStatus.FAILED.value: "Failed",
}


def _view(agency_id: str, report: IntakeReport) -> dict[str, Any]:
    """What the pages show of a report (never the document, except on its own page)."""
    received_at = received_at_utc(report)
    decided_at = decided_at_utc(report)
    return {
        "reference_number": report.reference_number,
        "url": _report_path(agency_id, report.reference_number),
        "received_at_iso": received_at.isoformat(),
        "received_at": _display_time(received_at),
        "form": report.form,
        "case_reference": report.case_reference,
        "decision": report.decision,
        "decision_label": DECISION_LABELS.get(report.decision or "", "Awaiting decision"),
        "decided_at_iso": decided_at.isoformat() if decided_at else None,
        "decided_at": _display_time(decided_at) if decided_at else None,
        "note": report.note,
        "callback_status": report.callback_status,
        "callback_label": CALLBACK_LABELS.get(report.callback_status, report.callback_status),
        "callback_attempts": report.callback_attempts,
    }


def _display_time(value: datetime) -> str:
    utc = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return utc.strftime("%Y-%m-%d %H:%M:%S UTC")


def _inbox_path(agency_id: str) -> str:
    return f"/agencies/{quote(agency_id, safe='')}/inbox"


def _report_path(agency_id: str, reference_number: str) -> str:
    return f"{_inbox_path(agency_id)}/{quote(reference_number, safe='')}"


def _same_origin(request: Request) -> None:
    """Refuse a form posted from another site (the pages have no login of their own yet)."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "cross-site form posts are refused")
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "cross-site form posts are refused")


async def _form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body, first value of each field."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            "Content-Type: expected application/x-www-form-urlencoded",
        )
    try:
        text = (await request.body()).decode("utf-8")
        fields = parse_qs(text, keep_blank_values=True, strict_parsing=False, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "the form could not be read") from None
    return {name: values[0] for name, values in fields.items()}


class _BodySizeLimit:
    """Refuse request bodies over ``max_bytes`` with 413, whether declared or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large()(scope, receive, send)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Raised while the body is read; it becomes the response.
                    raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, self._detail())
            return message

        await self.app(scope, limited_receive, send)

    def _detail(self) -> str:
        return f"request body exceeds {self.max_bytes} bytes"

    def _too_large(self) -> Any:
        return JSONResponse({"detail": self._detail()}, status.HTTP_413_CONTENT_TOO_LARGE)
