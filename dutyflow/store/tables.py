"""SQLModel tables. Table models never leave the store: activities turn them into the typed
contracts of `dutyflow.contracts` before anything crosses into Temporal or the API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Text,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from dutyflow.crypto.sealing import Sealed, register


def utcnow() -> datetime:
    return datetime.now(UTC)


def _time(**kwargs: Any) -> Any:
    return Field(sa_type=DateTime(timezone=True), **kwargs)  # type: ignore[call-overload]


@register
class CaseRecord(SQLModel, table=True):
    __tablename__ = "case_record"
    __sealed__: ClassVar[tuple[str, ...]] = ("opening",)

    case_id: str = Field(primary_key=True, max_length=64)
    jurisdiction: str = Field(index=True, max_length=16)
    kind: str = Field(index=True, max_length=32)
    county: str = Field(max_length=100)
    clinic_id: str = Field(index=True, max_length=64)
    practitioner_id: str = Field(index=True, max_length=64)
    client_id: str = Field(index=True, max_length=64)
    policy_version: str = Field(max_length=32)
    opening: dict[str, Any] = Field(sa_column=Column(Sealed, nullable=False))
    opened_at: datetime = _time(default_factory=utcnow)


@register
class GroundsRecord(SQLModel, table=True):
    __tablename__ = "grounds_record"
    __sealed__: ClassVar[tuple[str, ...]] = ("submission",)

    case_id: str = Field(primary_key=True, foreign_key="case_record.case_id", max_length=64)
    submission: dict[str, Any] = Field(sa_column=Column(Sealed, nullable=False))
    content_sha256: str = Field(max_length=64)
    suspicion_formed_at: datetime = _time()
    recorded_by: str = Field(max_length=64)
    recorded_at: datetime = _time(default_factory=utcnow)


@register
class SupplementalReport(SQLModel, table=True):
    """A supplemental report on a delivered case: the grounds as they stand with its changed or
    added answers (sealed), and the paths of those answers. The original grounds stay as
    documented (`GroundsRecord`): the amendment trail keeps both."""

    __tablename__ = "supplemental_report"
    __sealed__: ClassVar[tuple[str, ...]] = ("submission",)

    supplement_id: str = Field(primary_key=True, max_length=100)
    case_id: str = Field(index=True, foreign_key="case_record.case_id", max_length=64)
    number: int
    submission: dict[str, Any] = Field(sa_column=Column(Sealed, nullable=False))
    changed_fields: list[str] = Field(sa_column=Column(JSON, nullable=False))
    content_sha256: str = Field(max_length=64)
    recorded_by: str = Field(max_length=64)
    recorded_at: datetime = _time(default_factory=utcnow)


@register
class PhoneReportRecord(SQLModel, table=True):
    __tablename__ = "phone_report_record"
    __sealed__: ClassVar[tuple[str, ...]] = ("phone_report",)

    case_id: str = Field(primary_key=True, foreign_key="case_record.case_id", max_length=64)
    phone_report: dict[str, Any] = Field(sa_column=Column(Sealed, nullable=False))
    content_sha256: str = Field(max_length=64)
    recorded_by: str = Field(max_length=64)
    recorded_at: datetime = _time(default_factory=utcnow)


@register
class ObligationRecord(SQLModel, table=True):
    """Who must (or, where the law only permits it, may) receive the report, by which channel
    and deadline, under which rule. ``agency_*`` name the agency; for a person, a court or a
    requesting party they hold a label ("Potential victim 1") and the contact, taken from the
    case file, is case content: sealed in ``contact``."""

    __tablename__ = "obligation_record"
    __sealed__: ClassVar[tuple[str, ...]] = ("contact",)
    __table_args__ = (
        # The overdue list reads only obligations not yet fulfilled, by deadline.
        Index(
            "ix_obligation_record_open_by_due",
            "written_report_due_at",
            postgresql_where=text("fulfilled_at IS NULL"),
            sqlite_where=text("fulfilled_at IS NULL"),
        ),
    )

    obligation_id: str = Field(primary_key=True, max_length=160)
    case_id: str = Field(index=True, foreign_key="case_record.case_id", max_length=64)
    recipient_id: str = Field(max_length=64)
    agency_id: str = Field(max_length=64)
    agency_name: str = Field(max_length=200)
    agency_address: str | None = Field(default=None, max_length=300)
    agency_phone: str | None = Field(default=None, max_length=50)
    intake_url: str = Field(max_length=500)
    form_id: str = Field(max_length=64)
    legal_basis: str = Field(max_length=200)
    purpose: str = Field(max_length=300)
    phone_report_due_at: datetime | None = _time(default=None)
    # When this recipient's report is due (its written, online or contact channel's deadline);
    # None where the law sets no deadline (e.g. a disclosure it only permits).
    written_report_due_at: datetime | None = _time(default=None, index=True)
    fulfilled_at: datetime | None = _time(default=None)  # when the duty to this recipient was met
    policy_version: str = Field(max_length=32)
    citations: list[str] = Field(sa_column=Column(JSON, nullable=False))
    # The policy's recipient rule (several obligations share one: one per potential victim).
    recipient_rule: str | None = Field(default=None, max_length=64)
    recipient_type: str | None = Field(default=None, max_length=32)
    # intake: delivered to the agency's endpoint; phone-report: the statutory call is the
    # disclosure; contact: the practitioner reaches them (every attempt logged).
    delivery: str | None = Field(default=None, max_length=32)
    obligation_mode: str | None = Field(default=None, max_length=16)  # required | permitted
    deadline_ids: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    contact: dict[str, Any] | None = Field(default=None, sa_column=Column(Sealed, nullable=True))

    @property
    def rule_id(self) -> str:
        return self.recipient_rule or self.recipient_id


@register
class DisclosureRecord(SQLModel, table=True):
    """What one recipient may receive: the limited fields, and the names of those withheld."""

    __tablename__ = "disclosure_record"
    __sealed__: ClassVar[tuple[str, ...]] = ("fields",)

    disclosure_id: str = Field(primary_key=True, max_length=160)
    case_id: str = Field(index=True, foreign_key="case_record.case_id", max_length=64)
    recipient_id: str = Field(max_length=64)
    agency_id: str = Field(max_length=64)
    fields: dict[str, Any] = Field(sa_column=Column(Sealed, nullable=False))
    disclosed_fields: list[str] = Field(sa_column=Column(JSON, nullable=False))
    withheld_fields: list[str] = Field(sa_column=Column(JSON, nullable=False))
    content_sha256: str = Field(max_length=64)
    created_at: datetime = _time(default_factory=utcnow)


@register
class ReportDocument(SQLModel, table=True):
    __tablename__ = "report_document"
    __sealed__: ClassVar[tuple[str, ...]] = ("html", "text")

    document_id: str = Field(primary_key=True, max_length=160)
    case_id: str = Field(index=True, foreign_key="case_record.case_id", max_length=64)
    disclosure_id: str = Field(foreign_key="disclosure_record.disclosure_id", max_length=160)
    recipient_id: str = Field(max_length=64)
    form_id: str = Field(max_length=64)
    html: str = Field(sa_column=Column(Sealed, nullable=False))
    text: str = Field(sa_column=Column(Sealed, nullable=False))
    sha256: str = Field(max_length=64)
    rendered_at: datetime = _time(default_factory=utcnow)


class DeliveryRecord(SQLModel, table=True):
    __tablename__ = "delivery_record"

    report_id: str = Field(primary_key=True, max_length=64)
    case_id: str = Field(index=True, foreign_key="case_record.case_id", max_length=64)
    recipient_id: str = Field(max_length=64)
    agency_id: str = Field(max_length=64)
    document_sha256: str = Field(max_length=64)
    # None until known: the agency took the report without a reference Dutyflow could read,
    # and the practitioner has not yet recorded the one the agency gave them.
    reference_number: str | None = Field(default=None, max_length=100)
    received_at: datetime = _time()
    delivered_at: datetime = _time(default_factory=utcnow)


@register
class PortalReceipt(SQLModel, table=True):
    """The receipt an agency's portal gave for a report the practitioner entered into it (a PDF
    or an image, sealed with the case's key as base64), one per delivered report; who attached
    it, when, its media type as its content shows it, size and hash (audited too)."""

    __tablename__ = "portal_receipt"
    __sealed__: ClassVar[tuple[str, ...]] = ("content",)

    report_id: str = Field(primary_key=True, foreign_key="delivery_record.report_id", max_length=64)
    case_id: str = Field(index=True, foreign_key="case_record.case_id", max_length=64)
    media_type: str = Field(max_length=40)
    size_bytes: int
    sha256: str = Field(max_length=64)
    content: str = Field(sa_column=Column(Sealed, nullable=False))
    attached_by: str = Field(max_length=64)
    attached_at: datetime = _time(default_factory=utcnow)


@register
class AcknowledgementRecord(SQLModel, table=True):
    __tablename__ = "acknowledgement_record"
    __sealed__: ClassVar[tuple[str, ...]] = ("note",)

    report_id: str = Field(primary_key=True, foreign_key="delivery_record.report_id", max_length=64)
    case_id: str = Field(index=True, foreign_key="case_record.case_id", max_length=64)
    agency_id: str = Field(max_length=64)
    reference_number: str = Field(max_length=100)
    decision: str = Field(max_length=32)
    note: str | None = Field(default=None, sa_column=Column(Sealed, nullable=True))
    acknowledged_at: datetime = _time()


class EscalationRecord(SQLModel, table=True):
    """A deadline about to pass, and who was told (practitioner, supervisor, compliance)."""

    __tablename__ = "escalation_record"

    escalation_id: str = Field(primary_key=True, max_length=200)
    case_id: str = Field(index=True, foreign_key="case_record.case_id", max_length=64)
    deadline_id: str = Field(max_length=64)
    notify: str = Field(max_length=32)
    due_at: datetime = _time()
    escalated_at: datetime = _time(default_factory=utcnow)


class DutyRecord(SQLModel, table=True):
    """A duty the case owes by a deadline (the phone report, the written report, the contacts to
    attempt, the acknowledgement follow-up, the decision to inform the client): when it is due,
    when it was met, and how far up the escalation ladder it has gone. The overdue and at-risk
    lists read the open ones by deadline. No case content: kinds, roles and times."""

    __tablename__ = "duty"
    __table_args__ = (
        Index(
            "ix_duty_open_by_due",
            "due_at",
            postgresql_where=text("met_at IS NULL"),
            sqlite_where=text("met_at IS NULL"),
        ),
    )

    duty_id: str = Field(primary_key=True, max_length=200)
    case_id: str = Field(index=True, foreign_key="case_record.case_id", max_length=64)
    deadline_id: str = Field(max_length=100)
    kind: str = Field(max_length=32)
    owed_by: str = Field(default="practitioner", max_length=32)  # the role who must act
    due_at: datetime = _time()
    citation: str = Field(max_length=300)
    met_at: datetime | None = _time(default=None)
    escalation_level: int = 0  # how many steps of the ladder have been told
    escalated_to: str | None = Field(default=None, max_length=32)  # the latest told
    created_at: datetime = _time(default_factory=utcnow)


class NotificationSent(SQLModel, table=True):
    """One message of one escalation step to one person: about to end its data (``ending-data``,
    the intent written before the server can accept it), accepted by the mail server (``sent``)
    or refused by it for good (``refused``); each mark committed as the SMTP conversation reaches
    it, so a retried step finds it and never sends an accepted message twice
    (`dutyflow.notifications.escalation`). No case content: ids, roles and the outcome."""

    __tablename__ = "notification_sent"

    notification_id: str = Field(primary_key=True, max_length=300)
    case_id: str = Field(index=True, foreign_key="case_record.case_id", max_length=64)
    escalation_id: str = Field(max_length=200)
    user_id: str = Field(index=True, max_length=64)
    role: str = Field(max_length=32)
    message_id: str = Field(max_length=300)
    outcome: str = Field(max_length=16)  # ending-data | sent | refused
    recorded_at: datetime = _time(default_factory=utcnow)


@register
class OutcomeRecord(SQLModel, table=True):
    __tablename__ = "outcome_record"
    __sealed__: ClassVar[tuple[str, ...]] = ("outcome",)

    case_id: str = Field(primary_key=True, foreign_key="case_record.case_id", max_length=64)
    outcome: dict[str, Any] = Field(sa_column=Column(Sealed, nullable=False))
    recorded_at: datetime = _time(default_factory=utcnow)


@register
class CaseDecision(SQLModel, table=True):
    """A decision the law asks to be recorded either way: disclose to (or decline) a recipient
    the law only permits, or tell the client (or not, under a named exception). The category,
    who decided and when are plain; the reasons are case content, sealed."""

    __tablename__ = "case_decision"
    __sealed__: ClassVar[tuple[str, ...]] = ("details",)

    decision_id: str = Field(primary_key=True, max_length=200)
    case_id: str = Field(index=True, foreign_key="case_record.case_id", max_length=64)
    topic: str = Field(max_length=32)  # disclosure | inform-client
    subject: str | None = Field(default=None, max_length=64)  # the recipient, for a disclosure
    decision: str = Field(max_length=32)
    exception: str | None = Field(default=None, max_length=64)
    decided_by: str = Field(max_length=64)
    details: dict[str, Any] = Field(sa_column=Column(Sealed, nullable=False))
    content_sha256: str = Field(max_length=64)
    decided_at: datetime = _time(default_factory=utcnow)


@register
class ContactAttemptRecord(SQLModel, table=True):
    """One attempt to reach a recipient by telephone, in person or by hand, answered or not.
    Who was spoken to and the notes are case content, sealed."""

    __tablename__ = "contact_attempt_record"
    __sealed__: ClassVar[tuple[str, ...]] = ("details",)

    attempt_id: str = Field(primary_key=True, max_length=200)
    case_id: str = Field(index=True, foreign_key="case_record.case_id", max_length=64)
    recipient_id: str = Field(max_length=64)
    channel: str = Field(max_length=16)
    outcome: str = Field(max_length=16)
    efforts_exhausted: bool = Field(default=False)
    attempted_at: datetime = _time()
    recorded_by: str = Field(max_length=64)
    details: dict[str, Any] = Field(sa_column=Column(Sealed, nullable=False))
    content_sha256: str = Field(max_length=64)
    recorded_at: datetime = _time(default_factory=utcnow)


class AccountingEntry(SQLModel, table=True):
    """One disclosure, as the client's accounting of disclosures (45 CFR 164.528(b)) lists it.
    Written in the same transaction as the delivery it accounts for."""

    __tablename__ = "accounting_entry"

    entry_id: str = Field(primary_key=True, max_length=64)  # the delivery's report id
    client_id: str = Field(index=True, max_length=64)
    case_id: str = Field(index=True, foreign_key="case_record.case_id", max_length=64)
    disclosed_at: datetime = _time(index=True)
    recipient_agency_id: str = Field(index=True, max_length=64)
    recipient_role: str = Field(max_length=64)
    recipient_name: str = Field(max_length=200)
    recipient_address: str | None = Field(default=None, max_length=300)
    information_disclosed: str = Field(sa_column=Column(Text, nullable=False))
    purpose: str = Field(max_length=300)
    legal_basis: str = Field(max_length=200)
    policy_version: str = Field(max_length=32)


class AuditEntry(SQLModel, table=True):
    """One entry of the append-only audit log. ``seq`` is given by the database when the entry is
    inserted; its place in the Merkle tree (`AuditLeaf`) once its transaction has committed
    (`dutyflow.store.audit_tree`). Entries written before revision 0011 also carry the old hash
    chain (``prev_hash``, ``entry_hash``); newer ones leave them empty."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        UniqueConstraint("prev_hash", name="uq_audit_entry_prev_hash"),
        UniqueConstraint("idempotency_key", name="uq_audit_entry_idempotency_key"),
    )

    seq: int | None = Field(default=None, primary_key=True)
    entry_id: str = Field(max_length=36)
    recorded_at: datetime = _time()
    case_id: str = Field(index=True, max_length=64)
    step: str = Field(max_length=64)
    actor_id: str = Field(max_length=64)
    actor_role: str = Field(max_length=32)
    content_sha256: str = Field(max_length=64)
    details: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    idempotency_key: str = Field(max_length=200)
    prev_hash: str | None = Field(default=None, max_length=64)
    entry_hash: str | None = Field(default=None, max_length=64, unique=True)

    def as_chain_link(self) -> dict[str, Any]:
        return self.model_dump()


