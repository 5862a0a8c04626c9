"""A case's obligations under its policy: which recipients must (or, where the law only permits
it, may) be told, by which channel, by when and under which citations; the deadlines that run,
with the escalation before each passes; or that nothing may be disclosed at all (a hard stop).

Pure: a function of the policy version, the case's facts (the case file dumped as JSON), the
agency directory and the holiday calendars. `activities.obligations` loads those, calls
`find_obligations` and records the result with its audit entry; the workflow starts a durable
timer for every `DeadlinePlan`.

What lives elsewhere: the policy's rules (`dutyflow.domain.policy`), the fields each recipient
may see (`dutyflow.domain.recipient_fields`), the records' ids (`dutyflow.ids`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from dutyflow.domain.agencies import AgencyDirectory
from dutyflow.domain.calendars import CalendarLibrary
from dutyflow.domain.policy import Deadline, Policy, RecipientRule, fact_value

# How the duty to a recipient is met: intake (the written report goes to the agency's intake
# endpoint), phone-report (the statutory call is the disclosure) or contact (the practitioner
# reaches them and logs every attempt).
Delivery = Literal["intake", "phone-report", "contact"]

# The channels whose deadlines the duty must meet, per way of meeting it.
_CHANNELS_OF = {
    "intake": {"written", "online"},
    "phone-report": {"phone"},
    "contact": {"phone", "in-person", "written"},
}

# The case-file keys that say how to reach a person, a court or a requesting party.
_CONTACT_KEYS = {
    "name": ("name", "court", "requesting_party"),
    "address": ("address", "directed_to_address", "requesting_party_address"),
    "phone": ("phone",),
    "present_location": ("present_location",),
}


class EscalationPoint(BaseModel):
    notify: str
    at: datetime


class DeadlinePlan(BaseModel):
    """A legal deadline as a durable timer: when it passes, and whom to tell before it does."""

    deadline_id: str
    due_at: datetime
    citation: str
    escalations: list[EscalationPoint]
    # When the case's workflow saw the duty met (the step recorded, every recipient it binds
    # told): a met duty is shown as met, never as a countdown. None while it is open.
    met_at: datetime | None = None


class HardStop(BaseModel):
    """Nothing may be disclosed (e.g. a subpoena without satisfactory assurance): which rule
    stops it and, per option the law gives, the conditions not met (field paths, no values)."""

    rule: str
    citation: str
    missing: dict[str, list[str]]


class ObligationToRecipient(BaseModel):
    """The obligation to one recipient. An agency is named by the directory (``agency_*``); a
    person, a court or a requesting party has its type as ``agency_id``, a label as
    ``agency_name`` ("Potential victim 1") and, in ``contact``, how to reach them, taken from
    the case file (case content)."""

    recipient_id: str
    recipient_rule: str
    recipient_type: str
    delivery: Delivery
    obligation: Literal["required", "permitted"]
    agency_id: str
    agency_name: str
    agency_address: str | None = None
    agency_phone: str | None = None
    intake_url: str
    contact: dict[str, Any] | None = None
    form_id: str
    legal_basis: str
    purpose: str
    phone_report_due_at: datetime | None
    written_report_due_at: datetime | None
    citations: list[str]
    deadline_ids: list[str]


class CaseObligations(BaseModel):
    """Everything the policy asks of one case: the recipients, in the policy's order, and the
    deadlines that run; or a hard stop, with no recipient and no deadline."""

    policy_version: str
    route_id: str | None
    obligations: list[ObligationToRecipient]
    deadlines: list[DeadlinePlan]
    hard_stop: HardStop | None = None


class NoAgencyForRecipient(LookupError):
    """The directory has no agency of a role the policy names, for the case's county."""


