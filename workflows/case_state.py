"""What the case workflow knows of its case between steps, as small typed objects: the
`CaseStatus` the Query answers; what the case's policy version asked at opening; the grounds;
one `StepGate` per clinician step; where each recipient stands (`Recipients`); the disclosure
exceptions (`DisclosureExceptions`); the agencies' acknowledgements; and the bookkeeping of the
case's stage and search attributes.

State and small deterministic methods only: activities, waits and Updates live in
`mandated_report` and the step modules.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate

from workflows.step_gate import StepGate

with workflow.unsafe.imports_passed_through():
    from dutyflow import ids
    from dutyflow.contracts import STAGE, Actor, CaseStatus, DeliveryReceipt, Obligation, Stage
    from dutyflow.domain.case import CaseOpening, ConsultationDecision
    from dutyflow.domain.validation import GroundsRules

# Stages the case passes through on its own right after the grounds: the grounds Update answers
# once the case waits on someone again.
BUSY_AFTER_GROUNDS = (
    Stage.OPENING,
    Stage.AWAITING_GROUNDS,
    Stage.DETERMINING_OBLIGATIONS,
    Stage.PREPARING_REPORT,
)


class Recipients:
    """Where each recipient of the case's obligations stands, by recipient id."""

    def __init__(self) -> None:
        # The law permits, not requires: the practitioner decides (and a decision being recorded).
        self.undecided: set[str] = set()
        self.deciding: set[str] = set()
        self.declined: set[str] = set()
        # Told: the report delivered, the statutory call made, or the person reached (or every
        # effort to reach them made).
        self.discharged: set[str] = set()
        # People, courts and requesting parties the practitioner has still to reach.
        self.contact_open: set[str] = set()
        self.attempts: dict[str, int] = {}
        # Agencies that refused the report, once the practitioner asks for it to go again.
        self.retry_requested: set[str] = set()

    def owe(self, obligations: list[Obligation]) -> None:
        self.undecided = {o.recipient_id for o in obligations if o.obligation == "permitted"}
        self.contact_open = {o.recipient_id for o in obligations if o.delivery == "contact"}

    @property
    def decisions_settled(self) -> bool:
        return not self.undecided and not self.deciding

    def active(self, obligations: list[Obligation]) -> list[Obligation]:
        """The obligations the case goes on with: every one not declined."""
        return [o for o in obligations if o.recipient_id not in self.declined]

    def told_or_declined(self, owed: list[str]) -> bool:
        return all(r in self.discharged or r in self.declined for r in owed)

    def contactable(self) -> set[str]:
        """Whom a contact attempt may be logged for: still to be reached, and not awaiting a
        decision whether to disclose at all."""
        return self.contact_open - self.undecided

    def next_attempt(self, recipient_id: str) -> int:
        number = self.attempts.get(recipient_id, 0) + 1
        self.attempts[recipient_id] = number
        return number


class DisclosureExceptions:
    """The case's disclosure exceptions, counted (their summaries are in the status): ids issued,
    requests and decisions being recorded, approvals per recipient, and the approvals each
    recipient's fields were last limited with."""

    def __init__(self) -> None:
        self.issued = 0
        self.being_recorded = 0
        self.approved: dict[str, int] = {}
        self.limited_with: dict[str, int] = {}

    def next_id(self) -> str:
        self.issued += 1
        return ids.exception_id(self.issued)

    @contextmanager
    def recording(self) -> Iterator[None]:
        """While a request or decision is recorded, the report cannot be confirmed."""
        self.being_recorded += 1
        try:
            yield
        finally:
            self.being_recorded -= 1

    def approvals(self, recipient_id: str) -> int:
        return self.approved.get(recipient_id, 0)

    def approve(self, recipient_id: str) -> None:
        self.approved[recipient_id] = self.approvals(recipient_id) + 1

    def limited(self, recipient_id: str, approvals: int) -> None:
        self.limited_with[recipient_id] = approvals

    def limited_before_approval(self, recipient_id: str) -> bool:
        """The recipient's fields were limited before its latest approval: limit them again."""
        return (
            recipient_id in self.limited_with
            and self.limited_with[recipient_id] < self.approved[recipient_id]
        )


class CaseState:
    """The one case the workflow runs, between its steps (shared by `run` and the Updates)."""

    def __init__(self, opening: CaseOpening) -> None:
        self.case_id = opening.case_id
        self.practitioner = Actor(actor_id=opening.practitioner_id, role="practitioner")
        self.status = CaseStatus(
            case_id=opening.case_id,
            stage=Stage.OPENING,
            jurisdiction=opening.jurisdiction,
            kind=opening.kind,
        )
        # Cases started with Dutyflow's search attributes keep them current; a cluster without
        # them registered (e.g. the time-skipping test server) runs cases unindexed.
        self.indexed = STAGE in workflow.info().typed_search_attributes
        # What the case's policy version asks, known once the case is opened.
        self.statutory_bases: list[str] | None = None
        self.grounds_rules: GroundsRules | None = None
        self.inform_exceptions: list[str] = []
        self.obligations_known = False
        # The grounds: when the suspicion was formed, the paths that say the danger is imminent,
        # and how many times they were revised after a supervisor's return.
        self.suspicion_formed_at: datetime | None = None
        self.danger: list[str] = []
        self.revision = 0
        # The clinician steps, each taken once (the revision and the supervisor's answer once a
        # round).
        self.grounds = StepGate()
        self.grounds_revision = StepGate()
        self.phone_report = StepGate()
        self.confirmation = StepGate()
        self.inform_client = StepGate()
        self.consultation = StepGate()
        self.consultation_round = 0
        self.consultation_decision: ConsultationDecision | None = None
        self.phone_recipient: str | None = None
        self.recipients = Recipients()
        self.exceptions = DisclosureExceptions()
        # Reports the practitioner took to the agency (portal, fax, post): being recorded as
        # sent, and recorded (the receipt, until the delivery loop takes it), by recipient id.
        self.recording_sent: set[str] = set()
        self.sent_by_hand: dict[str, DeliveryReceipt] = {}
        # Report ids whose acknowledgement is being recorded, and recorded.
        self.acknowledging: set[str] = set()
        self.acknowledged: set[str] = set()

    @property
    def grounds_author(self) -> str | None:
        """Who documented (or last revised) the grounds under review: never their own
        supervisor."""
        return self.grounds_revision.by or self.grounds.by

    def phone_discharges(self) -> bool:
        """Whether the statutory call is the whole disclosure to its recipient (a telephone-only
        agency, e.g. New York's Statewide Central Register)."""
        return any(
            o.recipient_id == self.phone_recipient and o.delivery == "phone-report"
            for o in self.status.obligations
        )

    def obligation(self, recipient_id: str) -> Obligation:
        return next(o for o in self.status.obligations if o.recipient_id == recipient_id)

    # --- stage and search attributes -----------------------------------------------------------

    def set_stage(self, stage: Stage) -> None:
        self.status.stage = stage
        self.index(STAGE.value_set(stage.value))

    def index(self, update: SearchAttributeUpdate) -> None:
        if self.indexed:
            workflow.upsert_search_attributes([update])

    def completed(self, step: str, next_stage: Stage) -> None:
        self.status.steps_completed.append(step)
        self.set_stage(next_stage)