class AuditPending(SQLModel, table=True):
    """An entry committed but not yet in the tree: written with the entry, in its transaction;
    removed when the entry gets its leaf."""

    __tablename__ = "audit_pending"

    seq: int = Field(
        primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False}
    )


class AuditLeaf(SQLModel, table=True):
    """An entry's place in the Merkle tree: leaf ``leaf_index`` is entry ``seq``, whose leaf hash
    (hex) is ``leaf_hash``. Append-only, like the entries."""

    __tablename__ = "audit_leaf"

    leaf_index: int = Field(
        primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False}
    )
    seq: int = Field(unique=True, sa_type=BigInteger)
    leaf_hash: str = Field(max_length=64)


class AuditTreeNode(SQLModel, table=True):
    """A perfect subtree of the Merkle tree above the leaves: ``2**level`` leaves from leaf
    ``position * 2**level``, and its hash (hex). Kept so that any proof costs a few look-ups.
    Append-only."""

    __tablename__ = "audit_tree_node"

    level: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    position: int = Field(
        primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False}
    )
    node_hash: str = Field(max_length=64)


class AuditCheckpoint(SQLModel, table=True):
    """A copy of a signed checkpoint (the files outside the database are the ones a verifier
    trusts): served to witnesses and used to say which checkpoint covers an entry."""

    __tablename__ = "audit_checkpoint"

    tree_size: int = Field(
        primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False}
    )
    origin: str = Field(max_length=200)
    root_hash: str = Field(max_length=64)
    signed_note: str = Field(sa_type=Text)
    made_at: datetime = _time(default_factory=utcnow)


