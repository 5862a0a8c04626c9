"""Activities of the delivery channels other than the intake endpoint, each an auditable path to
the same delivery record and 164.528 accounting entry (`activities.delivery_records`):

- ``email``: the report e-mailed to the agency's address through an SMTP server with TLS (never
  in the clear), the form as a PDF attachment and a message body without case content;
  delivered once the server accepts it. An agency that gives an S/MIME certificate gets the
  message sealed for it (body and attachment; only the content-free headers stay outside).
  Idempotent: a delivery already recorded is not sent again, and every attempt carries the same
  Message-ID (derived from the report id), so a retry after the server's acceptance but before
  the record is one message to the agency's system.
- ``portal``, ``fax``, ``mail``: the practitioner takes the report to the agency. Dutyflow
  prepares the task (audited: the practitioner's task until they record it) and then records
  what the practitioner says they did: when, to which number or address, under which portal
  confirmation.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from cryptography import x509
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.delivery import DeliveryLimits, not_arrived
from activities.delivery_records import (
    Delivered,
    ReportToDeliver,
    authorised_report,
    record_delivery,
    report_and_recorded_delivery,
)
from activities.heartbeats import with_heartbeats
from dutyflow.contracts import (
    SYSTEM,
    ChannelTask,
    DeliveryReceipt,
    RecipientStep,
    RecordReportSentInput,
)
from dutyflow.domain.agencies import Agency, AgencyDirectory
from dutyflow.domain.pdf import pdf_from_html
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.domain.rendering import load_form_layout
from dutyflow.mail.smime import CertificateUnusable, enveloped, usable_certificate
from dutyflow.mail.transport import MailNotSent, send_message
from dutyflow.notifications.escalation import MailSettings
from dutyflow.store.db import SessionFactory
from dutyflow.store.delivery_tasks import CHANNEL_TASK_STEP
from dutyflow.store.steps import record_step
from dutyflow.timed_sections import RENDERING, timed_section

_EMAIL_BODY = """\
{agency_name}

Enclosed: a report ({form}) under Dutyflow report id {report_id}.
Please quote this id in your acknowledgement.

