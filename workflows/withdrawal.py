"""Withdrawing a case that never got its grounds (opened by mistake, a duplicate, no duty after
all): an Update with a validator. Only while the case awaits its grounds, so nothing was ever
disclosed; the reason is audited and the case closes with the outcome "withdrawn before grounds".

The run waits for the grounds or a withdrawal (`mandated_report`); cases started before this
existed keep waiting for the grounds alone (``workflow.patched``).
"""

from __future__ import annotations

from temporalio import workflow

from workflows.activity_options import record
from workflows.case_state import CaseState
from workflows.step_input import invalid_input, received, refuse_another_practitioner, wrong_stage

with workflow.unsafe.imports_passed_through():
    from activities.case_records import CaseRecordActivities
    from dutyflow.contracts import Actor, CaseStatus, Stage, WithdrawalInput
    from dutyflow.domain.audit import content_sha256
    from dutyflow.domain.case import Withdrawal
    from dutyflow.domain.validation import FieldProblem

# The patch that lets a case be withdrawn while it awaits its grounds.
WITHDRAWAL_PATCH = "withdrawal-before-grounds"


class WithdrawalSteps:
    """The withdrawal Update (inherited by the workflow class)."""

    case: CaseState
    withdrawn: bool = False
    accepts_withdrawal: bool = False

    @workflow.update(name="withdraw_case")
    async def withdraw_case(self, withdrawal: Withdrawal, actor: Actor | None = None) -> CaseStatus:
        case = self.case
        withdrawal = received(Withdrawal, withdrawal)
        case.grounds.claim()  # no grounds may be recorded while (and after) it is withdrawn
        by = actor or case.practitioner
        await record(
            CaseRecordActivities.record_withdrawal,
            WithdrawalInput(
                case_id=case.case_id,
                actor=by,
                reason=withdrawal.reason.value,
                note_sha256=content_sha256(withdrawal.note or ""),
            ),
        )
        case.status.steps_completed.append("case-withdrawn")
        self.withdrawn = True
        await workflow.wait_condition(lambda: case.status.stage == Stage.CLOSED)
        return case.status

    @withdraw_case.validator
    def _validate_withdrawal(self, withdrawal: Withdrawal, actor: Actor | None = None) -> None:
        case = self.case
        withdrawal = received(Withdrawal, withdrawal)
        refuse_another_practitioner(actor, case.practitioner)
        if (
            not self.accepts_withdrawal
            or not case.grounds.open
            or case.status.stage != Stage.AWAITING_GROUNDS
        ):
            raise wrong_stage("withdraw the case (only before its grounds)", case.status.stage)
        if withdrawal.practitioner_id != case.practitioner.actor_id:
            raise invalid_input(
                [FieldProblem(field="practitioner_id", problem="must be the case's practitioner")]
            )
