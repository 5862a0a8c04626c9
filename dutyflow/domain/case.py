"""Typed models of a mandated-report case: who reports, who is involved, and the grounds.

These models travel through Temporal only inside encrypted payloads and are stored by activities.
Shape validation (types) is pydantic's job; the legal and common-sense rules a clinician must meet
live in `dutyflow.domain.validation`, so the API and the workflow's Update validators share them.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import ConfigDict, Field

from dutyflow.domain.encodable import EncodableText


class Model(EncodableText):
    """Base for case models: unknown fields are refused so a typo never silently drops content,
    and text that cannot be encoded is refused naming its field."""

    model_config = ConfigDict(extra="forbid")


class ReportKind(StrEnum):
    """The report kinds a policy may be written for (`dutyflow.domain.policy.REPORT_KINDS`)."""

    CHILD_ABUSE = "child-abuse"
    ELDER_ABUSE = "elder-abuse"
    DANGER_TO_OTHERS = "danger-to-others"
    DANGER_TO_SELF = "danger-to-self"
    COURT_ORDER = "court-order"
    SUBPOENA = "subpoena"


class SourceOfInformation(StrEnum):
    """Where the suspicion comes from (PC 11167(a): 'the source or sources of that information')."""

    PRACTITIONER_OBSERVED = "practitioner-observed"
    VICTIM_DISCLOSED = "victim-disclosed"
    THIRD_PARTY_REPORTED = "third-party-reported"


class AbuseType(StrEnum):
    PHYSICAL = "physical"
    SEXUAL = "sexual"
    EMOTIONAL = "emotional"
    NEGLECT = "neglect"
    OTHER = "other"


class Reporter(Model):
    """The mandated reporter (the practitioner). Reporter identity is confidential by statute."""

    name: str
    title: str
    mandated_reporter_category: str
    business_name: str
    business_address: str
    phone: str
    # SOC 341's reporting party gives an e-mail address; the practitioner's profile holds it.
    email: str | None = None
    witnessed_incident: bool | None = None


class Person(Model):
    name: str | None = None
    # Other names the person is known by (LDSS-2221A, subjects of report: the "Aliases" column),
    # separated by semicolons or commas. An identifier like the name: removed from any view or
    # export that removes names, and masked in free text.
    aliases: str | None = None
    birth_date: date | None = None
    approximate_age: int | None = None
    sex: str | None = None
    ethnicity: str | None = None
    address: str | None = None
    phone: str | None = None


class Victim(Person):
    present_location: str | None = None
    school: str | None = None
    grade: str | None = None
    disabilities: str | None = None
    primary_language: str | None = None
    in_foster_care: bool | None = None
    # SS 8572 section C: the type of out-of-home care the child was in when it happened (day
    # care, a foster family home, a relative's home...), in the reporter's words.
    out_of_home_care: str | None = None
    relationship_to_suspect: str | None = None
    photos_taken: bool | None = None
    incident_resulted_in_death: bool | None = None
    medical_record_number: str | None = None


class Guardian(Person):
    relationship: str | None = None


class PersonRole(StrEnum):
    """A person's part in a case. Most follow from the section the person is recorded in
    (``victim``, ``other_victims``: victim; ``suspect``: alleged abuser; ``guardians``: guardian);
    a household member says which they are."""

    CLIENT = "client"
    VICTIM = "victim"
    ALLEGED_ABUSER = "alleged-abuser"
    GUARDIAN = "guardian"
    SIBLING = "sibling"
    HOUSEHOLD_MEMBER = "household-member"


class HouseholdRole(StrEnum):
    SIBLING = "sibling"
    HOUSEHOLD_MEMBER = "household-member"


class HouseholdMember(Person):
    """Someone who lives with the victim and is not (known to be) a victim: a sibling, another
    child or adult of the household (SS 8572 section D asks for the victim's siblings)."""

    role: HouseholdRole | None = None
    relationship: str | None = None


class ClientRole(StrEnum):
    """Who the client (whose record is disclosed) is in the case. It decides, e.g., whether the
    victim may be told of a report: not where the client is the alleged abuser
    (45 CFR 164.512(c)(2))."""

    VICTIM = "victim"
    ALLEGED_ABUSER = "alleged-abuser"
    THIRD_PARTY = "third-party"


class Suspect(Person):
    other_relevant_information: str | None = None
    # SOC 341 section B: what the person looks like, where their name or address is not enough.
    physical_description: str | None = None
    # Whether the suspect is responsible for the victim's care: it can decide the recipient
    # (e.g. Tex. Fam. Code 261.103: such a report must go to DFPS).
    responsible_for_care: bool | None = None
    # Whether the person works or volunteers with children: in England an allegation against
    # such a person also goes to the local authority designated officer (LADO, Working Together
    # to Safeguard Children 2023).
    works_with_children: bool | None = None


class Incident(Model):
    occurred_on: date | None = None
    time_of_day: str | None = None
    place: str | None = None
    # What receiving agencies screen for (worker-safety and domestic-violence flags); SOC 341 C
    # asks for "potential danger for investigator".
    worker_safety_concerns: str | None = None
    domestic_violence: bool | None = None
    immediate_danger: bool | None = None


class ClinicalContext(Model):
    """The practitioner's clinical record of the client. Kept for the case file and the audit of
    the practitioner's reasoning; no child-abuse policy puts these fields on a recipient's
    allow-list."""

    diagnosis: str | None = None
    # A separate data class (45 CFR 164.508(a)(2)): default-denied in every disclosure.
    psychotherapy_notes: str | None = None
    treatment_summary: str | None = None
    # Dates of attendance only; session times are not psychotherapy notes (45 CFR 164.501).
    treatment_dates: str | None = None
    # Substance-use disorder treatment records (42 CFR Part 2): default-denied; a subpoena alone
    # never releases them.
    substance_use_records: str | None = None


class Grounds(Model):
    """Why the practitioner must report: what was observed or said, by whom, and when.

    ``suspicion_formed_at`` is when the duty arose (for an order or a subpoena: when it was
    received). Which of the other fields a kind requires is the policy's ``grounds_questions``
    and `dutyflow.domain.validation`'s business, not the model's."""

    suspicion_formed_at: datetime
    statutory_basis: str
    source_of_information: SourceOfInformation | None = None
    source_description: str | None = None
    observations: str | None = None
    statements: str | None = None
    past_incidents: str | None = None
    # What the reporter has done or is about to do (N.Y. SSL 415: "actions taken by the
    # reporting source": photographs, X-rays, keeping the child, telling the coroner).
    actions_taken: str | None = None
    abuse_types: list[AbuseType] = Field(default_factory=list)
    # Absent in cases opened before it was asked.
    client_role: ClientRole | None = None


class GroundsSubmission(Model):
    """The practitioner's 'document the grounds' step: the grounds and the people involved, and
    the sections the case's kind asks for (its policy's ``grounds_questions``)."""

    grounds: Grounds
    victim: Victim | None = None
    # Further victims of the same report (siblings, other children or adults of the household),
    # each with everything asked of the victim. Empty in cases opened before it was asked.
    other_victims: list[Victim] = Field(default_factory=list)
    household_members: list[HouseholdMember] = Field(default_factory=list)
    guardians: list[Guardian] = Field(default_factory=list)
    suspect: Suspect | None = None
    incident: Incident = Field(default_factory=lambda: Incident())
    clinical_context: ClinicalContext = Field(default_factory=lambda: ClinicalContext())
    client: ClientIdentity | None = None
    threat: Threat | None = None
    potential_victims: list[PotentialVictim] = Field(default_factory=list)
    support_contacts: list[SupportContact] = Field(default_factory=list)
    care_setting: CareSetting | None = None
    elder_abuse: ElderAbuse | None = None
    # Where the reporter reports as a member of an institution's staff (N.Y. Soc. Serv. Law
    # 413(1)(b)): its person in charge is told, and the report names the staff who know.
    institution: Institution | None = None
    court_order: CourtOrder | None = None
    subpoena: Subpoena | None = None
    client_informed: ClientInformed | None = None
    sharing_decision: SharingDecision | None = None
    # What the practitioner marks private (dreams and fantasies, impressions that could be
    # misunderstood): kept, sealed, in the case file for the practitioner alone. No allow-list
    # may name it (`dutyflow.domain.disclosure.NEVER_DISCLOSED`) and no de-identified view shows
    # it; only a court order whose ``authorised_fields`` names it expressly opens it, and that is
    # audited.
    private_content: str | None = None


# --- grounds of the kinds beyond child abuse -----------------------------------------------------
# Each kind's policy names the questions it asks (``grounds_questions``) by these paths. They are
# all optional here: which of them a kind requires is the policy's business, not the model's.


class BeliefBasis(StrEnum):
    """Why the practitioner believes a threat is real. Good faith is presumed for either
    (45 CFR 164.512(j)(4)): record which."""

    OWN_CONTACT = "own-contact"
    CREDIBLE_REPORT = "credible-report"


class Threat(Model):
    """A threat of serious harm to others or to the client, as the law asks for it: what was
    threatened, how, when, and on what the practitioner's belief rests. No therapy content."""

    description: str | None = None
    communicated_at: datetime | None = None
    means: str | None = None
    serious_and_imminent: bool | None = None
    belief_basis: BeliefBasis | None = None
    credible_report_source: str | None = None


class PotentialVictim(Model):
    """A reasonably identifiable person the threat is aimed at (or who can prevent harm)."""

    name: str | None = None
    address: str | None = None
    phone: str | None = None
    present_location: str | None = None
    relationship_to_client: str | None = None


class SupportContact(Model):
    """Someone reasonably able to prevent or lessen a threat to the client (a family member, a
    carer), as 45 CFR 164.512(j)(1)(i)(B) allows."""

    name: str | None = None
    phone: str | None = None
    address: str | None = None
    relationship_to_client: str | None = None


class ClientIdentity(Person):
    """Who the client is, by non-clinical identifiers only (e.g. for a report under NY Mental
    Hygiene Law 9.46 or Cal. WIC 8105(c))."""

    distinguishing_features: str | None = None


class CareSetting(Model):
    """Where an elder or dependent adult lives: it decides the recipient and the deadline
    (Cal. WIC 15630(b)(1))."""

    long_term_care_facility: bool | None = None
    facility_name: str | None = None
    facility_address: str | None = None
    serious_bodily_injury: bool | None = None
    # New York: a residential health care facility (a nursing home, N.Y. Pub. Health Law 2801(3))
    # brings the Department of Health's report of PHL 2803-d; a facility or provider agency under
    # the Justice Center (OMH, OPWDD, OCFS and the other state oversight agencies, N.Y. Soc. Serv.
    # Law 488(4)) brings the Vulnerable Persons' Central Register's (SSL 491, 492). Absent in cases
    # opened before they were asked.
    residential_health_care_facility: bool | None = None
    justice_center_setting: bool | None = None
    # Who is alleged to have caused the harm, where it decides the route: another resident of the
    # facility (PHL 2803-d covers abuse "by other than a person receiving care"), and one with a
    # dementia diagnosed by a licensed physician (Cal. WIC 15630(b)(1)(A) since AB 1417).
    alleged_abuser_is_resident: bool | None = None
    alleged_abuser_has_diagnosed_dementia: bool | None = None


class Institution(Model):
    """The medical or other institution, school, facility or agency on whose staff the reporter
    reports (N.Y. Soc. Serv. Law 413(1)(b)): ``name`` is its person in charge or their
    designated agent, who is told of the report immediately and never asked to approve it;
    ``staff_with_direct_knowledge`` names (with title and contact) every staff member believed
    to have direct knowledge of the allegations, as the report must."""

    institution_name: str | None = None
    name: str | None = None
    title: str | None = None
    phone: str | None = None
    staff_with_direct_knowledge: str | None = None


class ElderAbuseType(StrEnum):
    PHYSICAL = "physical"
    SEXUAL = "sexual"
    FINANCIAL = "financial"
    NEGLECT = "neglect"
    ABANDONMENT = "abandonment"
    ISOLATION = "isolation"
    ABDUCTION = "abduction"
    PSYCHOLOGICAL = "psychological"
    SELF_NEGLECT = "self-neglect"
    OTHER = "other"


class ReporterWaiver(StrEnum):
    """To whom the reporter of an SOC 341 waives the confidentiality of their identity (section
    D; the choices to be confirmed against the CDSS form)."""

    ALL = "all"
    ALL_BUT_VICTIM = "all-but-victim"
    ALL_BUT_PERPETRATOR = "all-but-perpetrator"


class ElderAbuse(Model):
    """What an elder or dependent-adult abuse report asks beyond the common grounds (SOC 341 C, F;
    WIC 15658(a)(2))."""

    abuse_types: list[ElderAbuseType] = Field(default_factory=list)
    timeframe: str | None = None
    others_with_knowledge: str | None = None
    victim_consents_to_disclosure: bool | None = None
    # SOC 341 section D: printed on the form; it never widens whom Dutyflow shows the reporter's
    # identity to (the policy's reporter_identity does).
    reporter_confidentiality_waiver: ReporterWaiver | None = None
    # England: the criteria of the local authority's safeguarding enquiry (Care Act 2014
    # s.42(1)): needs for care and support, and because of them unable to protect themselves.
    care_and_support_needs: bool | None = None
    unable_to_protect_self: bool | None = None
    # England: whether the adult has the capacity to decide about the referral (Mental Capacity
    # Act 2005 ss.1-3, assumed unless established otherwise), and where they lack it, why the
    # referral is in their best interests (s.4).
    has_capacity_to_decide: bool | None = None
    best_interests_reasons: str | None = None


class CourtOrder(Model):
    """An order of a court or tribunal (45 CFR 164.512(e)(1)(i)): only what it expressly authorises
    may be disclosed. ``authorised_fields`` maps the order's words (``scope``) to case-file paths;
    ``private_content`` may be among them only where the order expressly names that content."""

    court: str | None = None
    case_number: str | None = None
    issued_on: date | None = None
    judge: str | None = None
    received_at: datetime | None = None
    comply_by: datetime | None = None
    scope: str | None = None
    authorised_fields: list[str] = Field(default_factory=list)
    directed_to: str | None = None
    directed_to_address: str | None = None
    part2_order: bool | None = None


class Subpoena(Model):
    """A subpoena, discovery request or other lawful process without a court order
    (45 CFR 164.512(e)(1)(ii)), and the satisfactory assurance that came with it."""

    requesting_party: str | None = None
    requesting_party_address: str | None = None
    court: str | None = None
    case_number: str | None = None
    received_at: datetime | None = None
    respond_by: datetime | None = None
    requested_records: str | None = None
    requested_fields: list[str] = Field(default_factory=list)
    assurance_statement_received: bool | None = None
    # (ii)(A) with (iii): notice to the client, the objection period run out.
    written_notice_given_on: date | None = None
    notice_allowed_objection: bool | None = None
    objection_period_expired: bool | None = None
    objections_none_or_resolved: bool | None = None
    # (ii)(B) with (v): a qualified protective order.
    qualified_protective_order: bool | None = None
    order_prohibits_other_use: bool | None = None
    order_requires_return_or_destruction: bool | None = None
    client_explicit_consent: bool | None = None


class InformClientDecision(StrEnum):
    INFORMED = "informed"
    NOT_INFORMED_RISK_OF_SERIOUS_HARM = "not-informed-risk-of-serious-harm"
    NOT_INFORMED_REPRESENTATIVE_RESPONSIBLE = "not-informed-representative-responsible"


class ClientInformed(Model):
    """The decision to tell the client about a report (45 CFR 164.512(c)(2)), recorded either
    way."""

    decision: InformClientDecision | None = None
    decided_at: datetime | None = None
    informed_at: datetime | None = None
    method: str | None = None
    reasons: str | None = None


class SharingDecision(Model):
    """The decision to share or not, and why (UK information-sharing advice: record the decision
    and the reasons, also when you decide not to share)."""

    decision: str | None = None
    reasons: str | None = None
    consent: str | None = None
    consent_not_sought_reason: str | None = None
    person_informed: bool | None = None
    decided_at: datetime | None = None


def roles_in(submission: GroundsSubmission) -> list[tuple[str, PersonRole]]:
    """Each person recorded in a submission, by case-file path, with their part in the case: the
    section says it, a household member says it, and the client is also the victim or the
    alleged abuser where the grounds say so."""
    found: list[tuple[str, PersonRole]] = []
    if submission.client is not None:
        found.append(("client", PersonRole.CLIENT))
    if submission.victim is not None:
        found.append(("victim", PersonRole.VICTIM))
    found += [
        (f"other_victims[{i}]", PersonRole.VICTIM) for i in range(len(submission.other_victims))
    ]
    if submission.suspect is not None:
        found.append(("suspect", PersonRole.ALLEGED_ABUSER))
    found += [(f"guardians[{i}]", PersonRole.GUARDIAN) for i in range(len(submission.guardians))]
    found += [
        (
            f"household_members[{i}]",
            PersonRole.SIBLING if m.role == HouseholdRole.SIBLING else PersonRole.HOUSEHOLD_MEMBER,
        )
        for i, m in enumerate(submission.household_members)
    ]
    role = submission.grounds.client_role
    if role is not None and role != ClientRole.THIRD_PARTY:
        found.append(("client", PersonRole(role.value)))
    return found


class WithdrawalReason(StrEnum):
    """Why a case that never got its grounds is withdrawn: categories, never case content."""

    OPENED_BY_MISTAKE = "opened-by-mistake"
    DUPLICATE = "duplicate"
    NO_DUTY_AFTER_ALL = "no-duty-after-all"
    REPORTED_ANOTHER_WAY = "reported-another-way"


class Withdrawal(Model):
    """Withdrawing a case before its grounds were recorded (nothing was disclosed yet): the
    reason, and a note that is hashed into the audit entry, never stored in it."""

    practitioner_id: str
    reason: WithdrawalReason
    note: str | None = None


class CaseOpening(Model):
    """Opening a case. The case id is opaque: it becomes the workflow id and must never carry a
    name. ``client_id`` is the clinic's opaque id of the client whose information is disclosed:
    the accounting of disclosures (45 CFR 164.528) is kept per client."""

    case_id: str
    jurisdiction: str
    kind: ReportKind
    county: str
    clinic_id: str
    practitioner_id: str
    client_id: str
    reporter: Reporter


class PhoneReport(Model):
    """The statutory first report by telephone, made before the written report is sent."""

    agency_name: str
    official_name: str
    official_title: str | None = None
    phone_number: str
    reference_number: str | None = None
    made_at: datetime


class Confirmation(Model):
    """The practitioner confirms that the reports they reviewed may go out, exactly as rendered:
    ``review_sha256`` must match the hash of the documents under review."""

    practitioner_id: str
    review_sha256: str


class CaseFile(GroundsSubmission):
    """Everything known about a case, as the disclosure limiter sees it: the reporter, every
    section the practitioner documented (`GroundsSubmission`) and the statutory call. Its dotted
    field paths (e.g. ``victim.name``, ``guardians.address``) are what policy allow-lists name."""

    reporter: Reporter
    phone_report: PhoneReport | None = None


# --- the practitioner's decisions and contacts beyond the report itself ---------------------------


class DisclosureChoice(StrEnum):
    DISCLOSE = "disclose"
    DECLINE = "decline"


class DisclosureDecision(Model):
    """For a recipient the law permits but does not require (e.g. Tex. Health & Safety Code
    611.004): the practitioner's decision, disclose or decline, with reasons, recorded either
    way."""

    practitioner_id: str
    recipient_id: str
    decision: DisclosureChoice
    reasons: str


class InformClientStep(Model):
    """The decision to tell the client about the report (45 CFR 164.512(c)(2); UK: record the
    decision either way). Not informed: ``exception`` names one of the policy's exceptions and
    ``reasons`` say why."""

    practitioner_id: str
    informed: bool
    informed_at: datetime | None = None
    method: str | None = None
    exception: str | None = None
    reasons: str | None = None


class ContactChannel(StrEnum):
    PHONE = "phone"
    IN_PERSON = "in-person"
    WRITTEN = "written"


class ContactOutcome(StrEnum):
    REACHED = "reached"
    NOT_REACHED = "not-reached"
    DELIVERED = "delivered"


class ContactAttempt(Model):
    """One attempt to reach a recipient Dutyflow does not deliver to electronically: a warning to
    a potential victim or a support contact, a call to a telephone-only agency, a response served
    on a court or a requesting party. Every attempt is logged, reached or not (Cal. Civil Code
    43.92(b)). ``efforts_exhausted``: the practitioner has made every reasonable effort and the
    person cannot be reached; the duty to that person is then discharged as far as it can be."""

    practitioner_id: str
    recipient_id: str
    channel: ContactChannel
    attempted_at: datetime
    outcome: ContactOutcome
    efforts_exhausted: bool = False
    spoke_with: str | None = None
    reference_number: str | None = None
    notes: str | None = None


# --- supervision and disclosure exceptions ----------------------------------------------------

# Facts of the grounds that say the danger is imminent: then the report never waits on a
# supervisor (the policies' ``supervisor_consultation.imminent_danger_proceeds``).
IMMINENT_DANGER_PATHS: tuple[str, ...] = (
    "incident.immediate_danger",
    "threat.serious_and_imminent",
)


def imminent_danger(submission: GroundsSubmission) -> list[str]:
    """The paths of the grounds that say the danger is imminent (empty when none does)."""
    found = []
    if submission.incident.immediate_danger:
        found.append("incident.immediate_danger")
    if submission.threat is not None and submission.threat.serious_and_imminent:
        found.append("threat.serious_and_imminent")
    return found


class ConsultationChoice(StrEnum):
    APPROVE = "approve"
    RETURN = "return"


class ConsultationDecision(Model):
    """A supervisor's answer to a consultation: approve, or return with comments (the
    practitioner then revises the grounds and the case comes back to the supervisor)."""

    supervisor_id: str
    decision: ConsultationChoice
    comments: str | None = None


class DisclosureExceptionRequest(Model):
    """Fields beyond a recipient's allow-list, asked for with a written justification. Nothing
    beyond the allow-list is sent unless a second person approves it."""

    requested_by: str
    requested_role: str = "practitioner"
    recipient_id: str
    fields: list[str]
    justification: str


class DisclosureExceptionDecision(Model):
    """A second person's answer to a disclosure exception: approve or refuse (with a note)."""

    exception_id: str
    decided_by: str
    decided_role: str
    approve: bool
    note: str | None = None


GroundsSubmission.model_rebuild()