class UserAccount(SQLModel, table=True):
    """A person (or an agency's account) who may use Dutyflow. The role decides what they may
    see (`dutyflow.auth.roles`): practitioner and supervisor belong to a clinic, an agency user
    to an agency. Accounts are disabled, never deleted, so the audit log's actors stay known."""

    __tablename__ = "user_account"

    user_id: str = Field(primary_key=True, max_length=64)
    display_name: str = Field(max_length=200)
    role: str = Field(max_length=32)
    clinic_id: str | None = Field(default=None, index=True, max_length=64)
    agency_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = _time(default_factory=utcnow)
    disabled: bool = Field(default=False)
    # The web app's sign-in: an scrypt hash with its own salt (`dutyflow.auth.store`), never the
    # password. None: this user signs in with a token only.
    password_hash: str | None = Field(default=None, max_length=200)
    # Where Dutyflow's notifications go (a deadline about to pass, escalated to this person), and
    # whether this person wants them by e-mail. No address: nothing is sent, and the escalation
    # goes on to the next person on the ladder.
    email: str | None = Field(default=None, max_length=254)
    notify_by_email: bool = Field(default=True)


class ApiToken(SQLModel, table=True):
    """A bearer token, ``dfy_<token_id>_<secret>``, stored only as the SHA-256 of the whole
    token: the token itself is shown once, when issued, and never stored."""

    __tablename__ = "api_token"

    token_id: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(index=True, foreign_key="user_account.user_id", max_length=64)
    token_sha256: str = Field(max_length=64, unique=True)
    created_at: datetime = _time(default_factory=utcnow)
    last_used_at: datetime | None = _time(default=None)
    revoked: bool = Field(default=False)
    # None: issued before tokens expired (then 90 days after created_at; see auth.store).
    expires_at: datetime | None = _time(default=None)
    session: bool = Field(default=False)  # a web session's: also ends when left unused


