"""Rendering the staff's inbox pages, and reading the forms they post.

The templates (``templates/*.html.j2``) are rendered with autoescaping and `StrictUndefined` from
what `report_view` shows of a report (never the document, except on the report's own page). The
pages carry report content: they are served with no scripts, nothing fetched from elsewhere, and
never cached (`PAGE_HEADERS`). A form post must come from the service's own pages
(`refuse_cross_site`) and be URL-encoded (`read_form`).

What is not here: the routes (`dutyflow.intake.inbox`), and the staff's JSON view
(`dutyflow.intake.schemas`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import HTTPException, Request, status
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from dutyflow.domain.agency_inbox import report_urgency, reporter_phone
from dutyflow.domain.transmission import AcknowledgementDecision, ReportTransmission
from dutyflow.intake.tables import (
    MAX_NOTE_LENGTH,
    CallbackStatus,
    IntakeReport,
    decided_at_utc,
    received_at_utc,
)
from dutyflow.web.phone_links import tel_href

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
DECISION_CHOICES = [
    (AcknowledgementDecision.ACCEPTED.value, "Accept"),
    (AcknowledgementDecision.SCREENED_OUT.value, "Screen out"),
]

templates = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True, undefined=StrictUndefined
)


def page(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A rendered page, with `PAGE_HEADERS`."""
    html = templates.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS)


def inbox_page(agency_id: str, agency_name: str, reports: list[IntakeReport]) -> HTMLResponse:
    """The agency's received reports, newest first (``reports`` in the order received); a
    report a later supplemental report names is shown as supplemented."""
    supplemented = {
        ReportTransmission.model_validate_json(r.body).supplemental_to for r in reports
    } - {None}
    return page(
        "inbox.html.j2",
        agency_name=agency_name,
        inbox_url=inbox_path(agency_id),
        reports=[
            report_view(agency_id, report, supplemented=report.idempotency_key in supplemented)
            for report in reversed(reports)
        ],
    )


def report_page(
    agency_id: str,
    agency_name: str,
    report: IntakeReport,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """One report with its document, and the forms to decide it or resend its acknowledgement;
    ``error`` says why the last action was not done."""
    transmission = ReportTransmission.model_validate_json(report.body)
    base = report_path(agency_id, report.reference_number)
    return page(
        "report.html.j2",
        status_code,
        agency_name=agency_name,
        inbox_url=inbox_path(agency_id),
        report=report_view(agency_id, report),
        kind=transmission.kind,
        jurisdiction=transmission.jurisdiction,
        sent_at=display_time(transmission.sent_at),
        document_text=transmission.document.text,
        decision_url=f"{base}/decision",
        resend_url=f"{base}/acknowledgement/resend",
        decisions=DECISION_CHOICES,
        max_note_length=MAX_NOTE_LENGTH,
        error=error,
    )


def report_view(
    agency_id: str, report: IntakeReport, *, supplemented: bool = False
) -> dict[str, Any]:
    """What the pages show of a report (never the document, except on its own page): with its
    kind, urgency under the sender's policy, status and the reporter's number to call back."""
    received_at = received_at_utc(report)
    decided_at = decided_at_utc(report)
    transmission = ReportTransmission.model_validate_json(report.body)
    urgency = report_urgency(transmission.phone_report_due_at, transmission.written_report_due_at)
    phone = reporter_phone(transmission.fields)
    return {
        "kind": f"{transmission.kind.replace('-', ' ').capitalize()}, {transmission.jurisdiction}",
        "urgency": urgency.level,
        "urgency_label": urgency.words,
        "status_label": (
            "Supplemented"
            if supplemented
            else DECISION_LABELS.get(report.decision or "", "Received")
            if report.decision
            else "Received"
        ),
        "supplement_to": transmission.supplemental_to,
        "reporter_phone": phone,
        "reporter_tel": tel_href(phone),
        "reference_number": report.reference_number,
        "url": report_path(agency_id, report.reference_number),
        "received_at_iso": received_at.isoformat(),
        "received_at": display_time(received_at),
        "form": report.form,
        "case_reference": report.case_reference,
        "decision": report.decision,
        "decision_label": DECISION_LABELS.get(report.decision or "", "Awaiting decision"),
        "decided_at_iso": decided_at.isoformat() if decided_at else None,
        "decided_at": display_time(decided_at) if decided_at else None,
        "note": report.note,
        "callback_status": report.callback_status,
        "callback_label": CALLBACK_LABELS.get(report.callback_status, report.callback_status),
        "callback_attempts": report.callback_attempts,
    }


def display_time(value: datetime) -> str:
    """``2026-03-01 10:15:00 UTC`` (a naive value is taken as UTC)."""
    utc = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return utc.strftime("%Y-%m-%d %H:%M:%S UTC")


def inbox_path(agency_id: str) -> str:
    return f"/agencies/{quote(agency_id, safe='')}/inbox"


def report_path(agency_id: str, reference_number: str) -> str:
    return f"{inbox_path(agency_id)}/{quote(reference_number, safe='')}"


def refuse_cross_site(request: Request) -> None:
    """Refuse a form posted from another site (the pages have no login of their own yet)."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "cross-site form posts are refused")
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "cross-site form posts are refused")


async def read_form(request: Request) -> dict[str, str]:
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
