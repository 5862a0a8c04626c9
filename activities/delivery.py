"""Activity that delivers a rendered report to an agency's intake endpoint over HTTP.

Any 2xx answer means the agency has the report: the delivery and its accounting entry are
written at once, whatever the body says (`dutyflow.domain.receipts` reads what it can, the
reference under the contract's field or the agency's configured one). Only what did not arrive
(no answer, 5xx, 408, 429) is tried again, up to the policy's ``delivery_attempts``.

Deny by default: the recipient is checked against the case's obligations again, here, at the
last moment; a refusal is audited. The idempotency key is derived from the case, the recipient
and the document, so every retry (and any re-run after a crash) presents the same key and the
agency keeps exactly one report.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
from sqlmodel import select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.delivery_records import Delivered, authorised_report, record_delivery
from dutyflow.contracts import DeliveryReceipt, RecipientStep
from dutyflow.crypto.standard_webhooks import signed_headers
from dutyflow.domain.agencies import AgencyDirectory
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.domain.receipts import AgencyReceipt, read_agency_receipt
from dutyflow.domain.transmission import (
    IDEMPOTENCY_HEADER,
    ReportTransmission,
    TransmittedDocument,
)
from dutyflow.store.db import SessionFactory, reading
from dutyflow.store.tables import (
    CaseRecord,
    DeliveryRecord,
    DisclosureRecord,
    ObligationRecord,
    ReportDocument,
)

# Shorter than the delivery activity's start-to-close timeout (60 s, workflows.activity_options).
ANSWER_WITHIN_SECONDS = 45


class DeliveryActivities:
    def __init__(
        self,
        sessions: SessionFactory,
        policies: PolicyLibrary,
        directory: AgencyDirectory,
        http: httpx.AsyncClient,
        secrets: Callable[[str], bytes],
        acknowledgement_base_url: str | None,
    ) -> None:
        """``secrets`` gives each agency's signing secret; acknowledgements come back to
        ``<acknowledgement_base_url>/agency-callbacks/<agency>/acknowledgements``; the
        ``directory`` says where an agency's receipt names its reference."""
        self._sessions = sessions
        self._policies = policies
        self._directory = directory
        self._http = http
        self._secrets = secrets
        self._acknowledgement_base_url = acknowledgement_base_url

    def _transmission(
        self,
        report_id: str,
        case: CaseRecord,
        obligation: ObligationRecord,
        disclosure: DisclosureRecord,
        document: ReportDocument,
    ) -> ReportTransmission:
        """The report as the intake contract carries it: the limited fields and the rendering."""
        return ReportTransmission(
            report_id=report_id,
            case_reference=case.case_id,
            recipient_id=obligation.agency_id,
            form=document.form_id,
            jurisdiction=case.jurisdiction,
            kind=case.kind,
            policy_version=case.policy_version,
            sent_at=datetime.now(UTC),
            fields=disclosure.fields,
            document=TransmittedDocument(
                html=document.html, text=document.text, sha256=document.sha256
            ),
            phone_report_due_at=obligation.phone_report_due_at,
            written_report_due_at=obligation.written_report_due_at,
            acknowledgement_url=(
                f"{self._acknowledgement_base_url.rstrip('/')}/agency-callbacks/"
                f"{obligation.agency_id}/acknowledgements"
                if self._acknowledgement_base_url
                else None
            ),
        )

    def _supplemented_report_id(self, request: RecipientStep) -> str:
        """The id of the report a supplement's copy supplements (the one the agency holds)."""
        with reading(self._sessions) as session:
            original = session.exec(
                select(DeliveryRecord).where(
                    DeliveryRecord.case_id == request.case_id,
                    DeliveryRecord.recipient_id == request.recipient_id,
                )
            ).first()
        if original is None:
            raise ApplicationError(
                "no delivered report to supplement", type="ReportNotReady", non_retryable=True
            )
        return original.report_id

    @activity.defn(name="deliver_report")
    async def deliver_report(self, request: RecipientStep) -> DeliveryReceipt:
        report = await asyncio.to_thread(authorised_report, self._sessions, request)
        case, obligation = report.case, report.obligation
        report_id = report.report_id
        transmission = self._transmission(
            report_id, case, obligation, report.disclosure, report.document
        )
        if request.supplement:
            transmission.supplemental_to = await asyncio.to_thread(
                self._supplemented_report_id, request
            )
        try:
            secret = self._secrets(obligation.agency_id)
        except KeyError as err:
            raise ApplicationError(
                f"no signing secret for agency {obligation.agency_id}: {err}",
                type="AgencySecretMissing",
                non_retryable=True,
            ) from None
        policy = self._policies.version(case.jurisdiction, case.kind, case.policy_version)
        agency = self._directory.by_id(obligation.agency_id)
        limits = DeliveryLimits(
            attempts=policy.delivery_attempts,
            attempt=activity.info().attempt,
            reference_field=agency.receipt_reference_field if agency else None,
        )
        receipt = await self._post(obligation.intake_url, transmission, secret, limits)
        delivered = Delivered(
            channel="intake-api",
            received_at=receipt.received_at,
            reference_number=receipt.reference_number,
        )
        await asyncio.to_thread(record_delivery, self._sessions, self._policies, report, delivered)
        return DeliveryReceipt(
            report_id=report_id,
            recipient_id=obligation.recipient_id,
            agency_id=obligation.agency_id,
            reference_number=receipt.reference_number,
            received_at=receipt.received_at,
            duplicate=receipt.duplicate,
            decision=receipt.decision.value if receipt.decision else None,
        )

    async def _post(
        self, url: str, transmission: ReportTransmission, secret: bytes, limits: DeliveryLimits
    ) -> AgencyReceipt:
        """POST the report once; any 2xx answer is the agency's receipt, whatever its body.

        Only what did not arrive is tried again (no answer, 5xx, 408, 429), and only until the
        policy's attempt limit: the last attempt fails for good as ``AgencyUnreachable``, which
        the workflow turns into a task for the practitioner."""
        body = transmission.model_dump_json().encode()
        headers = {
            "Content-Type": "application/json",
            IDEMPOTENCY_HEADER: transmission.report_id,
            # Standard Webhooks: the same message id on every attempt, signed anew each time.
            **signed_headers(secret, f"msg_{transmission.report_id}", body),
        }
        response = await post_once(self._http, url, body, headers, limits, "agency intake")
        if response.is_success:
            return read_agency_receipt(
                response.content, limits.reference_field, answered_at=datetime.now(UTC)
            )
        raise ApplicationError(
            f"agency intake refused the report: HTTP {response.status_code}: "
            f"{_agency_message(response)}",
            type="AgencyRefusedReport",
            non_retryable=True,
        )