class AccountSetup(SQLModel, table=True):
    """A one-time set-up code, ``dfs_<setup_id>_<secret>``, with which a new user (or one who
    lost their password) sets their own password: whoever creates the account receives this code,
    never a token of the account. Stored only as the SHA-256 of the whole code; it works once
    (``used_at``) and until ``expires_at``; a newer code for the same user replaces it
    (``revoked``)."""

    __tablename__ = "account_setup"

    setup_id: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(index=True, foreign_key="user_account.user_id", max_length=64)
    code_sha256: str = Field(max_length=64, unique=True)
    created_at: datetime = _time(default_factory=utcnow)
    expires_at: datetime = _time()
    used_at: datetime | None = _time(default=None)
    revoked: bool = Field(default=False)


class SignInThrottleCount(SQLModel, table=True):
    """Failed sign-ins counted for one account or one address (``key_sha256``: the SHA-256 of
    ``account:<user id>`` or ``address:<address>``, so that a password typed into the user id
    field is never stored), shared by every API process (`dutyflow.auth.throttle`)."""

    __tablename__ = "sign_in_throttle"

    key_sha256: str = Field(primary_key=True, max_length=64)
    window_started_at: datetime = _time()
    failures: int = Field(default=0)
    locked_until: datetime | None = _time(default=None)


