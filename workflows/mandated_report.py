"""The mandated-report workflow: one per case, its id the opaque case id.

Orchestration only: every step that touches the world is an activity that writes its record and
an audit entry. Clinician steps arrive as Updates whose validators refuse bad input before
anything is recorded; the Query `status` tells where the case stands without any case content.

    opening -> grounds (Update) -> obligations (or a hard stop: nothing is disclosed)
      -> supervisor consultation, where policy asks (Update: approve, or return with comments
         and the practitioner revises the grounds); never when the grounds say the danger is
         imminent: the case goes on and the audit says why
      -> disclose-or-decline per permitted recipient (Update, where the law only permits)
      -> phone report (Update, where policy asks)
      -> limit fields and render, per recipient -> confirmation (Update)
      -> deliver to each agency's intake and record its acknowledgement
      -> every contact reached by the practitioner, each attempt logged (Update)
      -> the decision to inform the client, where the law asks (Update) -> outcome

Contact attempts (warnings, calls to telephone-only agencies, responses handed to a court) and
the inform-client decision are accepted as soon as the obligations are known: a warning never
waits for the written report.

A field beyond a recipient's allow-list goes only by a disclosure exception: requested with a
written justification (Update), approved by a second person (Update); an approval after the
fields were limited limits them (and renders the report) again, so the practitioner confirms
what will really be sent.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from pydantic import BaseModel

    from activities.case_records import CaseRecordActivities
    from activities.delivery import DeliveryActivities
    from activities.obligations import ObligationActivities
    from activities.reports import ReportActivities
    from activities.supervision import SupervisionActivities
    from dutyflow.contracts import (
        ESCALATED_TO,
        STAGE,
        WORKFLOW_TYPE,
        WRITTEN_REPORT_DUE,
        AcknowledgementInput,
        Actor,
        CaseOutcome,
        CaseRef,
        CaseStatus,
        ConfirmationInput,
        ConsultationInput,
        ContactSummary,
        DeadlinePlan,
        DecisionSummary,
        DeliveryProblem,
        DeliveryProblemInput,
        DeliveryReceipt,
        EscalationInput,
        EscalationPoint,
        ExceptionDecisionInput,
        ExceptionRequestInput,
        ExceptionSummary,
        Obligation,
        ObligationSet,
        ObligationsRequest,
        OpenCaseInput,
        RecipientStep,
        RecordContactAttemptInput,
        RecordDisclosureDecisionInput,
        RecordGroundsInput,
        RecordInformClientInput,
        RecordPhoneReportInput,
        RetryDelivery,
        Stage,
        SupervisionSummary,
    )
    from dutyflow.domain.case import (
        CaseOpening,
        Confirmation,
        ConsultationChoice,
        ConsultationDecision,
        ContactAttempt,
        ContactOutcome,
        DisclosureChoice,
        DisclosureDecision,
        DisclosureExceptionDecision,
        DisclosureExceptionRequest,
        GroundsSubmission,
        InformClientStep,
        PhoneReport,
        imminent_danger,
    )
    from dutyflow.domain.transmission import AcknowledgementDecision, AgencyAcknowledgement
    from dutyflow.domain.validation import (
        FieldProblem,
        GroundsRules,
        confirmation_problems,
        consultation_decision_problems,
        contact_attempt_problems,
        describe,
        disclosure_decision_problems,
        exception_decision_problems,
        exception_request_problems,
        grounds_problems,
        inform_client_problems,
        phone_report_problems,
    )

Received = TypeVar("Received", bound=BaseModel)

NOT_RETRYABLE = [
    "InvalidInput",
    "RecipientNotAuthorised",
    "AgencyRefusedReport",
    "NoAgencyForRecipient",
    "ReportNotReady",
    "AgencySecretMissing",
    "NoPolicyError",
    "CaseNotFound",
    "ProtectedDataError",
    "OutsideScopeError",
]
RECORDING = {
    "start_to_close_timeout": timedelta(seconds=30),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=1),
        maximum_interval=timedelta(seconds=30),
        non_retryable_error_types=NOT_RETRYABLE,
    ),
}
DELIVERING = {
    "start_to_close_timeout": timedelta(seconds=60),
    "heartbeat_timeout": timedelta(seconds=10),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=2),
        backoff_coefficient=2.0,
        maximum_interval=timedelta(minutes=10),
        non_retryable_error_types=NOT_RETRYABLE,
    ),
}


def invalid_input(problems: list[FieldProblem]) -> ApplicationError:
    return ApplicationError(
        describe(problems),
        [p.model_dump() for p in problems],
        type="InvalidInput",
        non_retryable=True,
    )


def received(model: type[Received], value: Received | dict[str, Any]) -> Received:
    """An Update's first argument as its model. The SDK decodes arguments with their type hints
    only when every parameter was sent (temporalio/sdk-python#360): a call from before the
    optional ``actor`` existed (and its history, replayed) brings the first one as plain JSON."""
    return model.model_validate(value)


def wrong_stage(step: str, stage: Stage) -> ApplicationError:
    return ApplicationError(
        f"{step}: not possible while the case is {stage.value}",
        type="InvalidState",
        non_retryable=True,
    )


@workflow.defn(name=WORKFLOW_TYPE)
class MandatedReportWorkflow:
    @workflow.init
    def __init__(self, opening: CaseOpening) -> None:
        self._case_id = opening.case_id
        self._practitioner = Actor(actor_id=opening.practitioner_id, role="practitioner")
        self._status = CaseStatus(
            case_id=opening.case_id,
            stage=Stage.OPENING,
            jurisdiction=opening.jurisdiction,
            kind=opening.kind,
        )
        # Cases started with Dutyflow's search attributes keep them current; a cluster without
        # them registered (e.g. the time-skipping test server) runs cases unindexed.
        self._indexed = STAGE in workflow.info().typed_search_attributes
        self._statutory_bases: list[str] | None = None
        self._grounds_rules: GroundsRules | None = None
        self._inform_exceptions: list[str] = []
        self._obligations_known = False
        self._undecided: set[str] = set()
        self._deciding: set[str] = set()
        self._declined: set[str] = set()
        self._discharged: set[str] = set()
        self._contact_open: set[str] = set()
        self._attempts_by_recipient: dict[str, int] = {}
        self._inform_claimed = False
        self._inform_recorded = False
        self._phone_recipient: str | None = None
        self._suspicion_formed_at = None
        self._grounds_claimed = False
        self._grounds_recorded = False
        self._phone_claimed = False
        self._phone_recorded = False
        self._confirm_claimed = False
        self._confirmed = False
        self._acknowledged: set[str] = set()
        self._acknowledging: set[str] = set()
        self._retry_requested: set[str] = set()
        self._watchers: list[asyncio.Task[None]] = []
        # Supervisor consultation and the grounds' revisions.
        self._danger: list[str] = []
        self._consultation_round = 0
        self._consultation_claimed = False
        # Who documented (or last revised) the grounds under review: never their own supervisor.
        self._grounds_by: str | None = None
        self._consultation: ConsultationDecision | None = None
        self._revision = 0
        self._revision_claimed = False
        self._revision_recorded = False
        # Disclosure exceptions: approved ones per recipient, and what each recipient's fields
        # were last limited with.
        self._exception_seq = 0
        self._exceptions_busy = 0
        self._approved: dict[str, int] = {}
        self._limited_with: dict[str, int] = {}

    # --- the run: orchestration ------------------------------------------------------------

    @workflow.run
    async def run(self, opening: CaseOpening) -> CaseOutcome:
        opened = await workflow.execute_activity_method(
            CaseRecordActivities.open_case, OpenCaseInput(opening=opening), **RECORDING
        )
        self._grounds_rules = opened.grounds_rules or GroundsRules(kind=opening.kind)
        self._inform_exceptions = opened.inform_client_exceptions
        self._statutory_bases = opened.statutory_bases
        self._status.policy_version = opened.policy_version
        self._status.phone_report_first = opened.phone_report_first
        self._status.disclosure_mode = opened.disclosure_mode
        self._status.inform_client_required = opened.inform_client_required
        self._completed("case-opened", Stage.AWAITING_GROUNDS)

        await workflow.wait_condition(lambda: self._grounds_recorded)
        obligation_set = await self._determine_obligations()
        if obligation_set.hard_stop is None and opened.supervisor_consultation:
            obligation_set = await self._consult_supervisor(
                obligation_set, opened.supervisor_consultation_citation
            )
        if obligation_set.hard_stop is not None:
            # Nothing may be disclosed (e.g. a subpoena without satisfactory assurance).
            self._status.hard_stop = obligation_set.hard_stop
            self._status.steps_completed.append("disclosure-stopped")
            return await self._close()
        self._status.obligations = obligation_set.obligations
        self._status.deadlines = obligation_set.deadlines
        dues = [
            o.written_report_due_at for o in obligation_set.obligations if o.written_report_due_at
        ]
        if dues:
            self._index(WRITTEN_REPORT_DUE.value_set(min(dues)))
        for plan in obligation_set.deadlines:
            self._watch(plan, self._deadline_met(plan.deadline_id))
        self._undecided = {
            o.recipient_id for o in self._status.obligations if o.obligation == "permitted"
        }
        self._contact_open = {
            o.recipient_id for o in self._status.obligations if o.delivery == "contact"
        }
        self._status.awaiting_decisions = sorted(self._undecided)
        self._status.awaiting_contacts = sorted(self._contact_open)
        self._obligations_known = True

        if self._undecided:
            # The law permits, not requires: the practitioner decides, and it is recorded.
            self._completed("obligations-determined", Stage.AWAITING_DISCLOSURE_DECISIONS)
            await workflow.wait_condition(lambda: not self._undecided and not self._deciding)
        else:
            self._status.steps_completed.append("obligations-determined")
        active = [o for o in self._status.obligations if o.recipient_id not in self._declined]

        phone = next(
            (
                o
                for o in active
                if o.phone_report_due_at is not None or o.delivery == "phone-report"
            ),
            None,
        )
        if opened.phone_report_first and phone is not None:
            self._phone_recipient = phone.recipient_id
            self._status.phone_task = await workflow.execute_activity_method(
                ReportActivities.prepare_phone_task,
                RecipientStep(case_id=self._case_id, recipient_id=phone.recipient_id),
                **RECORDING,
            )
            self._set_stage(Stage.AWAITING_PHONE_REPORT)
            await workflow.wait_condition(lambda: self._phone_recorded)

        if active:
            self._set_stage(Stage.PREPARING_REPORT)
            for obligation in active:
                await self._limit_and_render(obligation)
            self._status.review_sha256 = review_sha256(self._status)
            self._completed("report-rendered", Stage.AWAITING_CONFIRMATION)
            await workflow.wait_condition(lambda: self._confirmed)

        for obligation in active:
            if obligation.delivery != "intake":
                continue
            receipt = await self._deliver(obligation)
            self._status.deliveries.append(receipt)
            self._discharged.add(obligation.recipient_id)
            if receipt.decision is not None:  # the agency decided in its receipt
                await self._record_acknowledgement(
                    AgencyAcknowledgement(
                        report_id=receipt.report_id,
                        reference_number=receipt.reference_number,
                        decision=AcknowledgementDecision(receipt.decision),
                        decided_at=receipt.received_at,
                    )
                )
        if self._status.deliveries:
            self._status.steps_completed.append("report-delivered")

        if self._contact_open:
            self._set_stage(Stage.AWAITING_CONTACTS)
            await workflow.wait_condition(lambda: not self._contact_open)

        self._set_stage(Stage.AWAITING_ACKNOWLEDGEMENT)
        for receipt in self._status.deliveries:
            follow_up = obligation_set.acknowledgement_follow_up
            self._watch(
                DeadlinePlan(
                    deadline_id=f"acknowledgement:{receipt.recipient_id}",
                    due_at=receipt.received_at + 3 * follow_up,
                    citation="Dutyflow: a report with no acknowledgement is followed up",
                    escalations=[
                        EscalationPoint(notify=who, at=receipt.received_at + n * follow_up)
                        for n, who in enumerate(("practitioner", "supervisor", "compliance"), 1)
                    ],
                ),
                lambda report_id=receipt.report_id: report_id in self._acknowledged,
            )
        await workflow.wait_condition(
            lambda: all(r.report_id in self._acknowledged for r in self._status.deliveries)
        )
        if self._status.deliveries:
            self._status.steps_completed.append("acknowledgement-recorded")

        if opened.inform_client_required and not self._inform_recorded:
            self._set_stage(Stage.AWAITING_INFORM_CLIENT_DECISION)
            await workflow.wait_condition(lambda: self._inform_recorded)
        await asyncio.gather(*self._watchers)
        return await self._close()

    async def _determine_obligations(self) -> ObligationSet:
        self._set_stage(Stage.DETERMINING_OBLIGATIONS)
        obligation_set = await workflow.execute_activity_method(
            ObligationActivities.determine_obligations,
            ObligationsRequest(case_id=self._case_id, revision=self._revision),
            **RECORDING,
        )
        self._status.obligations = obligation_set.obligations
        return obligation_set

    async def _consult_supervisor(
        self, obligation_set: ObligationSet, citation: str | None
    ) -> ObligationSet:
        """Round by round until the clinic's supervisor approves; a returned case comes back with
        revised grounds (and obligations determined afresh). Imminent danger never waits: the
        consultation is recorded as bypassed, with the grounds' paths that say so."""
        while True:
            self._consultation_round += 1
            consultation = ConsultationInput(case_id=self._case_id, round=self._consultation_round)
            if self._danger:
                consultation.bypass_grounds = list(self._danger)
                consultation.citation = citation
                await workflow.execute_activity_method(
                    SupervisionActivities.request_consultation, consultation, **RECORDING
                )
                self._status.supervision = SupervisionSummary(
                    state="bypassed-imminent-danger",
                    round=self._consultation_round,
                    bypass_grounds=list(self._danger),
                )
                self._status.steps_completed.append("supervisor-consultation-bypassed")
                return obligation_set
            await workflow.execute_activity_method(
                SupervisionActivities.request_consultation, consultation, **RECORDING
            )
            self._status.supervision = SupervisionSummary(
                state="awaiting-supervisor", round=self._consultation_round
            )
            self._consultation = None
            self._consultation_claimed = False
            self._completed("supervisor-consultation-requested", Stage.AWAITING_SUPERVISOR)
            await workflow.wait_condition(lambda: self._consultation is not None)
            assert self._consultation is not None
            if self._consultation.decision == ConsultationChoice.APPROVE:
                return obligation_set
            self._revision_claimed = False
            self._revision_recorded = False
            self._set_stage(Stage.AWAITING_GROUNDS_REVISION)
            await workflow.wait_condition(lambda: self._revision_recorded)
            obligation_set = await self._determine_obligations()
            if obligation_set.hard_stop is not None:
                return obligation_set

    async def _limit_and_render(self, obligation: Obligation) -> None:
        """Limit the recipient's fields (with the exceptions approved so far) and render its
        report; again after a later approval, replacing the earlier versions."""
        revision = self._approved.get(obligation.recipient_id, 0)
        step = RecipientStep(
            case_id=self._case_id, recipient_id=obligation.recipient_id, additions_revision=revision
        )
        disclosure = await workflow.execute_activity_method(
            ObligationActivities.limit_disclosure, step, **RECORDING
        )
        self._limited_with[obligation.recipient_id] = revision
        self._status.disclosures = [
            d for d in self._status.disclosures if d.recipient_id != obligation.recipient_id
        ] + [disclosure]
        if obligation.delivery == "phone-report":
            return  # the statutory call was the whole disclosure
        document = await workflow.execute_activity_method(
            ReportActivities.render_report, step, **RECORDING
        )
        self._status.documents = [
            d for d in self._status.documents if d.recipient_id != obligation.recipient_id
        ] + [document]

    async def _close(self) -> CaseOutcome:
        await workflow.wait_condition(lambda: not self._inform_claimed or self._inform_recorded)
        outcome = await workflow.execute_activity_method(
            CaseRecordActivities.record_outcome, CaseRef(case_id=self._case_id), **RECORDING
        )
        self._status.outcome = outcome
        self._completed("outcome-recorded", Stage.CLOSED)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return outcome

    # --- clinician steps: Updates with validators ------------------------------------------

    @workflow.update(name="document_grounds")
    async def document_grounds(
        self, submission: GroundsSubmission, actor: Actor | None = None
    ) -> CaseStatus:
        """The grounds, or (while a supervisor's return awaits them) their revision. ``actor``:
        who documents them (the case's practitioner, or a supervisor of its clinic), as the API
        authenticated them; a caller that does not say is taken to be the case's practitioner."""
        submission = received(GroundsSubmission, submission)
        revising = self._status.stage == Stage.AWAITING_GROUNDS_REVISION
        if revising:
            self._revision_claimed = True
        else:
            self._grounds_claimed = True
        await workflow.wait_condition(lambda: self._statutory_bases is not None)
        problems = grounds_problems(
            submission, workflow.now(), self._statutory_bases, self._grounds_rules
        )
        if problems:  # only reachable when the grounds arrived before the case finished opening
            if revising:
                self._revision_claimed = False
            else:
                self._grounds_claimed = False
            raise invalid_input(problems)
        revision = self._revision + 1 if revising else 0
        await workflow.execute_activity_method(
            CaseRecordActivities.record_grounds,
            RecordGroundsInput(
                case_id=self._case_id,
                actor=actor or self._practitioner,
                submission=submission,
                revision=revision,
            ),
            **RECORDING,
        )
        self._grounds_by = (actor or self._practitioner).actor_id
        self._suspicion_formed_at = submission.grounds.suspicion_formed_at
        self._danger = imminent_danger(submission)
        if revising:
            self._revision = revision
            self._status.steps_completed.append("grounds-revised")
            self._revision_recorded = True
        else:
            self._status.steps_completed.append("grounds-documented")
            self._grounds_recorded = True
        await workflow.wait_condition(
            lambda: (
                self._status.stage not in (*_BUSY_AFTER_GROUNDS, Stage.AWAITING_GROUNDS_REVISION)
            )
        )
        return self._status

    @document_grounds.validator
    def _validate_grounds(self, submission: GroundsSubmission, actor: Actor | None = None) -> None:
        submission = received(GroundsSubmission, submission)
        self._refuse_another_practitioner(actor)
        revising = (
            self._status.stage == Stage.AWAITING_GROUNDS_REVISION and not self._revision_claimed
        )
        if not revising and (
            self._grounds_claimed
            or self._status.stage not in (Stage.OPENING, Stage.AWAITING_GROUNDS)
        ):
            raise wrong_stage("document grounds", self._status.stage)
        problems = grounds_problems(
            submission,
            workflow.now(),
            self._statutory_bases,
            self._grounds_rules or GroundsRules(kind=self._status.kind),
        )
        if problems:
            raise invalid_input(problems)

    @workflow.update(name="record_phone_report")
    async def record_phone_report(
        self, phone_report: PhoneReport, actor: Actor | None = None
    ) -> CaseStatus:
        """The statutory call, made. ``actor`` as for `document_grounds`."""
        phone_report = received(PhoneReport, phone_report)
        self._phone_claimed = True
        await workflow.execute_activity_method(
            CaseRecordActivities.record_phone_report,
            RecordPhoneReportInput(
                case_id=self._case_id,
                actor=actor or self._practitioner,
                phone_report=phone_report,
                recipient_id=self._phone_recipient,
                discharges=self._phone_discharges(),
            ),
            **RECORDING,
        )
        self._status.steps_completed.append("phone-report-recorded")
        if self._phone_discharges() and self._phone_recipient is not None:
            self._discharged.add(self._phone_recipient)
        self._phone_recorded = True
        await workflow.wait_condition(
            lambda: self._status.stage not in (Stage.AWAITING_PHONE_REPORT, Stage.PREPARING_REPORT)
        )
        return self._status

    def _phone_discharges(self) -> bool:
        """Whether the statutory call is the whole disclosure to its recipient (a telephone-only
        agency, e.g. New York's Statewide Central Register)."""
        return any(
            o.recipient_id == self._phone_recipient and o.delivery == "phone-report"
            for o in self._status.obligations
        )

    @record_phone_report.validator
    def _validate_phone_report(self, phone_report: PhoneReport, actor: Actor | None = None) -> None:
        phone_report = received(PhoneReport, phone_report)
        self._refuse_another_practitioner(actor)
        if self._phone_claimed or self._status.stage != Stage.AWAITING_PHONE_REPORT:
            raise wrong_stage("record the phone report", self._status.stage)
        problems = phone_report_problems(phone_report, workflow.now(), self._suspicion_formed_at)
        if problems:
            raise invalid_input(problems)

    def _refuse_another_practitioner(self, actor: Actor | None) -> None:
        """The API lets only the case's practitioner or a supervisor of its clinic act on it;
        should another practitioner ever be named, the step is refused, never recorded."""
        if actor is None:
            return
        if actor.role not in ("practitioner", "supervisor") or (
            actor.role == "practitioner" and actor.actor_id != self._practitioner.actor_id
        ):
            raise invalid_input(
                [
                    FieldProblem(
                        field="actor",
                        problem="only the case's practitioner or a supervisor may take this step",
                    )
                ]
            )

    @workflow.update(name="confirm_report")
    async def confirm_report(self, confirmation: Confirmation) -> CaseStatus:
        self._confirm_claimed = True
        await workflow.execute_activity_method(
            CaseRecordActivities.record_confirmation,
            ConfirmationInput(
                case_id=self._case_id,
                actor=self._practitioner,
                review_sha256=confirmation.review_sha256,
            ),
            **RECORDING,
        )
        self._status.steps_completed.append("report-confirmed")
        self._confirmed = True
        await workflow.wait_condition(lambda: self._status.stage != Stage.AWAITING_CONFIRMATION)
        return self._status

    @confirm_report.validator
    def _validate_confirmation(self, confirmation: Confirmation) -> None:
        if self._confirm_claimed or self._status.stage != Stage.AWAITING_CONFIRMATION:
            raise wrong_stage("confirm the report", self._status.stage)
        if self._exceptions_busy:
            raise ApplicationError(
                "confirm the report: a disclosure exception is being recorded; review the report "
                "again",
                type="InvalidState",
                non_retryable=True,
            )
        problems = confirmation_problems(
            confirmation, self._status.review_sha256, self._practitioner.actor_id
        )
        if problems:
            raise invalid_input(problems)

    @workflow.update(name="record_agency_acknowledgement")
    async def record_agency_acknowledgement(
        self, acknowledgement: AgencyAcknowledgement
    ) -> CaseStatus:
        self._acknowledging.add(acknowledgement.report_id)
        await self._record_acknowledgement(acknowledgement)
        return self._status

    @record_agency_acknowledgement.validator
    def _validate_acknowledgement(self, acknowledgement: AgencyAcknowledgement) -> None:
        delivered = {r.report_id: r for r in self._status.deliveries}
        receipt = delivered.get(acknowledgement.report_id)
        if receipt is None:
            raise invalid_input(
                [FieldProblem(field="report_id", problem="no report delivered under this id")]
            )
        if acknowledgement.report_id in self._acknowledging | self._acknowledged:
            raise wrong_stage("acknowledge this report again", self._status.stage)
        if acknowledgement.reference_number != receipt.reference_number:
            raise invalid_input(
                [
                    FieldProblem(
                        field="reference_number", problem="is not the reference the agency gave"
                    )
                ]
            )

    @workflow.update(name="retry_delivery")
    async def retry_delivery(self, request: RetryDelivery) -> CaseStatus:
        self._retry_requested.add(request.recipient_id)
        await workflow.wait_condition(lambda: self._status.stage != Stage.DELIVERY_REFUSED)
        return self._status

    @retry_delivery.validator
    def _validate_retry(self, request: RetryDelivery) -> None:
        if self._status.stage != Stage.DELIVERY_REFUSED:
            raise wrong_stage("retry the delivery", self._status.stage)
        problems = []
        if request.practitioner_id != self._practitioner.actor_id:
            problems.append(
                FieldProblem(
                    field="practitioner_id", problem="only the case's practitioner may retry"
                )
            )
        if request.recipient_id not in {p.recipient_id for p in self._status.delivery_problems}:
            problems.append(FieldProblem(field="recipient_id", problem="has no refused delivery"))
        if problems:
            raise invalid_input(problems)

    @workflow.update(name="decide_disclosure")
    async def decide_disclosure(self, decision: DisclosureDecision) -> CaseStatus:
        self._deciding.add(decision.recipient_id)
        self._undecided.discard(decision.recipient_id)
        try:
            await workflow.execute_activity_method(
                CaseRecordActivities.record_disclosure_decision,
                RecordDisclosureDecisionInput(
                    case_id=self._case_id, actor=self._practitioner, decision=decision
                ),
                **RECORDING,
            )
        finally:
            self._deciding.discard(decision.recipient_id)
        self._status.decisions.append(
            DecisionSummary(
                topic="disclosure", subject=decision.recipient_id, decision=decision.decision.value
            )
        )
        if decision.decision == DisclosureChoice.DECLINE:
            self._declined.add(decision.recipient_id)
            self._contact_open.discard(decision.recipient_id)
        self._status.awaiting_decisions = sorted(self._undecided)
        self._status.awaiting_contacts = sorted(self._contact_open)
        self._status.steps_completed.append("disclosure-decided")
        # The last decision answers once the case waits on someone again (e.g. the review).
        await workflow.wait_condition(
            lambda: (
                bool(self._undecided)
                or self._status.stage
                not in (*_BUSY_AFTER_GROUNDS, Stage.AWAITING_DISCLOSURE_DECISIONS)
            )
        )
        return self._status

    @decide_disclosure.validator
    def _validate_disclosure_decision(self, decision: DisclosureDecision) -> None:
        if not self._obligations_known:
            raise wrong_stage("decide on a disclosure", self._status.stage)
        problems = disclosure_decision_problems(
            decision, self._practitioner.actor_id, self._undecided
        )
        if problems:
            raise invalid_input(problems)

    @workflow.update(name="record_contact_attempt")
    async def record_contact_attempt(self, attempt: ContactAttempt) -> CaseStatus:
        number = self._attempts_by_recipient.get(attempt.recipient_id, 0) + 1
        self._attempts_by_recipient[attempt.recipient_id] = number
        discharges = attempt.outcome != ContactOutcome.NOT_REACHED or attempt.efforts_exhausted
        if discharges:
            self._contact_open.discard(attempt.recipient_id)
        attempt_id = f"{self._case_id}/{attempt.recipient_id}/{number}"
        await workflow.execute_activity_method(
            CaseRecordActivities.record_contact_attempt,
            RecordContactAttemptInput(
                case_id=self._case_id,
                actor=self._practitioner,
                attempt_id=attempt_id,
                attempt=attempt,
                discharges=discharges,
            ),
            **RECORDING,
        )
        self._status.contact_attempts.append(
            ContactSummary(
                attempt_id=attempt_id,
                recipient_id=attempt.recipient_id,
                channel=attempt.channel.value,
                outcome=attempt.outcome.value,
                attempted_at=attempt.attempted_at,
                efforts_exhausted=attempt.efforts_exhausted,
            )
        )
        if discharges:
            self._discharged.add(attempt.recipient_id)
        self._status.awaiting_contacts = sorted(self._contact_open)
        return self._status

    @record_contact_attempt.validator
    def _validate_contact_attempt(self, attempt: ContactAttempt) -> None:
        if not self._obligations_known or self._status.stage == Stage.CLOSED:
            raise wrong_stage("log a contact attempt", self._status.stage)
        problems = contact_attempt_problems(
            attempt,
            workflow.now(),
            self._practitioner.actor_id,
            self._contact_open - self._undecided,
            self._suspicion_formed_at,
        )
        if problems:
            raise invalid_input(problems)

    @workflow.update(name="record_inform_client_decision")
    async def record_inform_client_decision(self, step: InformClientStep) -> CaseStatus:
        self._inform_claimed = True
        await workflow.execute_activity_method(
            CaseRecordActivities.record_inform_client_decision,
            RecordInformClientInput(case_id=self._case_id, actor=self._practitioner, step=step),
            **RECORDING,
        )
        self._status.decisions.append(
            DecisionSummary(
                topic="inform-client",
                decision="informed" if step.informed else "not-informed",
                exception=step.exception,
            )
        )
        self._status.steps_completed.append("inform-client-decided")
        self._inform_recorded = True
        return self._status

    @record_inform_client_decision.validator
    def _validate_inform_client(self, step: InformClientStep) -> None:
        if (
            self._inform_claimed
            or not self._grounds_recorded
            or self._status.stage in (Stage.CLOSED, Stage.OPENING, Stage.AWAITING_GROUNDS)
        ):
            raise wrong_stage("record the decision to inform the client", self._status.stage)
        problems = inform_client_problems(
            step, workflow.now(), self._practitioner.actor_id, self._inform_exceptions
        )
        if problems:
            raise invalid_input(problems)

    # --- supervision and disclosure exceptions: Updates with validators ---------------------------

    @workflow.update(name="decide_consultation")
    async def decide_consultation(self, decision: ConsultationDecision) -> CaseStatus:
        """The clinic's supervisor approves, or returns the case with comments (sealed)."""
        self._consultation_claimed = True
        await workflow.execute_activity_method(
            SupervisionActivities.record_consultation_decision,
            ConsultationInput(
                case_id=self._case_id, round=self._consultation_round, decision=decision
            ),
            **RECORDING,
        )
        approved = decision.decision == ConsultationChoice.APPROVE
        self._status.supervision = SupervisionSummary(
            state="approved" if approved else "returned",
            round=self._consultation_round,
            decided_by=decision.supervisor_id,
        )
        self._status.steps_completed.append(
            "supervisor-consultation-approved" if approved else "supervisor-consultation-returned"
        )
        self._consultation = decision
        await workflow.wait_condition(
            lambda: self._status.stage not in (*_BUSY_AFTER_GROUNDS, Stage.AWAITING_SUPERVISOR)
        )
        return self._status

    @decide_consultation.validator
    def _validate_consultation(self, decision: ConsultationDecision) -> None:
        if self._consultation_claimed or self._status.stage != Stage.AWAITING_SUPERVISOR:
            raise wrong_stage("answer the supervisor consultation", self._status.stage)
        problems = consultation_decision_problems(decision)
        if decision.supervisor_id == self._practitioner.actor_id:
            problems.append(
                FieldProblem(
                    field="supervisor_id", problem="the case's practitioner cannot supervise it"
                )
            )
        elif decision.supervisor_id == self._grounds_by:
            problems.append(
                FieldProblem(
                    field="supervisor_id",
                    problem="documented the grounds under review; another supervisor of the clinic decides",
                )
            )
        if problems:
            raise invalid_input(problems)

    @workflow.update(name="request_disclosure_exception")
    async def request_disclosure_exception(self, request: DisclosureExceptionRequest) -> CaseStatus:
        """Fields beyond a recipient's allow-list, with a written justification: pending until a
        second person decides. The policy's refusals (a protected class, an order's scope)
        come back naming the field."""
        self._exception_seq += 1
        exception_id = f"exception-{self._exception_seq}"
        actor = Actor(actor_id=request.requested_by, role=request.requested_role)
        self._exceptions_busy += 1
        try:
            await workflow.execute_activity_method(
                SupervisionActivities.record_exception_request,
                ExceptionRequestInput(
                    case_id=self._case_id, exception_id=exception_id, actor=actor, request=request
                ),
                **RECORDING,
            )
        except ActivityError as err:
            cause = err.cause
            if isinstance(cause, ApplicationError) and cause.type == "InvalidInput":
                raise ApplicationError(
                    cause.message, *cause.details, type="InvalidInput", non_retryable=True
                ) from None
            raise
        finally:
            self._exceptions_busy -= 1
        self._status.exceptions.append(
            ExceptionSummary(
                exception_id=exception_id,
                recipient_id=request.recipient_id,
                fields=list(request.fields),
                state="pending",
                requested_by=request.requested_by,
            )
        )
        self._status.steps_completed.append("disclosure-exception-requested")
        return self._status

    @request_disclosure_exception.validator
    def _validate_exception_request(self, request: DisclosureExceptionRequest) -> None:
        if (
            not self._obligations_known
            or self._confirm_claimed
            or self._status.stage == Stage.CLOSED
        ):
            raise wrong_stage("ask for a disclosure exception", self._status.stage)
        problems = exception_request_problems(request)
        active = {o.recipient_id for o in self._status.obligations} - self._declined
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
        summary = self._exception(decision.exception_id)
        assert summary is not None
        summary.state = "deciding"
        self._exceptions_busy += 1
        try:
            await workflow.execute_activity_method(
                SupervisionActivities.record_exception_decision,
                ExceptionDecisionInput(
                    case_id=self._case_id,
                    actor=Actor(actor_id=decision.decided_by, role=decision.decided_role),
                    decision=decision,
                    recipient_id=summary.recipient_id,
                    fields=summary.fields,
                ),
                **RECORDING,
            )
            summary.state = "approved" if decision.approve else "refused"
            summary.decided_by = decision.decided_by
            self._status.steps_completed.append(f"disclosure-exception-{summary.state}")
            if decision.approve:
                recipient = summary.recipient_id
                self._approved[recipient] = self._approved.get(recipient, 0) + 1
                await workflow.wait_condition(lambda: self._status.stage != Stage.PREPARING_REPORT)
                obligation = next(
                    o for o in self._status.obligations if o.recipient_id == recipient
                )
                if (
                    recipient in self._limited_with
                    and self._limited_with[recipient] < self._approved[recipient]
                ):
                    await self._limit_and_render(obligation)
                    self._status.review_sha256 = review_sha256(self._status)
        finally:
            self._exceptions_busy -= 1
        return self._status

    @decide_disclosure_exception.validator
    def _validate_exception_decision(self, decision: DisclosureExceptionDecision) -> None:
        if self._confirm_claimed or self._status.stage == Stage.CLOSED:
            raise wrong_stage("decide on a disclosure exception", self._status.stage)
        summary = self._exception(decision.exception_id)
        problems = exception_decision_problems(
            decision,
            summary.requested_by if summary is not None else None,
            summary.state if summary is not None else None,
        )
        if problems:
            raise invalid_input(problems)

    def _exception(self, exception_id: str) -> ExceptionSummary | None:
        return next((e for e in self._status.exceptions if e.exception_id == exception_id), None)

    @workflow.query(name="status")
    def status(self) -> CaseStatus:
        return self._status

    # --- delivery, acknowledgement, deadlines --------------------------------------------------

    async def _deliver(self, obligation: Obligation) -> DeliveryReceipt:
        """Deliver; an agency's refusal (a 4xx other than 408/429) becomes a task for the
        practitioner, and the delivery is tried again once they ask for it."""
        step = RecipientStep(case_id=self._case_id, recipient_id=obligation.recipient_id)
        while True:
            self._set_stage(Stage.DELIVERING)
            try:
                return await workflow.execute_activity_method(
                    DeliveryActivities.deliver_report, step, **DELIVERING
                )
            except ActivityError as err:
                cause = err.cause
                if not (
                    isinstance(cause, ApplicationError) and cause.type == "AgencyRefusedReport"
                ):
                    raise
                await workflow.execute_activity_method(
                    CaseRecordActivities.record_delivery_problem,
                    DeliveryProblemInput(
                        case_id=self._case_id,
                        recipient_id=obligation.recipient_id,
                        message=cause.message,
                    ),
                    **RECORDING,
                )
                self._status.delivery_problems.append(
                    DeliveryProblem(
                        recipient_id=obligation.recipient_id,
                        agency_name=obligation.agency_name,
                        message=cause.message,
                    )
                )
                self._retry_requested.discard(obligation.recipient_id)
                self._set_stage(Stage.DELIVERY_REFUSED)
                await workflow.wait_condition(
                    lambda: obligation.recipient_id in self._retry_requested
                )
                self._status.delivery_problems = [
                    p
                    for p in self._status.delivery_problems
                    if p.recipient_id != obligation.recipient_id
                ]

    async def _record_acknowledgement(self, acknowledgement: AgencyAcknowledgement) -> None:
        receipt = next(
            r for r in self._status.deliveries if r.report_id == acknowledgement.report_id
        )
        self._acknowledging.add(acknowledgement.report_id)
        await workflow.execute_activity_method(
            CaseRecordActivities.record_acknowledgement,
            AcknowledgementInput(
                case_id=self._case_id, receipt=receipt, acknowledgement=acknowledgement
            ),
            **RECORDING,
        )
        self._status.acknowledgements.append(acknowledgement)
        self._acknowledged.add(acknowledgement.report_id)

    def _deadline_met(self, deadline_id: str) -> Callable[[], bool]:
        if deadline_id == "phone-report":
            return lambda: self._phone_recorded
        if deadline_id == "inform-client":
            return lambda: self._inform_recorded
        owed = [o.recipient_id for o in self._status.obligations if deadline_id in o.deadline_ids]
        owed = owed or [o.recipient_id for o in self._status.obligations]
        # Met when every recipient it binds has been told, or declined where the law permits.
        return lambda: all(r in self._discharged or r in self._declined for r in owed)

    def _watch(self, plan: DeadlinePlan, met: Callable[[], bool]) -> None:
        self._watchers.append(asyncio.create_task(self._escalate_until_met(plan, met)))

    async def _escalate_until_met(self, plan: DeadlinePlan, met: Callable[[], bool]) -> None:
        """A durable timer per escalation step: whoever is next is told before the deadline
        passes, unless the duty was met first."""
        for point in plan.escalations:
            remaining = point.at - workflow.now()
            if remaining > timedelta(0):
                try:
                    await workflow.wait_condition(met, timeout=remaining)
                except TimeoutError:
                    pass
            if met():
                return
            escalation = await workflow.execute_activity_method(
                CaseRecordActivities.escalate_deadline,
                EscalationInput(
                    case_id=self._case_id,
                    deadline_id=plan.deadline_id,
                    notify=point.notify,
                    due_at=plan.due_at,
                    escalated_at=workflow.now(),
                ),
                **RECORDING,
            )
            self._status.escalations.append(escalation)
            self._index(ESCALATED_TO.value_set(point.notify))
        await workflow.wait_condition(met)

    # --- bookkeeping -----------------------------------------------------------------------

    def _set_stage(self, stage: Stage) -> None:
        self._status.stage = stage
        self._index(STAGE.value_set(stage.value))

    def _index(self, update: SearchAttributeUpdate) -> None:
        if self._indexed:
            workflow.upsert_search_attributes([update])

    def _completed(self, step: str, next_stage: Stage) -> None:
        self._status.steps_completed.append(step)
        self._set_stage(next_stage)


# Stages the case passes through on its own right after the grounds: the grounds Update answers
# once the case waits on someone again.
_BUSY_AFTER_GROUNDS = (
    Stage.OPENING,
    Stage.AWAITING_GROUNDS,
    Stage.DETERMINING_OBLIGATIONS,
    Stage.PREPARING_REPORT,
)


def review_sha256(status: CaseStatus) -> str:
    """One hash over every document under review, and over the fields each recipient receives
    (an approved exception may add a field no form section shows): confirming it confirms
    exactly these reports and fields."""
    lines = sorted(f"{d.recipient_id}:{d.sha256}" for d in status.documents)
    lines += sorted(
        f"{d.recipient_id}:fields:{','.join(sorted(d.disclosed_fields))}"
        for d in status.disclosures
    )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()
