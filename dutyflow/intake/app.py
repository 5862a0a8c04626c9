"""The reference agency intake service: receives mandated reports over HTTP.

``POST /agencies/{agency_id}/reports`` takes a `ReportTransmission` with an ``Idempotency-Key``
header equal to its ``report_id``. The first delivery is stored and answered ``201`` with an
`IntakeReceipt`; a repeat of the same key is answered ``200`` from the stored report, with the same
reference number and receipt time and ``duplicate`` set; the same key with a different document is
a ``409``. Received reports can be listed and fetched by reference number.

Run it with ``DUTYFLOW_INTAKE_DATABASE_URL=... uvicorn --factory dutyflow.intake.app:app_from_env``
(optionally ``DUTYFLOW_INTAKE_AGENCIES='{"demo-cws": "Demo County CWS"}'`` to restrict agencies).

Logs carry agency ids, reference numbers and idempotency keys only, never report content.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from fastapi import Depends, FastAPI, Header, HTTPException, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dutyflow.domain.documents import document_sha256
from dutyflow.domain.transmission import IDEMPOTENCY_HEADER, IntakeReceipt, ReportTransmission
from dutyflow.intake.store import (
    MAX_IDEMPOTENCY_KEY_LENGTH,
    IntakeReport,
    create_intake_engine,
    create_intake_tables,
    find_by_reference,
    list_reports,
    receive_report,
    received_at_utc,
)

logger = logging.getLogger("dutyflow.intake")

MAX_BODY_BYTES = 2 * 1024 * 1024
AGENCY_ID_PATTERN = re.compile(r"[a-z0-9-]{1,64}")


class ReceivedReport(BaseModel):
    """A stored report as the agency sees it."""

    reference_number: str
    received_at: datetime
    case_reference: str
    form: str
    idempotency_key: str
    transmission: ReportTransmission


def create_app(database_url: str, agencies: dict[str, str] | None = None) -> FastAPI:
    """The intake service over the database at ``database_url``.

    ``agencies`` maps the agency ids served to display names; other ids are not found. Without
    it, any agency id of 1-64 lowercase letters, digits and hyphens is served.
    """
    engine = create_intake_engine(database_url)
    create_intake_tables(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(title="Dutyflow reference agency intake", lifespan=lifespan)
    app.add_middleware(_BodySizeLimit, max_bytes=MAX_BODY_BYTES)
    app.state.engine = engine
    app.state.agencies = dict(agencies) if agencies is not None else None

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

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post(
        "/agencies/{agency_id}/reports",
        status_code=status.HTTP_201_CREATED,
        responses={
            200: {"model": IntakeReceipt, "description": "Already received under this key"},
            400: {"description": f"Missing or over-long {IDEMPOTENCY_HEADER} header"},
            404: {"description": "Unknown agency"},
            409: {"description": "Key already used for a different document"},
            413: {"description": f"Body over {MAX_BODY_BYTES} bytes"},
        },
    )
    def receive(
        transmission: ReportTransmission,
        response: Response,
        agency_id: str = Depends(known_agency),
        idempotency_key: str | None = Header(default=None, alias=IDEMPOTENCY_HEADER),
    ) -> IntakeReceipt:
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

        report, created = receive_report(engine, agency_id, idempotency_key, transmission)
        if not created and report.document_sha256.lower() != document.sha256.lower():
            logger.warning(
                "idempotency conflict agency=%s reference=%s idempotency_key=%s",
                agency_id, report.reference_number, idempotency_key,
            )
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"{IDEMPOTENCY_HEADER} {idempotency_key!r} was already used for a different "
                f"document (reference {report.reference_number})",
            )
        logger.info(
            "%s agency=%s reference=%s idempotency_key=%s",
            "report received" if created else "duplicate delivery",
            agency_id, report.reference_number, idempotency_key,
        )
        if not created:
            response.status_code = status.HTTP_200_OK
        return IntakeReceipt(
            reference_number=report.reference_number,
            received_at=received_at_utc(report),
            duplicate=not created,
        )

    @app.get("/agencies/{agency_id}/reports")
    def list_received(agency_id: str = Depends(known_agency)) -> list[ReceivedReport]:
        return [_received(report) for report in list_reports(engine, agency_id)]

    @app.get(
        "/agencies/{agency_id}/reports/{reference_number}",
        responses={404: {"description": "Unknown agency or reference number"}},
    )
    def get_received(
        reference_number: str, agency_id: str = Depends(known_agency)
    ) -> ReceivedReport:
        report = find_by_reference(engine, agency_id, reference_number)
        if report is None:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, f"no report with reference number {reference_number!r}"
            )
        return _received(report)

    return app


def app_from_env() -> FastAPI:
    """The service configured from ``DUTYFLOW_INTAKE_DATABASE_URL`` and, optionally,
    ``DUTYFLOW_INTAKE_AGENCIES`` (a JSON object of agency id to display name)."""
    database_url = os.environ.get("DUTYFLOW_INTAKE_DATABASE_URL")
    if not database_url:
        raise RuntimeError("DUTYFLOW_INTAKE_DATABASE_URL is not set")
    agencies_json = os.environ.get("DUTYFLOW_INTAKE_AGENCIES")
    agencies = json.loads(agencies_json) if agencies_json else None
    return create_app(database_url, agencies)


def _received(report: IntakeReport) -> ReceivedReport:
    return ReceivedReport(
        reference_number=report.reference_number,
        received_at=received_at_utc(report),
        case_reference=report.case_reference,
        form=report.form,
        idempotency_key=report.idempotency_key,
        transmission=ReportTransmission.model_validate_json(report.body),
    )


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
                    # FastAPI re-raises HTTPException from body reading; it becomes the response.
                    raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, self._detail())
            return message

        await self.app(scope, limited_receive, send)

    def _detail(self) -> str:
        return f"request body exceeds {self.max_bytes} bytes"

    def _too_large(self) -> Any:
        return JSONResponse({"detail": self._detail()}, status.HTTP_413_CONTENT_TOO_LARGE)
