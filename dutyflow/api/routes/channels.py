"""Delivery channels the practitioner works: an agency that takes reports through its web portal,
by fax or by post (the agency directory's ``channel``), and acknowledgements that come by phone
or letter.

    GET  /reports/{case_id}/channel-tasks/{recipient_id}/portal      the report as the portal
         asks for it: the allow-listed content section by section, in the portal's order
    GET  /reports/{case_id}/channel-tasks/{recipient_id}/paper.pdf   the report for fax or post:
         the official form from the limited fields behind a cover sheet with no case content
    POST /reports/{case_id}/report-sent                the practitioner took the report to the
         agency: when, where to, the portal's confirmation (the delivery and its accounting)
    POST /reports/{case_id}/acknowledgement-received   an agency's acknowledgement by phone or
         letter: who, when, how, the agency's reference

The two reads are case content: whoever may read the case's review may read them, and each read
is a ``case-content-read`` audit entry before it is answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from activities.supervision import approved_additions
from dutyflow.api.deps import DirectoryDep, ReadableCase, SessionsDep, TemporalDep, WritableCase
from dutyflow.api.errors import field_refusal
from dutyflow.api.routes.clinician_steps import IdempotencyKey, take_step
from dutyflow.auth.case_access import audit_content_read
from dutyflow.contracts import AcknowledgementReceivedInput, CaseStatus, ReportSentInput
from dutyflow.domain.agencies import Agency
from dutyflow.domain.delivery_channels import in_portal_order
from dutyflow.domain.paper_report import CoverSheet, paper_report_pdf
from dutyflow.domain.rendering import form_as_text, load_form_layout
from dutyflow.store.case_file import load_case
from dutyflow.store.db import SessionFactory
from dutyflow.store.delivery_tasks import ReportToTake, report_to_take
from workflows.mandated_report import MandatedReportWorkflow

NO_REPORT_TO_TAKE = "has no report to take to the agency on this channel"
router = APIRouter()


class PortalEntry(BaseModel):
    label: str
    text: str


class PortalSection(BaseModel):
    id: str
    title: str
    entries: list[PortalEntry]


class PortalContent(BaseModel):
    """What the practitioner enters into the agency's portal: exactly the recipient's limited
    fields, section by section in the portal's order."""

    recipient_id: str
    agency_name: str
    portal_url: str | None
    report_id: str
    form: str
    sections: list[PortalSection]


@dataclass(frozen=True)
class _Found:
    report: ReportToTake
    clinic: str
    # Fields beyond the allow-list a second person approved (rendered in the form too).
    additions: list[str]


def _report(
    sessions: SessionFactory, case_id: str, recipient_id: str, channels: tuple[str, ...]
) -> _Found:
    with sessions() as session:
        report = report_to_take(session, case_id, recipient_id)
        # Refused before the case's record is read: a case without one (a compliance officer
        # may name any case id) has no report to take either.
        if report is None or report.channel not in channels:
            raise field_refusal("recipient_id", NO_REPORT_TO_TAKE, 404)
        clinic = load_case(session, case_id).clinic_id
        additions = approved_additions(session, case_id, recipient_id)
    return _Found(report, clinic, additions)


def _agency(directory: DirectoryDep, report: ReportToTake) -> Agency | None:
    return directory.by_id(report.obligation.agency_id)


@router.get("/reports/{case_id}/channel-tasks/{recipient_id}/portal", response_model=PortalContent)
async def portal_content(
    case_id: str,
    recipient_id: str,
    grant: ReadableCase,
    sessions: SessionsDep,
    directory: DirectoryDep,
) -> PortalContent:
    found = await run_in_threadpool(_report, sessions, case_id, recipient_id, ("portal",))
    report = found.report
    agency = _agency(directory, report)
    layout = load_form_layout(report.document.form_id)
    sections = in_portal_order(
        form_as_text(layout, report.disclosure.fields, additions=found.additions),
        agency.portal_sections if agency else [],
    )
    answer = PortalContent(
        recipient_id=recipient_id,
        agency_name=report.obligation.agency_name,
        portal_url=agency.delivery_address() if agency else None,
        report_id=report.report_id,
        form=f"{layout.title} ({layout.code})",
        sections=[
            PortalSection(
                id=s.id,
                title=s.title,
                entries=[PortalEntry(label=e.label, text=e.text) for e in s.entries],
            )
            for s in sections
        ],
    )
    await run_in_threadpool(
        audit_content_read,
        sessions,
        grant.principal,
        case_id,
        "portal-content",
        answer.model_dump(mode="json"),
        report_id=report.report_id,
    )
    return answer


@router.get(
    "/reports/{case_id}/channel-tasks/{recipient_id}/paper.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def paper_report(
    case_id: str,
    recipient_id: str,
    grant: ReadableCase,
    sessions: SessionsDep,
    directory: DirectoryDep,
) -> Response:
    """The report to fax or post: the cover sheet (no case content) and the official form."""
    found = await run_in_threadpool(_report, sessions, case_id, recipient_id, ("fax", "mail"))
    report, clinic = found.report, found.clinic
    agency = _agency(directory, report)
    layout = load_form_layout(report.document.form_id)
    cover = CoverSheet(
        channel="fax" if report.channel == "fax" else "mail",
        agency_name=report.obligation.agency_name,
        sent_to=(agency.delivery_address() if agency else None)
        or report.obligation.agency_address
        or report.obligation.agency_name,
        sender_name=clinic,
        sent_on=datetime.now(UTC).date(),
        report_id=report.report_id,
        form_title=f"{layout.title} ({layout.code})",
    )
    await run_in_threadpool(
        audit_content_read,
        sessions,
        grant.principal,
        case_id,
        "paper-report-pdf",
        report.document.html,
        report_id=report.report_id,
    )
    pdf = await run_in_threadpool(paper_report_pdf, cover, report.document.html)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="report-{report.report_id}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/reports/{case_id}/report-sent", response_model=CaseStatus)
async def record_report_sent(
    case_id: str,
    body: ReportSentInput,
    temporal: TemporalDep,
    grant: WritableCase,
    idempotency_key: IdempotencyKey = None,
) -> CaseStatus:
    """The practitioner took the report to the agency (portal, fax, post): the delivery and its
    164.528 accounting entry are recorded once; a second record of the same report is refused
    (409) and writes nothing."""
    return await take_step(
        grant,
        temporal,
        MandatedReportWorkflow.record_report_sent,
        body,
        idempotency_key,
        signed_by=body.practitioner_id,
    )


@router.post("/reports/{case_id}/acknowledgement-received", response_model=CaseStatus)
async def record_acknowledgement_received(
    case_id: str,
    body: AcknowledgementReceivedInput,
    temporal: TemporalDep,
    grant: WritableCase,
    idempotency_key: IdempotencyKey = None,
) -> CaseStatus:
    """An agency acknowledged a report by phone or letter: the practitioner records who, when,
    how and the agency's reference (audited as theirs)."""
    return await take_step(
        grant,
        temporal,
        MandatedReportWorkflow.record_acknowledgement_received,
        body,
        idempotency_key,
        signed_by=body.practitioner_id,
    )