Confidential: the attachment is meant only for the agency named above. If this message reached
you by mistake, please tell the sender and delete it.
"""


class ChannelActivities:
    def __init__(
        self,
        sessions: SessionFactory,
        policies: PolicyLibrary,
        directory: AgencyDirectory,
        mail: MailSettings | None,
    ) -> None:
        self._sessions = sessions
        self._policies = policies
        self._directory = directory
        self._mail = mail

    def _agency(self, report: ReportToDeliver) -> Agency:
        agency = self._directory.by_id(report.obligation.agency_id)
        if agency is None:
            raise ApplicationError(
                "agency_id: not in the agency directory", type="AgencyUnknown", non_retryable=True
            )
        return agency

    # --- the practitioner's channels: portal, fax, post -----------------------------------

    @activity.defn(name="prepare_channel_task")
    def prepare_channel_task(self, request: RecipientStep) -> ChannelTask:
        """The report is ready for the practitioner to take to the agency: audited, and their
        task (with the written report's deadline) until they record it as sent."""
        report = authorised_report(self._sessions, request)
        agency = self._agency(report)
        obligation = report.obligation
        task = ChannelTask(
            recipient_id=obligation.recipient_id,
            agency_id=obligation.agency_id,
            agency_name=obligation.agency_name,
            channel=agency.channel,
            address=agency.delivery_address(),
            report_id=report.report_id,
            due_at=obligation.written_report_due_at,
        )
        record_step(
            self._sessions,
            case_id=request.case_id,
            step=CHANNEL_TASK_STEP,
            key_suffix=obligation.recipient_id,
            actor=SYSTEM,
            content_sha256=report.document.sha256,
            details={
                "recipient_id": obligation.recipient_id,
                "agency_id": obligation.agency_id,
                "channel": agency.channel,
                "report_id": report.report_id,
            },
            ends_attempt=True,
        )
        return task

    @activity.defn(name="record_report_sent")
    def record_report_sent(self, request: RecordReportSentInput) -> DeliveryReceipt:
        """The practitioner's record that the report reached the agency: the delivery, its
        accounting entry and the audit entry naming them, once."""
        step = RecipientStep(case_id=request.case_id, recipient_id=request.task.recipient_id)
        report = authorised_report(self._sessions, step)
        sent, task = request.sent, request.task
        delivered = Delivered(
            channel=task.channel,
            received_at=sent.sent_at,
            reference_number=sent.confirmation_number,
            actor=request.actor,
            sent_to=sent.sent_to or task.address,
            details={"sent_to": sent.sent_to or task.address},
        )
        entry = record_delivery(self._sessions, self._policies, report, delivered)
        return DeliveryReceipt(
            report_id=report.report_id,
            recipient_id=task.recipient_id,
            agency_id=task.agency_id,
            reference_number=entry.details.get("reference_number"),
            received_at=sent.sent_at,
            duplicate=False,
        )

    # --- e-mail --------------------------------------------------------------------------

    @activity.defn(name="email_report")
    async def email_report(self, request: RecipientStep) -> DeliveryReceipt:
        # Heartbeat throughout (the delivery options' heartbeat timeout): a worker that dies
        # mid-send is retried quickly, and the retry's Message-ID is the same.
        return await with_heartbeats(self._email_report(request))

    async def _email_report(self, request: RecipientStep) -> DeliveryReceipt:
        report, already = await report_and_recorded_delivery(self._sessions, request)
        if already is not None:
            return already
        agency = self._agency(report)
        address = agency.delivery_address()
        policy = self._policies.version(
            report.case.jurisdiction, report.case.kind, report.case.policy_version
        )
        limits = DeliveryLimits(
            attempts=policy.delivery_attempts, attempt=activity.info().attempt, reference_field=None
        )
        mail = self._mail
        if mail is None or mail.server is None or mail.server.security == "none":
            # Never in the clear: without a server that speaks TLS the report is not sent.
            raise ApplicationError(
                "no mail server with TLS is configured; the report was not e-mailed",
                type="AgencyUnreachable",
                non_retryable=True,
            )
        if address is None:
            raise ApplicationError(
                "the agency has no e-mail address", type="AgencyUnreachable", non_retryable=True
            )
        message = await asyncio.to_thread(self._message, report, mail, address)
        if agency.smime_certificate is not None:
            message = enveloped(message, _sealing_certificate(agency.smime_certificate))
        try:
            await send_message(mail.server, message)
        except MailNotSent as err:
            if err.permanent:
                raise ApplicationError(
                    f"the agency's mail server refused the report: {err}",
                    type="AgencyRefusedReport",
                    non_retryable=True,
                ) from None
            raise not_arrived(f"the report was not e-mailed: {err}", limits, None) from None
        accepted_at = datetime.now(UTC)
        delivered = Delivered(
            channel="email",
            received_at=accepted_at,
            reference_number=None,
            sent_to=address,
            details={
                "message_id": message["Message-ID"],
                "encryption": "smime" if agency.smime_certificate else "tls",
            },
        )
        await asyncio.to_thread(record_delivery, self._sessions, self._policies, report, delivered)
        return DeliveryReceipt(
            report_id=report.report_id,
            recipient_id=report.obligation.recipient_id,
            agency_id=report.obligation.agency_id,
            reference_number=None,
            received_at=accepted_at,
            duplicate=False,
        )

    def _message(self, report: ReportToDeliver, mail: MailSettings, address: str) -> EmailMessage:
        layout = load_form_layout(report.document.form_id)
        form = f"{layout.title} ({layout.code})"
        message = EmailMessage()
        message["From"] = mail.sender
        message["To"] = address
        # The subject and body carry no case content: only the form's name and the opaque id.
        message["Subject"] = f"Report {report.report_id}: {layout.code}"
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = f"<report-{report.report_id}@{mail.domain}>"
        message.set_content(
            _EMAIL_BODY.format(
                agency_name=report.obligation.agency_name, form=form, report_id=report.report_id
            )
        )
        with timed_section(RENDERING):
            pdf = pdf_from_html(report.document.html)
        message.add_attachment(
            pdf,
            maintype="application",
            subtype="pdf",
            filename=f"report-{report.report_id}.pdf",
        )
        return message


def _sealing_certificate(pem: str) -> x509.Certificate:
    """The agency's S/MIME certificate, if it can seal the report now; otherwise the report is
    not sent (the practitioner's task), never sent unsealed to an agency that asked for it."""
    try:
        return usable_certificate(pem)
    except CertificateUnusable as err:
        raise ApplicationError(
            f"{err}; the report was not e-mailed", type="AgencyUnreachable", non_retryable=True
        ) from None
