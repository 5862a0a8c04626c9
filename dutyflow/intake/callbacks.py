"""Sending each decided report's acknowledgement callback to Dutyflow, in the background.

One task per report POSTs the acknowledgement (`dutyflow.intake.receipts.acknowledgement_body`)
to the report's ``acknowledgement_url``, signed by `dutyflow.intake.signatures`, and retries with
exponential backoff: `CALLBACK_ATTEMPTS` attempts, `CALLBACK_FIRST_BACKOFF_SECONDS` before the
second. Every attempt is counted on the stored report; a callback that failed every attempt is
marked failed (staff may resend it), and one cut short by a stop stays pending and is sent again
at the next start.

What is not here: when a callback is due (a decision, a resend: `dutyflow.intake.decisions`), and
what it says (`dutyflow.intake.receipts`).

Logs carry agency ids, reference numbers and error class names only, never report content.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import ssl
import time
from collections.abc import Callable

import httpx
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from dutyflow.intake.receipts import acknowledgement_body
from dutyflow.intake.signatures import AgencySignatures, CallbackSigner
from dutyflow.intake.store import find_by_id, record_callback_attempt
from dutyflow.intake.tables import CallbackStatus, IntakeReport

logger = logging.getLogger("dutyflow.intake")

CALLBACK_ATTEMPTS = 5
CALLBACK_FIRST_BACKOFF_SECONDS = 0.2  # then 0.4, 0.8, 1.6: about three seconds in all
CALLBACK_TIMEOUT_SECONDS = 10.0

DELIVERED = "delivered"

ClientFactory = Callable[[], httpx.AsyncClient]
"""Makes the `httpx.AsyncClient` for one callback (all its attempts); the sender closes it."""


@functools.cache
def _verified_tls() -> ssl.SSLContext:
    """httpx's verified TLS (its CA bundle), made once: a client left to make its own loads the
    bundle again, ~25 ms of CPU for every acknowledgement sent."""
    return httpx.create_ssl_context(verify=True)


def default_callback_client() -> httpx.AsyncClient:
    """TLS verified, a 10 s timeout, no redirects followed."""
    return httpx.AsyncClient(
        timeout=CALLBACK_TIMEOUT_SECONDS, verify=_verified_tls(), follow_redirects=False
    )


class AcknowledgementSender:
    """Sends each decided report's acknowledgement callback in the background, one task per
    report, retrying with exponential backoff; the outcome is kept on the report."""

    def __init__(
        self,
        engine: Engine,
        signatures: AgencySignatures,
        client_factory: ClientFactory | None = None,
    ) -> None:
        self._engine = engine
        self._signatures = signatures
        self._client_factory = client_factory or default_callback_client
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
        where = f"agency={report.agency_id} reference={report.reference_number}"
        try:
            body = acknowledgement_body(report)
            signer = self._signatures.callback_signer(
                report.agency_id, f"ack_{report.agency_id}_{report_id}"
            )
        except (ValueError, KeyError) as err:
            logger.error("acknowledgement cannot be sent %s: %s", where, type(err).__name__)
            await self._record(report_id, delivered=False, last=True)
            return
        try:
            await self._send(report_id, report.acknowledgement_url, body, signer, where)
        except Exception as err:
            logger.error("acknowledgement failed %s: %s", where, type(err).__name__)
            await self._record(report_id, delivered=False, last=True)

    async def _send(
        self, report_id: int, url: str, body: bytes, signer: CallbackSigner, where: str
    ) -> None:
        """Every attempt until one is delivered or none is left, each one counted."""
        attempt = 0
        stamp = 0
        async with self._client_factory() as client:
            for attempt in range(1, CALLBACK_ATTEMPTS + 1):
                # Each attempt is signed anew, never twice in the same second: a receiver's
                # replay guard would take a second request with the same signature for a
                # replay. A second or two ahead is well inside the signing tolerance.
                stamp = max(int(time.time()), stamp + 1)
                outcome = await self._attempt(client, url, body, signer, stamp)
                delivered = outcome == DELIVERED
                last = attempt == CALLBACK_ATTEMPTS
                await self._record(report_id, delivered=delivered, last=last)
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

    @staticmethod
    async def _attempt(
        client: httpx.AsyncClient, url: str, body: bytes, signer: CallbackSigner, stamp: int
    ) -> str:
        """One POST: `DELIVERED`, or what went wrong (an HTTP status or an error class name)."""
        headers = {"Content-Type": "application/json", **signer.headers(body, stamp)}
        try:
            response = await client.post(url, content=body, headers=headers)
        except (httpx.HTTPError, httpx.InvalidURL) as err:
            return type(err).__name__
        return DELIVERED if response.is_success else f"HTTP {response.status_code}"

    async def _record(self, report_id: int, *, delivered: bool, last: bool) -> None:
        await run_in_threadpool(record_callback_attempt, self._engine, report_id, delivered, last)
