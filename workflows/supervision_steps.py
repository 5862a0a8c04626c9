"""The steps of a second person, as Updates with validators: the clinic's supervisor answers the
consultation (approve, or return with comments: the practitioner then revises the grounds), and
a field beyond a recipient's allow-list is asked for with a written justification and approved
or refused by someone other than the one who asked. An approval after the fields were limited
limits them (and renders the report) again, so the practitioner confirms what will be sent.

The run's side of the consultation (asking, rounds, the imminent-danger bypass) is in
`mandated_report`.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

from workflows.activity_options import record
from workflows.case_state import BUSY_AFTER_GROUNDS, CaseState
from workflows.deadlines import DeadlineWatchers
from workflows.report_preparation import limit_and_render, review_sha256
from workflows.step_input import invalid_input, wrong_stage

with workflow.unsafe.imports_passed_through():
    from activities.supervision import SupervisionActivities
    from dutyflow import ids
    from dutyflow.contracts import (
        Actor,
        CaseStatus,
        ConsultationInput,
        ExceptionDecisionInput,
        ExceptionRequestInput,
        ExceptionSummary,
        Stage,
        SupervisionSummary,
    )
    from dutyflow.domain.case import (
        ConsultationChoice,
        ConsultationDecision,
        DisclosureExceptionDecision,
        DisclosureExceptionRequest,
    )
    from dutyflow.domain.validation import (
        FieldProblem,
        consultation_decision_problems,
        exception_decision_problems,
        exception_request_problems,
    )


class SupervisionSteps:
    """The consultation's answer and the disclosure exceptions (inherited by the workflow
    class)."""

    case: CaseState
    deadlines: DeadlineWatchers

    @workflow.update(name="decide_consultation")
    async def decide_consultation(self, decision: ConsultationDecision) -> CaseStatus:
        """The clinic's supervisor approves, or returns the case with comments (sealed)."""
        case = self.case
        case.consultation.claim()
        await record(
            SupervisionActivities.record_consultation_decision,
            ConsultationInput(
                case_id=case.case_id, round=case.consultation_round, decision=decision
            ),
        )
        approved = decision.decision == ConsultationChoice.APPROVE
        case.status.supervision = SupervisionSummary(
            state="approved" if approved else "returned",
            round=case.consultation_round,
            decided_by=decision.supervisor_id,
        )
        case.status.steps_completed.append(
            "supervisor-consultation-approved" if approved else "supervisor-consultation-returned"
        )
        case.consultation_decision = decision
        case.consultation.record(decision.supervisor_id)
        await workflow.wait_condition(
            lambda: case.status.stage not in (*BUSY_AFTER_GROUNDS, Stage.AWAITING_SUPERVISOR)
        )
        return case.status

    @decide_consultation.validator
    def _validate_consultation(self, decision: ConsultationDecision) -> None:
        case = self.case
        if not case.consultation.open or case.status.stage != Stage.AWAITING_SUPERVISOR:
            raise wrong_stage("answer the supervisor consultation", case.status.stage)
        problems = consultation_decision_problems(decision)
        if decision.supervisor_id == case.practitioner.actor_id:
            problems.append(
                FieldProblem(
                    field="supervisor_id", problem="the case's practitioner cannot supervise it"
                )
            )
        elif decision.supervisor_id == case.grounds_author:
            problems.append(
                FieldProblem(
                    field="supervisor_id",
                    problem="documented the grounds under review; "
                    "another supervisor of the clinic decides",
                )
            )
        if problems:
            raise invalid_input(problems)

    @workflow.update(name="request_disclosure_exception")
    async def request_disclosure_exception(self, request: DisclosureExceptionRequest) -> CaseStatus:
        """Fields beyond a recipient's allow-list, with a written justification: pending until a
        second person decides. The policy's refusals (a protected class, an order's scope)
        come back naming the field."""
        case = self.case
        exception_id = case.exceptions.next_id()
        actor = Actor(actor_id=request.requested_by, role=request.requested_role)
        with case.exceptions.recording():
            try:
                await record(
                    SupervisionActivities.record_exception_request,
                    ExceptionRequestInput(
                        case_id=case.case_id,
                        exception_id=exception_id,
                        actor=actor,
                        request=request,
                    ),
                )
            except ActivityError as err:
                cause = err.cause
                if isinstance(cause, ApplicationError) and cause.type == "InvalidInput":
                    raise ApplicationError(
                        cause.message, *cause.details, type="InvalidInput", non_retryable=True
                    ) from None
                raise
        case.status.exceptions.append(
            ExceptionSummary(
                exception_id=exception_id,
                recipient_id=request.recipient_id,
                fields=list(request.fields),
                state="pending",
                requested_by=request.requested_by,
            )
        )
        case.status.steps_completed.append("disclosure-exception-requested")
        summary = case.status.exceptions[-1]
        # Awaiting a second person is a duty, due before the case's earliest open deadline. An
        # exception still undecided when the report is confirmed lapses (the report went
        # without the fields), and its duty ends there.
        self.deadlines.watch_decision(
            ids.exception_deadline_id(exception_id),
            lambda: summary.state in ("approved", "refused") or case.confirmation.done,
            [d.due_at for d in case.status.deadlines if d.met_at is None],
        )
        return case.status

    @request_disclosure_exception.validator
    def _validate_exception_request(self, request: DisclosureExceptionRequest) -> None:
        case = self.case
        if (
            not case.obligations_known
            or not case.confirmation.open
            or case.status.stage == Stage.CLOSED
        ):
            raise wrong_stage("ask for a disclosure exception", case.status.stage)
        problems = exception_request_problems(request)
        active = {o.recipient_id for o in case.status.obligations} - case.recipients.declined
        if request.recipient_id not in active:
            problems.append(
                FieldProblem(field="recipient_id", problem="is not a recipient of this case")
            )
        if problems:
            raise invalid_input(problems)

    @workflow.update(name="decide_disclosure_exception")
    async def decide_disclosure_exception(
        self, decision: DisclosureExceptionDecision
    ) -> CaseStatus:
        """A second person approves or refuses. Once approved, a recipient whose fields were
        already limited has them limited and its report rendered again: the review changes and
        the practitioner confirms the new one."""
        case = self.case
        summary = self._exception(decision.exception_id)
        assert summary is not None
        summary.state = "deciding"
        with case.exceptions.recording():
            await record(
                SupervisionActivities.record_exception_decision,
                ExceptionDecisionInput(
                    case_id=case.case_id,
                    actor=Actor(actor_id=decision.decided_by, role=decision.decided_role),
                    decision=decision,
                    recipient_id=summary.recipient_id,
                    fields=summary.fields,
                ),
            )
            summary.state = "approved" if decision.approve else "refused"
            summary.decided_by = decision.decided_by
            case.status.steps_completed.append(f"disclosure-exception-{summary.state}")
            if decision.approve:
                recipient_id = summary.recipient_id
                case.exceptions.approve(recipient_id)
                await workflow.wait_condition(lambda: case.status.stage != Stage.PREPARING_REPORT)
                obligation = case.obligation(recipient_id)
                if case.exceptions.limited_before_approval(recipient_id):
                    await limit_and_render(case, obligation)
                    case.status.review_sha256 = review_sha256(case.status)
        return case.status

    @decide_disclosure_exception.validator
    def _validate_exception_decision(self, decision: DisclosureExceptionDecision) -> None:
        case = self.case
        if not case.confirmation.open or case.status.stage == Stage.CLOSED:
            raise wrong_stage("decide on a disclosure exception", case.status.stage)
        summary = self._exception(decision.exception_id)
        problems = exception_decision_problems(
            decision,
            summary.requested_by if summary is not None else None,
            summary.state if summary is not None else None,
        )
        if problems:
            raise invalid_input(problems)

    def _exception(self, exception_id: str) -> ExceptionSummary | None:
        return next(
            (e for e in self.case.status.exceptions if e.exception_id == exception_id), None
        )