async def post_once(
    http: httpx.AsyncClient,
    url: str,
    body: bytes,
    headers: dict[str, str],
    limits: DeliveryLimits,
    receiver: str,
) -> httpx.Response:
    """POST once to ``receiver`` (named in errors: "agency intake", "fax provider"); its answer
    if it took the request (2xx) or refused it (another 4xx). What did not arrive (no answer in
    time, 5xx, 408, 429) raises `not_arrived`: retried until the policy's last attempt."""
    # Heartbeat while the receiver answers: if this worker dies mid-request, the attempt times
    # out quickly and the retry (same idempotency key) finds the request already taken.
    heartbeating = asyncio.create_task(_heartbeat_until_cancelled())
    try:
        # Within the attempt's own time limit, so that a receiver that never finishes
        # answering counts against the policy's attempts like any other failure.
        async with asyncio.timeout(ANSWER_WITHIN_SECONDS):
            response = await http.post(url, content=body, headers=headers)
    except httpx.TransportError as err:
        raise not_arrived(f"{receiver} unreachable ({type(err).__name__})", limits, None) from None
    except TimeoutError:
        raise not_arrived(f"{receiver} did not answer in time", limits, None) from None
    finally:
        heartbeating.cancel()
    if response.status_code in (408, 429) or response.status_code >= 500:
        raise not_arrived(f"{receiver} answered HTTP {response.status_code}", limits, response)
    return response


@dataclass(frozen=True)
class DeliveryLimits:
    """How a delivery to one agency is tried: the policy's attempt limit, the attempt this is,
    and where the agency's receipt names its reference (agency directory)."""

    attempts: int
    attempt: int
    reference_field: str | None


def not_arrived(
    problem: str, limits: DeliveryLimits, response: httpx.Response | None
) -> ApplicationError:
    """The report did not reach the agency: retried (after ``Retry-After`` if the agency asked
    for a pause) until the policy's last attempt, which fails for good."""
    if limits.attempt >= limits.attempts:
        return ApplicationError(
            f"{problem}; the report did not reach the agency after {limits.attempts} attempts",
            type="AgencyUnreachable",
            non_retryable=True,
        )
    return ApplicationError(
        f"{problem}; will retry (attempt {limits.attempt} of {limits.attempts})",
        type="AgencyUnavailable",
        next_retry_delay=retry_after(response) if response is not None else None,
    )


async def _heartbeat_until_cancelled() -> None:
    while True:
        activity.heartbeat()
        await asyncio.sleep(1)


def retry_after(response: httpx.Response) -> timedelta | None:
    """Honour ``Retry-After`` (seconds or an HTTP date), between 1 s and an hour. At least a
    second: signatures carry whole-second timestamps, and an agency refuses a byte-identical
    request as a replay."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError):
            return None
    return timedelta(seconds=min(max(seconds, 1.0), 3600.0))


def _agency_message(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    return str(detail)[:300] if detail else response.reason_phrase