class CaseAssignment(SQLModel, table=True):
    """Whose case it is: the clinic and practitioner a case belongs to, for access control.

    Written by the API when it opens the report, before the workflow starts: the workflow's
    `CaseRecord` is written asynchronously, and the practitioner's next step may arrive first."""

    __tablename__ = "case_assignment"

    case_id: str = Field(primary_key=True, max_length=64)
    clinic_id: str = Field(index=True, max_length=64)
    practitioner_id: str = Field(index=True, max_length=64)
    assigned_at: datetime = _time(default_factory=utcnow)


@register
class SupervisionConsultation(SQLModel, table=True):
    """One round of a supervisor consultation the case's policy asks for: awaiting the clinic's
    supervisor, then approved or returned (with comments, sealed), or bypassed because the
    grounds say the danger is imminent (``bypass_grounds`` names the paths, no values)."""

    __tablename__ = "supervision_consultation"
    __sealed__: ClassVar[tuple[str, ...]] = ("comments",)

    consultation_id: str = Field(primary_key=True, max_length=100)
    case_id: str = Field(index=True, foreign_key="case_record.case_id", max_length=64)
    clinic_id: str = Field(index=True, max_length=64)
    round: int
    state: str = Field(
        index=True, max_length=32
    )  # awaiting-supervisor | approved | returned | bypassed-imminent-danger
    bypass_grounds: list[str] = Field(sa_column=Column(JSON, nullable=False))
    requested_at: datetime = _time(default_factory=utcnow)
    decided_by: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = _time(default=None)
    comments: str | None = Field(default=None, sa_column=Column(Sealed, nullable=True))