def find_obligations(
    policy: Policy,
    facts: Mapping[str, Any],
    *,
    county: str,
    directory: AgencyDirectory,
    calendars: CalendarLibrary,
) -> CaseObligations:
    """The case's obligations under ``policy``. Raises `NoAgencyForRecipient` when the county has
    no agency for an agency recipient (the message names the field and the role)."""
    stop = hard_stop(policy, facts)
    if stop is not None:
        return CaseObligations(
            policy_version=policy.version,
            route_id=None,
            obligations=[],
            deadlines=[],
            hard_stop=stop,
        )
    due = _deadlines_due(policy, facts, calendars)
    phone_task_rule = _phone_task_rule(policy, facts)
    obligations: list[ObligationToRecipient] = []
    for rule in policy.recipients_for(facts):
        terms = _terms(policy, rule, due, phone_task_rule, facts)
        if rule.recipient_type == "agency":
            obligations.append(_to_agency(rule, terms, policy.jurisdiction, county, directory))
        else:
            obligations.extend(_to_each_contact(rule, terms, facts))
    route = policy.route_for(facts)
    return CaseObligations(
        policy_version=policy.version,
        route_id=route.id if route is not None else None,
        obligations=obligations,
        deadlines=_plans(due),
    )


def deadline_plans(
    policy: Policy, facts: Mapping[str, Any], calendars: CalendarLibrary
) -> list[DeadlinePlan]:
    """Each deadline that applies to the case and runs: one whose start the case does not record
    (e.g. a request without a reply date) has none."""
    return _plans(_deadlines_due(policy, facts, calendars))


def hard_stop(policy: Policy, facts: Mapping[str, Any]) -> HardStop | None:
    """A request without a court order and without satisfactory assurance: nothing is disclosed.
    ``None`` when the policy asks for no assurance, or one of its options is met."""
    if policy.satisfactory_assurance is None:
        return None
    assurance = policy.assurance(facts)
    if assurance.satisfied:
        return None
    return HardStop(
        rule="satisfactory_assurance",
        citation=policy.satisfactory_assurance.citation,
        missing=assurance.missing,
    )


def delivery_of(rule: RecipientRule, phone_task_rule: str | None) -> Delivery:
    """How the duty to this recipient is met: an agency with a written or online channel gets
    the report at its intake endpoint; a telephone-only agency is told by the statutory call
    (when it is the call's recipient) or by a logged contact; people, courts and requesting
    parties are reached by the practitioner, every attempt logged."""
    types = {c.type for c in rule.channels}
    if rule.recipient_type == "agency":
        if types & {"written", "online"}:
            return "intake"
        return "phone-report" if rule.id == phone_task_rule else "contact"
    return "contact"


# --- the parts --------------------------------------------------------------------------------

Due = dict[str, tuple[Deadline, datetime]]


def _deadlines_due(policy: Policy, facts: Mapping[str, Any], calendars: CalendarLibrary) -> Due:
    """Each deadline that applies to the case, and when it passes, in the policy's order."""
    due: Due = {}
    for deadline in policy.deadlines_for(facts):
        start = _as_datetime(fact_value(facts, deadline.start_path))
        if start is not None:
            due[deadline.id] = (deadline, deadline.due_at(start, calendars))
    return due


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def _plans(due: Due) -> list[DeadlinePlan]:
    return [
        DeadlinePlan(
            deadline_id=deadline.id,
            due_at=due_at,
            citation=deadline.citation,
            escalations=[
                EscalationPoint(notify=step.notify, at=due_at - step.before_due)
                for step in deadline.escalation
            ],
        )
        for deadline, due_at in due.values()
    ]


def _phone_task_rule(policy: Policy, facts: Mapping[str, Any]) -> str | None:
    """The recipient the statutory call goes to, where the policy asks for a call first: the
    first whose phone channel meets the phone-report deadline."""
    if not policy.phone_report_first.required:
        return None
    return next(
        (
            r.id
            for r in policy.recipients_for(facts)
            if any(c.type == "phone" and c.deadline == "phone-report" for c in r.channels)
        ),
        None,
    )


def _channel_deadlines(rule: RecipientRule, delivery: Delivery) -> list[str]:
    """The deadlines that the channel meeting the duty must meet, in the rule's order."""
    wanted = _CHANNELS_OF[delivery]
    named = [c.deadline for c in rule.channels if c.type in wanted and c.deadline]
    return list(dict.fromkeys(named))


@dataclass(frozen=True)
class _Terms:
    """What a recipient rule owes, whoever fills it (an agency, or each of several people)."""

    delivery: Delivery
    obligation: Literal["required", "permitted"]
    form_id: str
    legal_basis: str
    purpose: str
    phone_report_due_at: datetime | None
    written_report_due_at: datetime | None
    citations: list[str]
    deadline_ids: list[str]


