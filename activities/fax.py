"""The fax channel through a fax provider's HTTP API, where the deployment configured one
(``DUTYFLOW_FAX_PROVIDER_URL`` and ``DUTYFLOW_FAX_PROVIDER_TOKEN``); without one, the
practitioner faxes the report (`activities.channels`).

The provider is given the official form behind its content-free cover sheet, as one PDF, and the
agency's fax number, under Dutyflow's own JSON contract (README, "Fax provider contract"):

    POST <provider URL>
    Authorization: Bearer <token>
    Idempotency-Key: <report id>
    {"to": "<fax number>", "reference": "<report id>",
     "document": {"content_type": "application/pdf", "content_base64": "<the PDF>"}}

    2xx {"fax_id": "<the provider's id>", ...}: the provider has the fax to send

Any 2xx is the delivery (recorded once, with its 164.528 accounting entry). Only what did not
arrive (no answer, 5xx, 408, 429) is tried again, up to the policy's ``delivery_attempts``
(`activities.delivery.post_once`, shared with the intake endpoint); another 4xx is a refusal the
practitioner deals with. Idempotent: every attempt carries the same idempotency key (the report
id), and a delivery already recorded is never sent again.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.delivery import DeliveryLimits, post_once
from activities.delivery_records import (
    Delivered,
    ReportToDeliver,
    record_delivery,
    report_and_recorded_delivery,
)
from activities.heartbeats import with_heartbeats
from dutyflow.contracts import DeliveryReceipt, RecipientStep
from dutyflow.domain.agencies import AgencyDirectory
from dutyflow.domain.paper_report import CoverSheet, paper_report_pdf
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.domain.rendering import load_form_layout
from dutyflow.domain.transmission import IDEMPOTENCY_HEADER
from dutyflow.store.db import SessionFactory
from dutyflow.timed_sections import RENDERING, timed_section

# The provider's id of the fax, as kept in the audit entry: an opaque token, never free text.
_FAX_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


@dataclass(frozen=True)
class FaxProvider:
    """Where the deployment's fax provider takes faxes, and the credential it expects."""

    url: str
    token: str


class FaxActivities:
    def __init__(
        self,
        sessions: SessionFactory,
        policies: PolicyLibrary,
        directory: AgencyDirectory,
        http: httpx.AsyncClient,
        provider: FaxProvider | None,
    ) -> None:
        self._sessions = sessions
        self._policies = policies
        self._directory = directory
        self._http = http
        self._provider = provider

    @activity.defn(name="fax_report")
    async def fax_report(self, request: RecipientStep) -> DeliveryReceipt:
        # Heartbeat throughout, the PDF's making included (the delivery options' heartbeat
        # timeout): a worker that dies mid-send is retried quickly, under the same key.
        return await with_heartbeats(self._fax_report(request))

    async def _fax_report(self, request: RecipientStep) -> DeliveryReceipt:
        report, already = await report_and_recorded_delivery(self._sessions, request)
        if already is not None:
            return already
        if self._provider is None:
            raise ApplicationError(
                "no fax provider is configured; the report was not faxed",
                type="AgencyUnreachable",
                non_retryable=True,
            )
        agency = self._directory.by_id(report.obligation.agency_id)
        number = agency.delivery_address() if agency and agency.channel == "fax" else None
        if number is None:
            raise ApplicationError(
                "the agency has no fax number", type="AgencyUnreachable", non_retryable=True
            )
        case = report.case
        policy = self._policies.version(case.jurisdiction, case.kind, case.policy_version)
        limits = DeliveryLimits(
            attempts=policy.delivery_attempts, attempt=activity.info().attempt, reference_field=None
        )
        body = await asyncio.to_thread(_fax_request, report, number)
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {self._provider.token}",
            IDEMPOTENCY_HEADER: report.report_id,
        }
        response = await post_once(
            self._http, self._provider.url, body, headers, limits, "fax provider"
        )
        if not response.is_success:
            raise ApplicationError(
                f"the fax provider refused the fax: HTTP {response.status_code}",
                type="AgencyRefusedReport",
                non_retryable=True,
            )
        accepted_at = datetime.now(UTC)
        fax_id = provider_fax_id(response.content)
        delivered = Delivered(
            channel="fax",
            received_at=accepted_at,
            reference_number=None,
            sent_to=number,
            details={"sent_to": number, "sent_by": "fax-provider", "fax_id": fax_id},
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


def _fax_request(report: ReportToDeliver, number: str) -> bytes:
    """The provider's request: the agency's number and the PDF (cover sheet, then the form)."""
    layout = load_form_layout(report.document.form_id)
    cover = CoverSheet(
        channel="fax",
        agency_name=report.obligation.agency_name,
        sent_to=number,
        sender_name=report.case.clinic_id,
        sent_on=datetime.now(UTC).date(),
        report_id=report.report_id,
        form_title=f"{layout.title} ({layout.code})",
    )
    with timed_section(RENDERING):
        pdf = paper_report_pdf(cover, report.document.html)
    return json.dumps(
        {
            "to": number,
            "reference": report.report_id,
            "document": {
                "content_type": "application/pdf",
                "content_base64": base64.b64encode(pdf).decode(),
            },
        }
    ).encode()


def provider_fax_id(answer: bytes) -> str | None:
    """The provider's id of the fax from its 2xx answer, if it gives a plain one; the fax is
    sent either way."""
    try:
        found = json.loads(answer).get("fax_id")
    except (ValueError, AttributeError):
        return None
    return found if isinstance(found, str) and _FAX_ID.match(found) else None
