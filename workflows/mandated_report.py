"""The mandated-report workflow: one per case, its id the opaque case id.

Orchestration only: every step that touches the world is an activity that writes its record and
an audit entry. `MandatedReportWorkflow.run` reads as the legal process:

    opening -> grounds (Update; or the case is withdrawn before them, Update, and closes)
      -> obligations (or a hard stop: nothing is disclosed)
      -> supervisor consultation, where policy asks (Update: approve, or return with comments
         and the practitioner revises the grounds); never when the grounds say the danger is
         imminent: the case goes on and the audit says why
      -> disclose-or-decline per permitted recipient (Update, where the law only permits)
      -> phone report (Update, where policy asks)
      -> limit fields and render, per recipient -> confirmation (Update)
      -> deliver to each agency's intake and record its acknowledgement (a supplemental
         report, Update, goes to the same agencies until the case closes)
      -> every contact reached by the practitioner, each attempt logged (Update)
      -> the decision to inform the client, where the law asks (Update) -> outcome

Contact attempts (warnings, calls to telephone-only agencies, responses handed to a court) and
the inform-client decision are accepted as soon as the obligations are known: a warning never
waits for the written report.

Where the rest lives: the clinician steps' Updates and validators in `clinician_steps`,
`decisions_and_contacts`, `supervision_steps` and `delivery` (classes the workflow inherits:
the SDK registers inherited handlers); the case's state in `case_state` (one `StepGate` per
step); deadlines and escalation in `deadlines`; limiting and rendering in `report_preparation`;
activity timeouts and retries in `activity_options`.

Running cases must keep replaying: `tests/replay` replays recorded histories of every branch.
Change the order or kind of commands (activities, timers, search-attribute upserts) only behind
`workflow.patched`.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

from workflows.activity_options import record
from workflows.case_state import CaseState
from workflows.clinician_steps import ClinicianSteps
from workflows.deadlines import DeadlineWatchers
from workflows.decisions_and_contacts import DecisionsAndContacts
from workflows.delivery import DeliverySteps, deliver_written_reports
from workflows.report_preparation import limit_and_render, review_sha256
from workflows.supervision_steps import SupervisionSteps
from workflows.supplements import SUPPLEMENT_PATCH, SupplementSteps
from workflows.withdrawal import WITHDRAWAL_PATCH, WithdrawalSteps

with workflow.unsafe.imports_passed_through():
    from activities.case_records import CaseRecordActivities
    from activities.obligations import ObligationActivities
    from activities.reports import ReportActivities
    from activities.supervision import SupervisionActivities
    from dutyflow import ids
    from dutyflow.contracts import (
        WORKFLOW_TYPE,
        WRITTEN_REPORT_DUE,
        CaseOpened,
        CaseOutcome,
        CaseRef,
        CaseStatus,
        ConsultationInput,
        HardStop,
        Obligation,
        ObligationSet,
        ObligationsRequest,
        OpenCaseInput,
        RecipientStep,
        Stage,
        SupervisionSummary,
    )
    from dutyflow.domain.case import CaseOpening, ConsultationChoice
    from dutyflow.domain.validation import GroundsRules


@workflow.defn(name=WORKFLOW_TYPE)
class MandatedReportWorkflow(
    ClinicianSteps,
    DecisionsAndContacts,
    SupervisionSteps,
    DeliverySteps,
    WithdrawalSteps,
    SupplementSteps,
):
    @workflow.init
    def __init__(self, opening: CaseOpening) -> None:
        self.case = CaseState(opening)
        self.deadlines = DeadlineWatchers(self.case)

    @workflow.run
    async def run(self, opening: CaseOpening) -> CaseOutcome:
        case = self.case
        opened = await self._open(opening)
        if workflow.patched(WITHDRAWAL_PATCH):
            # A case that never gets its grounds may be withdrawn; cases from before wait on.
            self.accepts_withdrawal = True
            await workflow.wait_condition(lambda: case.grounds.done or self.withdrawn)
            if self.withdrawn:
                return await self._close()
        else:
            await workflow.wait_condition(lambda: case.grounds.done)
        obligation_set = await self._determine_obligations()
        if obligation_set.hard_stop is None and opened.supervisor_consultation:
            obligation_set = await self._consult_supervisor(
                obligation_set, opened.supervisor_consultation_citation
            )
        if obligation_set.hard_stop is not None:
            return await self._stop(obligation_set.hard_stop)
        self._take_on_obligations(obligation_set)
        await self._decide_permitted_disclosures()
        active = case.recipients.active(case.status.obligations)
        if opened.phone_report_first:
            await self._phone_report(active)
        if active:
            await self._prepare_and_confirm(active)
        await deliver_written_reports(case, active)
        if case.status.deliveries and workflow.patched(SUPPLEMENT_PATCH):
            # A delivered report may be supplemented until the case closes; cases from before
            # take no supplement.
            self.accepts_supplements = True
        await self._reach_contacts()
        await self._await_acknowledgements(obligation_set.acknowledgement_follow_up)
        if opened.inform_client_required and not case.inform_client.done:
            case.set_stage(Stage.AWAITING_INFORM_CLIENT_DECISION)
            await workflow.wait_condition(lambda: case.inform_client.done)
        await self.deadlines.all_met()
        return await self._close()

    @workflow.query(name="status")
    def status(self) -> CaseStatus:
        return self.case.status

    # --- the run's steps, in order ------------------------------------------------------------

    async def _open(self, opening: CaseOpening) -> CaseOpened:
        case = self.case
        opened = await record(CaseRecordActivities.open_case, OpenCaseInput(opening=opening))
        # A case opened before the policy gave grounds rules asks the kind's default questions.
        case.grounds_rules = opened.grounds_rules or GroundsRules(kind=opening.kind)
        case.inform_exceptions = opened.inform_client_exceptions
        case.statutory_bases = opened.statutory_bases
        case.status.policy_version = opened.policy_version
        case.status.phone_report_first = opened.phone_report_first
        case.status.disclosure_mode = opened.disclosure_mode
        case.status.inform_client_required = opened.inform_client_required
        case.completed("case-opened", Stage.AWAITING_GROUNDS)
        return opened

    async def _determine_obligations(self) -> ObligationSet:
        case = self.case
        case.set_stage(Stage.DETERMINING_OBLIGATIONS)
        obligation_set = await record(
            ObligationActivities.determine_obligations,
            ObligationsRequest(case_id=case.case_id, revision=case.revision),
        )
        case.status.obligations = obligation_set.obligations
        return obligation_set

    async def _consult_supervisor(
        self, obligation_set: ObligationSet, citation: str | None
    ) -> ObligationSet:
        """Round by round until the clinic's supervisor approves; a returned case comes back with
        revised grounds (and obligations determined afresh). Imminent danger never waits: the
        consultation is recorded as bypassed, with the grounds' paths that say so."""
        case = self.case
        while True:
            case.consultation_round += 1
            consultation = ConsultationInput(case_id=case.case_id, round=case.consultation_round)
            if case.danger:
                consultation.bypass_grounds = list(case.danger)
                consultation.citation = citation
                await record(SupervisionActivities.request_consultation, consultation)
                case.status.supervision = SupervisionSummary(
                    state="bypassed-imminent-danger",
                    round=case.consultation_round,
                    bypass_grounds=list(case.danger),
                )
                case.status.steps_completed.append("supervisor-consultation-bypassed")
                return obligation_set
            await record(SupervisionActivities.request_consultation, consultation)
            case.status.supervision = SupervisionSummary(
                state="awaiting-supervisor", round=case.consultation_round
            )
            case.consultation_decision = None
            case.consultation.reopen()
            case.completed("supervisor-consultation-requested", Stage.AWAITING_SUPERVISOR)
            # Awaiting the supervisor is a duty of theirs, due before the report it holds back.
            watcher = self.deadlines.watch_decision(
                ids.consultation_deadline_id(case.consultation_round),
                lambda: case.consultation.done,
                [plan.due_at for plan in obligation_set.deadlines],
            )
            await workflow.wait_condition(lambda: case.consultation.done)
            if watcher is not None:
                await watcher  # its duty recorded as met before the case goes on
            assert case.consultation_decision is not None
            if case.consultation_decision.decision == ConsultationChoice.APPROVE:
                return obligation_set
            case.grounds_revision.reopen()
            case.set_stage(Stage.AWAITING_GROUNDS_REVISION)
            await workflow.wait_condition(lambda: case.grounds_revision.done)
            obligation_set = await self._determine_obligations()
            if obligation_set.hard_stop is not None:
                return obligation_set

    async def _stop(self, hard_stop: HardStop) -> CaseOutcome:
        """Nothing may be disclosed (e.g. a subpoena without satisfactory assurance)."""
        self.case.status.hard_stop = hard_stop
        self.case.status.steps_completed.append("disclosure-stopped")
        return await self._close()

    def _take_on_obligations(self, obligation_set: ObligationSet) -> None:
        """The obligations are known: their deadlines watched, the recipients' decisions and
        contacts awaited."""
        case = self.case
        case.status.obligations = obligation_set.obligations
        dues = [
            o.written_report_due_at for o in obligation_set.obligations if o.written_report_due_at
        ]
        if dues:
            case.index(WRITTEN_REPORT_DUE.value_set(min(dues)))
        watched = self.deadlines.watch_obligations(obligation_set.deadlines)
        case.status.deadlines = [*watched, *self.deadlines.decisions]
        case.recipients.owe(case.status.obligations)
        case.status.awaiting_decisions = sorted(case.recipients.undecided)
        case.status.awaiting_contacts = sorted(case.recipients.contact_open)
        case.obligations_known = True

    async def _decide_permitted_disclosures(self) -> None:
        case = self.case
        if not case.recipients.undecided:
            case.status.steps_completed.append("obligations-determined")
            return
        # The law permits, not requires: the practitioner decides, and it is recorded.
        case.completed("obligations-determined", Stage.AWAITING_DISCLOSURE_DECISIONS)
        await workflow.wait_condition(lambda: case.recipients.decisions_settled)

    async def _phone_report(self, active: list[Obligation]) -> None:
        """The statutory call, where the policy asks for it before the written report."""
        case = self.case
        phone = next(
            (
                o
                for o in active
                if o.phone_report_due_at is not None or o.delivery == "phone-report"
            ),
            None,
        )
        if phone is None:
            return
        case.phone_recipient = phone.recipient_id
        case.status.phone_task = await record(
            ReportActivities.prepare_phone_task,
            RecipientStep(case_id=case.case_id, recipient_id=phone.recipient_id),
        )
        case.set_stage(Stage.AWAITING_PHONE_REPORT)
        await workflow.wait_condition(lambda: case.phone_report.done)

    async def _prepare_and_confirm(self, active: list[Obligation]) -> None:
        case = self.case
        case.set_stage(Stage.PREPARING_REPORT)
        for obligation in active:
            await limit_and_render(case, obligation)
        case.status.review_sha256 = review_sha256(case.status)
        case.completed("report-rendered", Stage.AWAITING_CONFIRMATION)
        await workflow.wait_condition(lambda: case.confirmation.done)

    async def _reach_contacts(self) -> None:
        case = self.case
        if case.recipients.contact_open:
            case.set_stage(Stage.AWAITING_CONTACTS)
            # A supplement being sent keeps the case where it is, so the supplement's stage
            # (delivering) gives way to the case's own when it is done.
            await workflow.wait_condition(
                lambda: not case.recipients.contact_open and not self.supplementing
            )

    async def _await_acknowledgements(self, follow_up: timedelta) -> None:
        """Every delivered report acknowledged by its agency, followed up until it is, and
        its reference known."""
        case = self.case
        case.set_stage(Stage.AWAITING_ACKNOWLEDGEMENT)
        for receipt in case.status.deliveries:
            self.deadlines.watch_acknowledgement(receipt, follow_up)
        # A report taken without a readable reference waits for the practitioner to record it.
        await workflow.wait_condition(
            lambda: (
                all(r.report_id in case.acknowledged for r in case.status.deliveries)
                and not case.status.reference_tasks
                and not self.supplementing
            )
        )
        if case.status.deliveries:
            case.status.steps_completed.append("acknowledgement-recorded")

    async def _close(self) -> CaseOutcome:
        case = self.case
        await workflow.wait_condition(
            lambda: not case.inform_client.in_progress and not self.supplementing
        )
        outcome = await record(CaseRecordActivities.record_outcome, CaseRef(case_id=case.case_id))
        case.status.outcome = outcome
        case.completed("outcome-recorded", Stage.CLOSED)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return outcome