def _terms(
    policy: Policy,
    rule: RecipientRule,
    due: Due,
    phone_task_rule: str | None,
    facts: Mapping[str, Any],
) -> _Terms:
    delivery = delivery_of(rule, phone_task_rule)
    channel_deadlines = _channel_deadlines(rule, delivery)
    running = [d for d in channel_deadlines if d in due]
    phone_due = (
        due["phone-report"][1] if rule.id == phone_task_rule and "phone-report" in due else None
    )
    written_due = [due[d][1] for d in running]
    cited = [rule.citation, rule.allowed_fields_citation, *(due[d][0].citation for d in running)]
    return _Terms(
        delivery=delivery,
        obligation=policy.obligation_of(rule.id, facts),
        form_id=rule.form,
        legal_basis=policy.legal_basis_for(rule.id).summary,
        purpose=" ".join(rule.purpose.split()),
        phone_report_due_at=phone_due,
        written_report_due_at=min(written_due) if written_due else None,
        citations=list(dict.fromkeys(cited)),
        # Every deadline the channel names, running or not, and the call's when it is this one's.
        deadline_ids=list(
            dict.fromkeys([*channel_deadlines, *(["phone-report"] if phone_due else [])])
        ),
    )


def _obligation(
    rule: RecipientRule,
    terms: _Terms,
    *,
    recipient_id: str,
    agency_id: str,
    agency_name: str,
    intake_url: str,
    agency_address: str | None = None,
    agency_phone: str | None = None,
    contact: dict[str, Any] | None = None,
) -> ObligationToRecipient:
    return ObligationToRecipient(
        recipient_id=recipient_id,
        recipient_rule=rule.id,
        recipient_type=rule.recipient_type,
        delivery=terms.delivery,
        obligation=terms.obligation,
        agency_id=agency_id,
        agency_name=agency_name,
        agency_address=agency_address,
        agency_phone=agency_phone,
        intake_url=intake_url,
        contact=contact,
        form_id=terms.form_id,
        legal_basis=terms.legal_basis,
        purpose=terms.purpose,
        phone_report_due_at=terms.phone_report_due_at,
        written_report_due_at=terms.written_report_due_at,
        citations=terms.citations,
        deadline_ids=terms.deadline_ids,
    )


def _to_agency(
    rule: RecipientRule, terms: _Terms, jurisdiction: str, county: str, directory: AgencyDirectory
) -> ObligationToRecipient:
    assert rule.agency_role is not None  # the schema requires it of an agency recipient
    agency = directory.find(jurisdiction, county, rule.agency_role)
    if agency is None:
        raise NoAgencyForRecipient(
            f"county: no {rule.agency_role} agency in the directory for this county"
        )
    return _obligation(
        rule,
        terms,
        recipient_id=rule.id,
        agency_id=agency.id,
        agency_name=agency.name,
        agency_address=agency.address,
        agency_phone=agency.phone,
        intake_url=agency.intake_url,
    )


def _to_each_contact(
    rule: RecipientRule, terms: _Terms, facts: Mapping[str, Any]
) -> list[ObligationToRecipient]:
    """One obligation per person the case file lists in the rule's section
    (``potential-victim-1``, ``-2``...), or one for a single section (a court, a requesting
    party); none when the case records nobody."""
    assert rule.contact_from is not None  # the schema requires it of a non-agency recipient
    section = fact_value(facts, rule.contact_from)
    numbered = isinstance(section, list)
    people = section if numbered else [section] if section else []
    return [
        _obligation(
            rule,
            terms,
            recipient_id=f"{rule.id}-{number}" if numbered else rule.id,
            agency_id=rule.recipient_type,
            agency_name=_label(rule, number if numbered else None),
            intake_url="",
            contact=_contact_of(person),
        )
        for number, person in enumerate(people, 1)
    ]


def _label(rule: RecipientRule, number: int | None) -> str:
    words = rule.id.replace("-", " ").capitalize()
    return f"{words} {number}" if number is not None else words


def _contact_of(section: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: next((section[k] for k in names if section.get(k)), None)
        for key, names in _CONTACT_KEYS.items()
    }