@register
class SupervisionReveal(SQLModel, table=True):
    """Fields the practitioner chose to show the supervisor beyond the de-identified view, with
    the reason (sealed). The field paths are plain: they name, never hold, content."""

    __tablename__ = "supervision_reveal"
    __sealed__: ClassVar[tuple[str, ...]] = ("reason",)

    reveal_id: str = Field(primary_key=True, max_length=64)
    case_id: str = Field(index=True, foreign_key="case_record.case_id", max_length=64)
    fields: list[str] = Field(sa_column=Column(JSON, nullable=False))
    reason: str = Field(sa_column=Column(Sealed, nullable=False))
    revealed_by: str = Field(max_length=64)
    revealed_at: datetime = _time(default_factory=utcnow)


@register
class DisclosureException(SQLModel, table=True):
    """Fields beyond a recipient's allow-list: the written justification (sealed), who asked,
    and a second person's approval or refusal (its note sealed). Only approved ones reach the
    disclosure limiter."""

    __tablename__ = "disclosure_exception"
    __sealed__: ClassVar[tuple[str, ...]] = ("justification", "decision_note")

    exception_id: str = Field(primary_key=True, max_length=100)
    case_id: str = Field(index=True, foreign_key="case_record.case_id", max_length=64)
    recipient_id: str = Field(max_length=64)
    fields: list[str] = Field(sa_column=Column(JSON, nullable=False))
    justification: str = Field(sa_column=Column(Sealed, nullable=False))
    state: str = Field(max_length=16)  # pending | approved | refused
    requested_by: str = Field(max_length=64)
    requested_at: datetime = _time(default_factory=utcnow)
    decided_by: str | None = Field(default=None, max_length=64)
    decided_role: str | None = Field(default=None, max_length=32)
    decided_at: datetime | None = _time(default=None)
    decision_note: str | None = Field(default=None, sa_column=Column(Sealed, nullable=True))


class SeenWebhookMessage(SQLModel, table=True):
    """A signed agency message already accepted (Standard Webhooks id and timestamp): the same
    pair again is a replay. Kept in the database so that a restart does not forget it; rows
    older than twice the signing tolerance are deleted (`dutyflow.store.seen_messages`)."""

    __tablename__ = "seen_webhook_message"

    message_id: str = Field(primary_key=True, max_length=128)
    timestamp: int = Field(primary_key=True, sa_type=BigInteger, index=True)


def all_tables() -> list[Any]:
    return [
        model.__table__  # type: ignore[attr-defined,union-attr]  # set on table models only
        for model in (
            CaseRecord,
            GroundsRecord,
            SupplementalReport,
            PhoneReportRecord,
            ObligationRecord,
            DisclosureRecord,
            ReportDocument,
            DeliveryRecord,
            PortalReceipt,
            AcknowledgementRecord,
            EscalationRecord,
            DutyRecord,
            NotificationSent,
            OutcomeRecord,
            AccountingEntry,
            AuditEntry,
            AuditPending,
            AuditLeaf,
            AuditTreeNode,
            AuditCheckpoint,
            UserAccount,
            ApiToken,
            AccountSetup,
            SignInThrottleCount,
            CaseAssignment,
            CaseDecision,
            ContactAttemptRecord,
            SupervisionConsultation,
            SupervisionReveal,
            DisclosureException,
            SeenWebhookMessage,
        )
    ]
