"""The agency's decision on a received report (accepted or screened out), and the resend of an
acknowledgement whose callback failed: the two actions staff take, through the JSON routes here
or the inbox's forms (`dutyflow.intake.inbox`), which call the same `take_decision` and
`resend_acknowledgement`.

A report is decided once (a second decision is a ``409``, even when two arrive at once); the
decision is then sent to Dutyflow by `dutyflow.intake.callbacks`. Only a failed callback can be
resent, and only one resend runs at a time.

What is not here: deciding at receipt (``auto_acknowledge``, in `dutyflow.intake.reports`).
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from dutyflow.intake.callbacks import AcknowledgementSender
from dutyflow.intake.deps import EngineDep, KnownAgency, SenderDep, report_or_404
from dutyflow.intake.schemas import DecisionRequest, ReceivedReport, received_report
from dutyflow.intake.store import decide, reopen_failed_callback
from dutyflow.intake.tables import CallbackStatus, IntakeReport

logger = logging.getLogger("dutyflow.intake")

router = APIRouter(prefix="/agencies/{agency_id}/reports")


async def take_decision(
    engine: Engine,
    sender: AcknowledgementSender,
    agency_id: str,
    reference_number: str,
    request: DecisionRequest,
) -> IntakeReport:
    """Record staff's decision and start its callback; ``404`` for an unknown report, ``409`` for
    one already decided."""
    await report_or_404(engine, agency_id, reference_number)
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
    sender.schedule(report)
    return report


async def resend_acknowledgement(
    engine: Engine, sender: AcknowledgementSender, agency_id: str, reference_number: str
) -> IntakeReport:
    """Send a failed acknowledgement again; ``404`` for an unknown report, ``409`` unless its
    callback failed (or when a resend is already under way)."""
    report = await report_or_404(engine, agency_id, reference_number)
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
    report = await report_or_404(engine, agency_id, reference_number)
    logger.info("acknowledgement resend agency=%s reference=%s", agency_id, reference_number)
    sender.schedule(report)
    return report


@router.post(
    "/{reference_number}/decision",
    responses={
        404: {"description": "Unknown agency or reference number"},
        409: {"description": "Already decided"},
    },
)
async def decide_report(
    reference_number: str,
    decision: DecisionRequest,
    agency_id: KnownAgency,
    engine: EngineDep,
    sender: SenderDep,
) -> ReceivedReport:
    report = await take_decision(engine, sender, agency_id, reference_number, decision)
    return received_report(report)


@router.post(
    "/{reference_number}/acknowledgement/resend",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        404: {"description": "Unknown agency or reference number"},
        409: {"description": "The acknowledgement has not failed"},
    },
)
async def resend(
    reference_number: str, agency_id: KnownAgency, engine: EngineDep, sender: SenderDep
) -> ReceivedReport:
    report = await resend_acknowledgement(engine, sender, agency_id, reference_number)
    return received_report(report)
