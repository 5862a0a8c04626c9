"""The reference agency intake service, assembled: receives mandated reports over HTTP, and
acknowledges them.

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

This module only assembles the service (its state, lifespan, middleware and routers); where each
part lives is listed in the package's docstring (`dutyflow.intake`).
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from dutyflow.api.body_limit import BodySizeLimit
from dutyflow.crypto.signing import AgencySecrets
from dutyflow.intake import decisions, health, inbox, reports
from dutyflow.intake.callbacks import AcknowledgementSender, ClientFactory
from dutyflow.intake.deps import IntakeState
from dutyflow.intake.limits import MAX_BODY_BYTES
from dutyflow.intake.signatures import AgencySignatures, IntakeSeenMessages, SecretLookup
from dutyflow.intake.store import pending_callbacks
from dutyflow.intake.tables import create_intake_engine, create_intake_tables


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
    signatures = AgencySignatures(secrets, IntakeSeenMessages(engine))
    app = FastAPI(
        title="Dutyflow reference agency intake",
        lifespan=lifespan,
        # FastAPI's built-in telemetry would export raw paths and exception messages.
        telemetry={"tracing": False, "metrics": False, "logs": False, "auto_configure": False},
    )
    app.state.intake = IntakeState(
        engine=engine,
        agencies=dict(agencies) if agencies is not None else None,
        signatures=signatures,
        sender=AcknowledgementSender(engine, signatures, callback_client_factory),
        auto_acknowledge=auto_acknowledge,
    )
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)
    app.include_router(health.router)
    app.include_router(reports.router)
    app.include_router(decisions.router)
    app.include_router(inbox.router)
    return app


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Resume the callbacks a stop cut short; at the end, stop those in flight (they stay
    pending) and close the database."""
    state: IntakeState = app.state.intake
    try:
        for report in await run_in_threadpool(pending_callbacks, state.engine):
            state.sender.schedule(report)
        yield
    finally:
        await state.sender.close()
        state.engine.dispose()


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
