"""The intake service's typed dependencies, as the routes ask for them.

`create_app` puts one `IntakeState` on ``app.state.intake``; everything a route needs is read
from it here:

- `EngineDep`: the intake database's engine;
- `KnownAgency`: the path's agency id, ``404`` unless the service serves it; `AgencyName`: its
  display name;
- `SignedReportBody`: a report's raw body, read and its signature checked (``401`` when refused)
  before anything parses it;
- `SenderDep`: the acknowledgement callback sender; `AutoAcknowledgeDep`: whether reports are
  accepted at receipt;
- `FoundReport`: the stored report the path's reference number names (``404`` when none).

What is not here: the routes themselves (`reports`, `decisions`, `inbox`, `health`), and the
signing scheme (`dutyflow.intake.signatures`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from dutyflow.intake.callbacks import AcknowledgementSender
from dutyflow.intake.signatures import CHALLENGE_HEADER, AgencySignatures, SignatureRefused
from dutyflow.intake.store import find_by_reference
from dutyflow.intake.tables import IntakeReport

AGENCY_ID_PATTERN = re.compile(r"[a-z0-9-]{1,64}")


@dataclass(frozen=True)
class IntakeState:
    """What one intake service holds for its lifetime, set once by `create_app`."""

    engine: Engine
    agencies: dict[str, str] | None  # agency id -> display name; None serves any valid id
    signatures: AgencySignatures
    sender: AcknowledgementSender
    auto_acknowledge: bool


def intake_state(request: Request) -> IntakeState:
    state = request.app.state.intake
    assert isinstance(state, IntakeState), "create_app sets app.state.intake"
    return state


StateDep = Annotated[IntakeState, Depends(intake_state)]


def get_engine(state: StateDep) -> Engine:
    return state.engine


def get_signatures(state: StateDep) -> AgencySignatures:
    return state.signatures


def get_sender(state: StateDep) -> AcknowledgementSender:
    return state.sender


def get_auto_acknowledge(state: StateDep) -> bool:
    return state.auto_acknowledge


EngineDep = Annotated[Engine, Depends(get_engine)]
SignaturesDep = Annotated[AgencySignatures, Depends(get_signatures)]
SenderDep = Annotated[AcknowledgementSender, Depends(get_sender)]
AutoAcknowledgeDep = Annotated[bool, Depends(get_auto_acknowledge)]


def known_agency(agency_id: str, state: StateDep) -> str:
    """The ``agency_id`` of the path, if this service serves it; else ``404``."""
    if state.agencies is not None:
        if agency_id not in state.agencies:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown agency {agency_id!r}")
    elif not AGENCY_ID_PATTERN.fullmatch(agency_id):
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"unknown agency {agency_id!r}: agency ids are 1-64 of [a-z0-9-]",
        )
    return agency_id


KnownAgency = Annotated[str, Depends(known_agency)]


def agency_name(agency_id: KnownAgency, state: StateDep) -> str:
    """The agency's display name, or its id when the service has no directory."""
    return state.agencies.get(agency_id, agency_id) if state.agencies is not None else agency_id


AgencyName = Annotated[str, Depends(agency_name)]


def unauthorized(detail: str) -> HTTPException:
    """A ``401`` that names the header a signature is expected in."""
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": CHALLENGE_HEADER}
    )


async def signed_report_body(
    request: Request, agency_id: KnownAgency, signatures: SignaturesDep
) -> bytes:
    """The raw request body, once its signature is checked (``401`` when refused)."""
    raw = await request.body()
    try:
        signatures.check_report(agency_id, request.headers, raw)
    except SignatureRefused as err:
        raise unauthorized(str(err)) from None
    return raw


SignedReportBody = Annotated[bytes, Depends(signed_report_body)]


async def report_or_404(engine: Engine, agency_id: str, reference_number: str) -> IntakeReport:
    """The agency's report with this reference number; else ``404``."""
    report = await run_in_threadpool(find_by_reference, engine, agency_id, reference_number)
    if report is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"no report with reference number {reference_number!r}"
        )
    return report


async def found_report(
    reference_number: str, agency_id: KnownAgency, engine: EngineDep
) -> IntakeReport:
    return await report_or_404(engine, agency_id, reference_number)


FoundReport = Annotated[IntakeReport, Depends(found_report)]
