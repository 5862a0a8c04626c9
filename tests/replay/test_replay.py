"""Cases already running keep working: every recorded history (one per legal branch, recorded by
`record_histories` with the workflow as it was) replays against today's workflow, with the
worker's data converter and sandbox, without a nondeterminism error. A change to the workflow
that would break a running case fails here, before it is deployed."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.worker import Replayer
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from dutyflow.domain.case import ReportKind
from tests.replay.recorded import RecordedHistory, read_all, replay_converter, replay_keyring
from workflows.mandated_report import MandatedReportWorkflow

HISTORIES = read_all()
UPDATES = {
    "document_grounds",
    "record_phone_report",
    "confirm_report",
    "decide_disclosure",
    "record_contact_attempt",
    "record_inform_client_decision",
    "decide_consultation",
    "request_disclosure_exception",
    "decide_disclosure_exception",
    "retry_delivery",
    "record_agency_acknowledgement",
    "record_agency_reference",
    "record_report_sent",
    "record_acknowledgement_received",
    "withdraw_case",
    "add_supplemental_report",
}


def replayer(key_store: Path) -> Replayer:
    """As `dutyflow.runtime.worker.build_worker` builds the worker: the same workflow, data
    converter (encrypting codec, per-case keys) and sandbox passthrough. (Not
    ``workflow_failure_exception_types=[NondeterminismError]``: with it, a replay that meets
    nondeterminism never returns on SDK 1.35; without it, the failure is reported at once.)"""
    return Replayer(
        workflows=[MandatedReportWorkflow],
        data_converter=replay_converter(replay_keyring(f"sqlite:///{key_store}", HISTORIES)),
        workflow_runner=SandboxedWorkflowRunner(
            restrictions=SandboxRestrictions.default.with_passthrough_modules(
                "pydantic", "dutyflow"
            )
        ),
    )


def test_there_is_a_recorded_history_of_every_report_kind() -> None:
    assert HISTORIES, "tests/replay/histories holds no history: run record_histories"
    assert {h.kind for h in HISTORIES} == {kind.value for kind in ReportKind}


def test_the_workflow_declares_every_update_its_callers_send() -> None:
    """Wherever the workflow class inherits a handler from (`workflows.clinician_steps` and the
    other step modules); each Update is named as its method."""
    declared = {
        name
        for name in dir(MandatedReportWorkflow)
        if isinstance(getattr(MandatedReportWorkflow, name), workflow.UpdateMethodMultiParam)
    }
    assert declared == UPDATES


def test_some_recorded_history_sends_each_update() -> None:
    """So each handler runs again in a replay: a handler the SDK no longer registers (or one
    whose commands changed) fails that replay."""
    answered = set().union(*(h.update_names() for h in HISTORIES))
    assert answered >= UPDATES, f"no recorded history sends {sorted(UPDATES - answered)}"


@pytest.mark.parametrize("recorded", HISTORIES, ids=[h.branch for h in HISTORIES])
async def test_a_recorded_case_replays_without_nondeterminism(
    recorded: RecordedHistory, tmp_path: Path
) -> None:
    result = await replayer(tmp_path / "case-keys.db").replay_workflow(
        recorded.workflow_history, raise_on_replay_failure=True
    )
    assert result.replay_failure is None
