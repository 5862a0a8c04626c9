"""Reporting policy as reviewed data: one versioned YAML file per jurisdiction and report kind.

Every rule carries a citation, the date from which Dutyflow applies it and whether its source was
verified against a public text. A change of law is a new file with a new version; a case keeps
the version in effect when it was opened, and the audit names that version. Code here interprets
policy; it never names an agency or a field.

What a policy says, rule by rule:

* ``trigger``: when the duty (or permission) arises; ``disclosure``: whether the law *requires*
  the disclosure or only *permits* it (e.g. Texas threats, Health & Safety Code 611.004).
* ``legal_basis``: the HIPAA route (45 CFR 164.512(b), (c), (e), (f), (j)) or, in the UK, the
  GDPR Art 6 basis with its Art 9 condition and DPA 2018 Schedule 1 condition.
* ``recipient_selection`` and ``recipients``: who receives what (``allowed_fields``), by which
  channels, and under which routing conditions (facts of the case, e.g. a care facility).
* ``deadlines``: clock hours, or working days counted on a holiday calendar, or the date an order
  gives, each with its escalation ladder.
* ``reporter_identity``: which recipients may see who reported.
* ``inform_client``: whether the client must be told, with the law's exceptions
  (164.512(c)(2)); ``supervisor_consultation``: whether a supervisor is asked first (imminent
  danger never waits).
* ``grounds_questions``: what the practitioner must answer for this kind, by case-file path.
* ``protected_data``: psychotherapy notes and 42 CFR Part 2 records, denied unless an exception
  the law gives applies.
* ``order_scope`` (court order) and ``satisfactory_assurance`` (subpoena without order).

Pure: no I/O except reading the policy files given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dutyflow.domain.calendars import CalendarLibrary
from dutyflow.domain.disclosure import (
    PROTECTED_DATA_CLASSES,
    UnknownFieldError,
    check_allow_list,
    known_paths,
    protected_class_of,
)

JURISDICTION_PATTERN = re.compile(r"^[A-Z]{2}(-[A-Z]{2,3})?$")
KIND_PATTERN = re.compile(r"^[a-z][a-z-]{0,39}$")
SLUG = r"^[a-z0-9][a-z0-9-]{0,63}$"

# The report kinds a policy may be written for (issue 3). The FHIR purpose-of-use map and the
# case model's ReportKind follow these names.
REPORT_KINDS = (
    "child-abuse",
    "elder-abuse",
    "danger-to-others",
    "danger-to-self",
    "court-order",
    "subpoena",
)

# Legacy spelling of the start of a deadline, kept so 2026.1 files stay valid.
SUSPICION_FORMED_AT = "suspicion_formed_at"
_COUNTED_FROM_ALIASES = {SUSPICION_FORMED_AT: "grounds.suspicion_formed_at"}

SourceStatus = Literal["verified", "to-confirm"]


class Rule(BaseModel):
    """What every rule must say: where it comes from and since when Dutyflow applies it."""

    model_config = ConfigDict(extra="forbid")

    citation: str = Field(min_length=3)
    effective_from: date
    source_status: SourceStatus = "to-confirm"


class Condition(BaseModel):
    """A fact of the case a rule depends on: a case-file path and the value it must have
    (``equals``), or whether it must be recorded at all (``present``)."""

    model_config = ConfigDict(extra="forbid")

    fact: str
    equals: bool | str | int | None = None
    present: bool | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        if (self.equals is None) == (self.present is None):
            raise ValueError(f"{self.fact}: give exactly one of 'equals' or 'present'")
        return self

    def holds(self, facts: Mapping[str, Any]) -> bool:
        value = fact_value(facts, self.fact)
        if self.present is not None:
            return _recorded(value) == self.present
        return value == self.equals

    def describe(self) -> str:
        if self.present is not None:
            return f"{self.fact} is {'recorded' if self.present else 'not recorded'}"
        shown = {True: "yes", False: "no"}.get(self.equals, self.equals)  # type: ignore[call-overload]
        return f"{self.fact} is {shown}"


def _recorded(value: Any) -> bool:
    return value not in (None, "", [], {})


def fact_value(facts: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path of a dumped case file (``None`` when absent)."""
    node: Any = facts
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def all_hold(conditions: Iterable[Condition], facts: Mapping[str, Any]) -> bool:
    return all(condition.holds(facts) for condition in conditions)


class Trigger(Rule):
    description: str


class DisclosureDuty(Rule):
    """Whether the law requires the disclosure, or only permits it (the practitioner decides and
    the decision is recorded)."""

    mode: Literal["required", "permitted"]
    description: str


class StatutoryBasis(Rule):
    code: str
    description: str


class LegalBasis(Rule):
    """The privacy-law route a disclosure takes. US: the HIPAA route. UK: the GDPR Art 6 basis, the
    Art 9(2) condition for health data and the DPA 2018 Schedule 1 condition."""

    hipaa_route: str | None = None
    gdpr_article_6: str | None = None
    gdpr_article_9: str | None = None
    uk_dpa_schedule_1: str | None = None
    description: str

    @model_validator(mode="after")
    def _names_a_route(self) -> LegalBasis:
        if self.hipaa_route is None and self.gdpr_article_6 is None:
            raise ValueError("name a HIPAA route (hipaa_route) or a GDPR basis (gdpr_article_6)")
        if self.gdpr_article_6 is not None and self.gdpr_article_9 is None:
            raise ValueError("gdpr_article_9: health data needs an Art 9(2) condition as well")
        return self

    @property
    def summary(self) -> str:
        """One line for an obligation or an accounting entry."""
        parts = [
            self.hipaa_route,
            f"UK GDPR {self.gdpr_article_6}" if self.gdpr_article_6 else None,
            self.gdpr_article_9,
            f"DPA 2018 {self.uk_dpa_schedule_1}" if self.uk_dpa_schedule_1 else None,
        ]
        return "; ".join(p for p in parts if p)


class Channel(Rule):
    """How a recipient is told: by telephone, a written form, an online portal, or in person.
    ``deadline`` names the policy deadline this step must meet."""

    type: Literal["phone", "written", "online", "in-person"]
    deadline: str | None = None
    note: str | None = None


class RecipientRule(Rule):
    """A kind of recipient the law authorises, and exactly which fields it may receive."""

    id: str = Field(pattern=SLUG)
    description: str
    # An agency comes from the agency directory by role; a person (e.g. a potential victim), a
    # court or a requesting party comes from the case file (``contact_from``).
    recipient_type: Literal["agency", "person", "court", "requesting-party"] = "agency"
    agency_role: str | None = Field(default=None, pattern=SLUG)
    contact_from: str | None = None
    form: str = Field(pattern=SLUG)
    purpose: str
    channels: list[Channel] = Field(default_factory=list)
    allowed_fields: list[str] = Field(min_length=1)
    allowed_fields_citation: str = Field(min_length=3)
    # required-by-law: the statute's field set, no more (164.512(a)); minimum-necessary: the
    # permissive routes (164.502(b)); order-scope: only what an order or request names.
    field_standard: Literal["required-by-law", "minimum-necessary", "order-scope"] = (
        "required-by-law"
    )
    legal_basis: LegalBasis | None = None
    # Whether this recipient must be told, or may be (the practitioner decides, and the decision
    # is recorded). Absent: as the policy's ``disclosure`` says.
    obligation: Literal["required", "permitted"] | None = None

    @model_validator(mode="after")
    def _reachable(self) -> RecipientRule:
        if self.recipient_type == "agency" and self.agency_role is None:
            raise ValueError("agency_role: an agency recipient needs the role to find it by")
        if self.recipient_type != "agency" and self.contact_from is None:
            raise ValueError(
                f"contact_from: a {self.recipient_type} recipient needs the case-file section "
                f"that holds its contact"
            )
        return self


class Route(Rule):
    """Which recipients apply when the case's facts meet ``when`` (all of them; an empty ``when``
    is the fallback and comes last)."""

    id: str = Field(pattern=SLUG)
    description: str
    when: list[Condition] = Field(default_factory=list)
    mode: Literal["any-one", "all"]
    recipients: list[str] = Field(min_length=1)
    default: str | None = None


class RecipientSelection(Rule):
    """any-one: a report to one recipient discharges the duty (``default`` is proposed);
    all: every recipient; routed: the first route whose conditions hold decides."""

    mode: Literal["any-one", "all", "routed"]
    default: str
    description: str
    routes: list[Route] = Field(default_factory=list)

    @model_validator(mode="after")
    def _routes_fit_the_mode(self) -> RecipientSelection:
        if self.mode == "routed":
            if not self.routes:
                raise ValueError("routes: a routed selection needs at least one route")
            fallbacks = [i for i, r in enumerate(self.routes) if not r.when]
            if fallbacks != [len(self.routes) - 1]:
                raise ValueError(
                    "routes: exactly one route without conditions (the fallback), and it comes last"
                )
            for route in self.routes:
                if route.mode == "any-one" and route.default not in route.recipients:
                    raise ValueError(f"routes[{route.id}].default: must be one of its recipients")
        elif self.routes:
            raise ValueError(f"routes: only a routed selection has routes, not {self.mode}")
        return self


class EscalationStep(BaseModel):
    """Who is told, and how long before the deadline passes."""

    model_config = ConfigDict(extra="forbid")

    notify: Literal["practitioner", "supervisor", "compliance"]
    before_due: timedelta


DeadlineId = Literal[
    "phone-report",
    "written-report",
    "report",
    "notification",
    "referral",
    "response",
    "inform-client",
]
Clock = Literal["immediately", "clock-hours", "working-days", "as-soon-as-possible", "as-ordered"]


class Deadline(Rule):
    """By when a step must be done. ``clock`` says how it is counted:

    * immediately / as-soon-as-possible / clock-hours: ``within`` after ``counted_from`` (for the
      first two the law names no hours; ``within`` is when Dutyflow treats the step as late);
    * working-days: ``working_days`` on the holiday ``calendar``, to the end of the last day;
    * as-ordered: the time a document of the case gives (``counted_from``, e.g. the order's
      compliance date), plus ``within`` if any.

    ``applies_when`` makes a deadline depend on the case's facts; the first deadline of an id
    whose conditions hold applies.
    """

    id: DeadlineId
    description: str
    counted_from: str = SUSPICION_FORMED_AT
    within: timedelta | None = None
    working_days: int | None = Field(default=None, ge=1)
    calendar: str | None = None
    clock: Clock
    applies_when: list[Condition] = Field(default_factory=list)
    escalation: list[EscalationStep] = Field(min_length=1)

    @model_validator(mode="after")
    def _escalates_before_it_passes(self) -> Deadline:
        if self.clock == "working-days":
            if self.working_days is None or self.calendar is None or self.within is not None:
                raise ValueError(
                    "a working-days deadline gives working_days and calendar, not within"
                )
            span: timedelta | None = timedelta(days=self.working_days)
        elif self.clock == "as-ordered":
            if self.working_days is not None or self.calendar is not None:
                raise ValueError("an as-ordered deadline has no working_days or calendar")
            if self.counted_from == SUSPICION_FORMED_AT:
                raise ValueError("counted_from: an as-ordered deadline runs from a document's date")
            span = None
        else:
            if self.within is None or self.working_days is not None or self.calendar is not None:
                raise ValueError(f"a {self.clock} deadline gives within, not working days")
            span = self.within
        leads = [step.before_due for step in self.escalation]
        if leads != sorted(leads, reverse=True):
            raise ValueError("escalation: steps must come in order (earliest first)")
        if any(lead < timedelta(0) or (span is not None and lead >= span) for lead in leads):
            raise ValueError("escalation: every step must fall before the deadline passes")
        return self

    @property
    def start_path(self) -> str:
        """The case-file path the deadline runs from."""
        return _COUNTED_FROM_ALIASES.get(self.counted_from, self.counted_from)

    def due_at(self, start: datetime, calendars: CalendarLibrary | None = None) -> datetime:
        if self.clock == "working-days":
            if calendars is None:
                raise ValueError(f"deadline {self.id}: counting working days needs the calendars")
            assert self.calendar is not None and self.working_days is not None
            return calendars.get(self.calendar).due_at(start, self.working_days)
        return start + (self.within or timedelta(0))


class PhoneReportFirst(Rule):
    required: bool
    description: str


class ReporterIdentity(Rule):
    """Whether the reporter's identity is confidential, and which recipients may see it
    (``visible_to``: recipient ids; absent means every recipient of this policy)."""

    confidential: bool
    description: str
    visible_to: list[str] | None = None


class InformException(Rule):
    id: str = Field(pattern=SLUG)
    description: str


class InformClient(Rule):
    """Whether the client must be told of the disclosure. The decision is recorded either way,
    including an exception and its reasons."""

    required: bool
    timing: str | None = None
    may_be_oral: bool = False
    exceptions: list[InformException] = Field(default_factory=list)
    description: str

    @model_validator(mode="after")
    def _exceptions_need_a_duty(self) -> InformClient:
        if self.exceptions and not self.required:
            raise ValueError("exceptions: only a duty to inform has exceptions")
        return self


class SupervisorConsultation(Rule):
    """Whether a supervisor is asked to approve (or return with comments) before the report goes.
    Imminent danger never waits on a supervisor: the workflow proceeds and records why."""

    asked: bool
    imminent_danger_proceeds: Literal[True] = True
    description: str


class Delegation(Rule):
    allowed: bool
    description: str


class ExcludedRoute(Rule):
    """A legal route the product must not offer for this kind (e.g. 164.512(j)(1)(ii)(A) for a
    therapist who learned of the crime in therapy)."""

    route: str
    description: str


class GroundsQuestion(Rule):
    """A question the practitioner answers for this kind; ``answer`` is the case-file path."""

    id: str = Field(pattern=SLUG)
    asks: str
    answer: str
    required: bool = True


class ProtectedDataException(Rule):
    """When the law lets a protected data class through, for which recipients, and how:
    justified-addition (a written justification and a second reviewer, per field) or
    part2-court-order (a 42 CFR Part 2 court order, subpart E)."""

    id: str = Field(pattern=SLUG)
    description: str
    route: Literal["justified-addition", "part2-court-order"]
    recipients: list[str] = Field(min_length=1)
    requires: list[Condition] = Field(default_factory=list)


class ProtectedData(Rule):
    data_class: Literal["psychotherapy-notes", "part2"]
    default: Literal["deny"] = "deny"
    description: str
    exceptions: list[ProtectedDataException] = Field(default_factory=list)


class OrderScope(Rule):
    """A court order: disclose only what it expressly authorises. ``authorised_fields`` is the
    case-file path listing the fields the order's words were mapped to; ``captures`` are the
    order's particulars the practitioner records; ``always_disclosed`` describe the response
    itself (which order, who answers it) and go whatever the scope."""

    description: str
    authorised_fields: str
    captures: list[str] = Field(min_length=1)
    always_disclosed: list[str] = Field(default_factory=list)


class AssuranceOption(Rule):
    id: str = Field(pattern=SLUG)
    description: str
    requires: list[Condition] = Field(min_length=1)


class SatisfactoryAssurance(Rule):
    """A request without a court order: one option's conditions must all hold, or nothing is
    sent (a hard stop). ``requested_fields`` narrows the allow-list to what was asked for."""

    description: str
    any_of: list[AssuranceOption] = Field(min_length=1)
    otherwise: Literal["hard-stop"] = "hard-stop"
    requested_fields: str | None = None
    always_disclosed: list[str] = Field(default_factory=list)


class AssuranceResult(BaseModel):
    satisfied: bool
    option: str | None
    missing: dict[str, list[str]]


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    jurisdiction: str = Field(pattern=JURISDICTION_PATTERN.pattern)
    kind: str = Field(pattern=KIND_PATTERN.pattern)
    version: str = Field(pattern=r"^[0-9]{4}\.[0-9]+$")
    effective_from: date
    title: str
    reviewed_by: str
    trigger: Trigger
    disclosure: DisclosureDuty
    legal_basis: LegalBasis
    statutory_bases: list[StatutoryBasis] = Field(min_length=1)
    phone_report_first: PhoneReportFirst
    recipient_selection: RecipientSelection
    recipients: list[RecipientRule] = Field(min_length=1)
    deadlines: list[Deadline] = Field(default_factory=list)
    reporter_identity: ReporterIdentity
    inform_client: InformClient
    supervisor_consultation: SupervisorConsultation
    delegation: Delegation | None = None
    grounds_questions: list[GroundsQuestion] = Field(min_length=1)
    protected_data: list[ProtectedData] = Field(min_length=1)
    excluded_routes: list[ExcludedRoute] = Field(default_factory=list)
    order_scope: OrderScope | None = None
    satisfactory_assurance: SatisfactoryAssurance | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        problems = consistency_problems(self)
        if problems:
            raise ValueError("; ".join(f"{rule}: {problem}" for rule, problem in problems))
        return self

    # --- reading the policy ---------------------------------------------------------------

    def recipient(self, recipient_id: str) -> RecipientRule:
        for recipient in self.recipients:
            if recipient.id == recipient_id:
                return recipient
        raise KeyError(recipient_id)

    def deadline(self, deadline_id: str) -> Deadline | None:
        """The first deadline of this id (the unconditional one for policies without routing)."""
        return next((d for d in self.deadlines if d.id == deadline_id), None)

    def deadline_for(self, deadline_id: str, facts: Mapping[str, Any]) -> Deadline | None:
        """The deadline of this id that applies to a case with these facts."""
        return next(
            (d for d in self.deadlines if d.id == deadline_id and all_hold(d.applies_when, facts)),
            None,
        )

    def deadlines_for(self, facts: Mapping[str, Any]) -> list[Deadline]:
        """One deadline per id: those that apply to a case with these facts."""
        chosen: dict[str, Deadline] = {}
        for deadline in self.deadlines:
            if deadline.id not in chosen and all_hold(deadline.applies_when, facts):
                chosen[deadline.id] = deadline
        return list(chosen.values())

    @property
    def statutory_basis_codes(self) -> list[str]:
        return [basis.code for basis in self.statutory_bases]

    @property
    def disclosure_required(self) -> bool:
        return self.disclosure.mode == "required"

    def due_at(
        self,
        deadline_id: str,
        suspicion_formed_at: datetime,
        *,
        facts: Mapping[str, Any] | None = None,
        calendars: CalendarLibrary | None = None,
    ) -> datetime | None:
        deadline = (
            self.deadline(deadline_id) if facts is None else self.deadline_for(deadline_id, facts)
        )
        return None if deadline is None else deadline.due_at(suspicion_formed_at, calendars)

    def legal_basis_for(self, recipient_id: str) -> LegalBasis:
        return self.recipient(recipient_id).legal_basis or self.legal_basis

    def route_for(self, facts: Mapping[str, Any]) -> Route | None:
        if self.recipient_selection.mode != "routed":
            return None
        return next(r for r in self.recipient_selection.routes if all_hold(r.when, facts))

    def recipients_for(self, facts: Mapping[str, Any]) -> list[RecipientRule]:
        """Who must (all) or may (any-one: the proposed one) receive a report in this case."""
        selection = self.recipient_selection
        if selection.mode == "all":
            return list(self.recipients)
        if selection.mode == "any-one":
            return [self.recipient(selection.default)]
        route = self.route_for(facts)
        assert route is not None
        if route.mode == "all":
            return [self.recipient(r) for r in route.recipients]
        return [self.recipient(route.default or route.recipients[0])]

    def obligation_of(self, recipient_id: str) -> Literal["required", "permitted"]:
        """Whether this recipient must receive the disclosure or only may."""
        return self.recipient(recipient_id).obligation or self.disclosure.mode

    def scope_for(self, recipient_id: str, facts: Mapping[str, Any]) -> list[str] | None:
        """For an order-scope recipient, exactly the fields the order authorises (or the request
        asks for) plus those describing the response; ``None`` for every other recipient."""
        recipient = self.recipient(recipient_id)
        if recipient.field_standard != "order-scope":
            return None
        if self.order_scope is not None:
            path, always = self.order_scope.authorised_fields, self.order_scope.always_disclosed
        else:
            assert self.satisfactory_assurance is not None
            assert self.satisfactory_assurance.requested_fields is not None
            path = self.satisfactory_assurance.requested_fields
            always = self.satisfactory_assurance.always_disclosed
        named = fact_value(facts, path) or []
        return sorted(set(named) | set(always))

    def sees_reporter_identity(self, recipient_id: str) -> bool:
        visible = self.reporter_identity.visible_to
        return visible is None or recipient_id in visible

    def protected_data_rule(self, data_class: str) -> ProtectedData:
        return next(p for p in self.protected_data if p.data_class == data_class)

    def permitted_classes(
        self, recipient_id: str, facts: Mapping[str, Any], route: str
    ) -> list[str]:
        """Protected classes an exception lets through to this recipient by this route, given the
        case's facts. Empty for every recipient unless the law gives an exception."""
        return [
            rule.data_class
            for rule in self.protected_data
            if any(
                e.route == route and recipient_id in e.recipients and all_hold(e.requires, facts)
                for e in rule.exceptions
            )
        ]

    def assurance(self, facts: Mapping[str, Any]) -> AssuranceResult:
        """Whether a request without a court order came with satisfactory assurance; without a
        ``satisfactory_assurance`` rule there is nothing to satisfy."""
        rule = self.satisfactory_assurance
        if rule is None:
            return AssuranceResult(satisfied=True, option=None, missing={})
        missing: dict[str, list[str]] = {}
        for option in rule.any_of:
            unmet = [c.describe() for c in option.requires if not c.holds(facts)]
            if not unmet:
                return AssuranceResult(satisfied=True, option=option.id, missing={})
            missing[option.id] = unmet
        return AssuranceResult(satisfied=False, option=None, missing=missing)

    def rules(self) -> list[tuple[str, Rule]]:
        """Every rule of the policy with the name a reviewer finds it by."""
        found: list[tuple[str, Rule]] = []

        def walk(name: str, value: Any) -> None:
            if isinstance(value, Rule):
                found.append((name, value))
            if isinstance(value, BaseModel):
                for key in type(value).model_fields:
                    walk(f"{name}.{key}" if name else key, getattr(value, key))
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    label = getattr(item, "id", None) or getattr(item, "data_class", None)
                    walk(f"{name}[{label if label is not None else index}]", item)

        walk("", self)
        return found


def _path_problem(path: str, known: set[str]) -> str | None:
    return None if path in known else f"'{path}' is not a field of the case model"


def consistency_problems(policy: Policy) -> list[tuple[str, str]]:
    """Problems that make a policy unusable, as (rule, problem) pairs."""
    problems: list[tuple[str, str]] = []
    known = known_paths()
    ids = [r.id for r in policy.recipients]
    id_set = set(ids)
    if len(id_set) != len(ids):
        problems.append(("recipients", "ids must be unique"))
    selection = policy.recipient_selection
    if selection.default not in id_set:
        problems.append(("recipient_selection.default", "names no recipient in this policy"))
    for route in selection.routes:
        for name in route.recipients:
            if name not in id_set:
                problems.append(
                    (f"recipient_selection.routes[{route.id}]", f"names no recipient '{name}'")
                )
        for condition in route.when:
            if (problem := _path_problem(condition.fact, known)) is not None:
                problems.append((f"recipient_selection.routes[{route.id}].when", problem))

    deadline_ids = {d.id for d in policy.deadlines}
    for recipient in policy.recipients:
        where = f"recipients[{recipient.id}]"
        try:
            check_allow_list(recipient.allowed_fields)
        except UnknownFieldError as err:
            problems.append((f"{where}.allowed_fields", str(err)))
        for path in recipient.allowed_fields:
            data_class = protected_class_of(path)
            if data_class is not None:
                problems.append(
                    (
                        f"{where}.allowed_fields",
                        (
                            f"'{path}' is {data_class} data: denied by default, it may never be on "
                            f"an allow-list (an exception goes through justified addition)"
                        ),
                    )
                )
        if not policy.sees_reporter_identity(recipient.id):
            leaked = [p for p in recipient.allowed_fields if p.startswith("reporter.")]
            if leaked:
                problems.append(
                    (
                        f"{where}.allowed_fields",
                        (
                            f"names the reporter ({', '.join(leaked)}) but reporter_identity does "
                            f"not let this recipient see who reported"
                        ),
                    )
                )
        if (
            recipient.contact_from is not None
            and (problem := _path_problem(recipient.contact_from, known)) is not None
        ):
            problems.append((f"{where}.contact_from", problem))
        for channel in recipient.channels:
            if channel.deadline is not None and channel.deadline not in deadline_ids:
                problems.append(
                    (f"{where}.channels", f"names no deadline '{channel.deadline}' of this policy")
                )
        if recipient.field_standard == "order-scope":
            if policy.order_scope is not None:
                always = policy.order_scope.always_disclosed
            elif (
                policy.satisfactory_assurance is not None
                and policy.satisfactory_assurance.requested_fields is not None
            ):
                always = policy.satisfactory_assurance.always_disclosed
            else:
                problems.append(
                    (f"{where}.field_standard", "order-scope needs order_scope or requested_fields")
                )
                always = []
            outside = sorted(set(always) - set(recipient.allowed_fields))
            if outside:
                problems.append(
                    (
                        f"{where}.allowed_fields",
                        f"lacks fields the response always discloses: {', '.join(outside)}",
                    )
                )

    visible = policy.reporter_identity.visible_to or []
    for name in visible:
        if name not in id_set:
            problems.append(("reporter_identity.visible_to", f"names no recipient '{name}'"))

    if policy.disclosure.mode == "required" and not policy.deadlines:
        problems.append(("deadlines", "a required disclosure needs at least one deadline"))
    seen_fallback: set[str] = set()
    for index, deadline in enumerate(policy.deadlines):
        where = f"deadlines[{deadline.id}]"
        if deadline.id in seen_fallback:
            problems.append(
                (where, "comes after this id's unconditional deadline: it never applies")
            )
        if not deadline.applies_when:
            seen_fallback.add(deadline.id)
        for condition in deadline.applies_when:
            if (problem := _path_problem(condition.fact, known)) is not None:
                problems.append((f"{where}.applies_when", problem))
        if (problem := _path_problem(deadline.start_path, known)) is not None:
            problems.append((f"{where}.counted_from", problem))
    for deadline_id in deadline_ids - seen_fallback:
        problems.append(
            (
                f"deadlines[{deadline_id}]",
                "needs one deadline without conditions, last, as fallback",
            )
        )
    if policy.phone_report_first.required and "phone-report" not in deadline_ids:
        problems.append(
            ("phone_report_first", "a phone report first needs a phone-report deadline")
        )

    if policy.jurisdiction.startswith("US-") and policy.legal_basis.hipaa_route is None:
        problems.append(("legal_basis.hipaa_route", "a US policy names its HIPAA route"))
    if policy.jurisdiction.startswith("GB") and policy.legal_basis.gdpr_article_6 is None:
        problems.append(("legal_basis.gdpr_article_6", "a UK policy names its GDPR basis"))

    for question in policy.grounds_questions:
        if (problem := _path_problem(question.answer, known)) is not None:
            problems.append((f"grounds_questions[{question.id}].answer", problem))

    classes: list[str] = [p.data_class for p in policy.protected_data]
    for data_class in PROTECTED_DATA_CLASSES:
        if classes.count(data_class) != 1:
            problems.append(("protected_data", f"says once what happens to {data_class} data"))
    for rule in policy.protected_data:
        for exception in rule.exceptions:
            where = f"protected_data[{rule.data_class}].exceptions[{exception.id}]"
            for name in exception.recipients:
                if name not in id_set:
                    problems.append((where, f"names no recipient '{name}'"))
            for condition in exception.requires:
                if (problem := _path_problem(condition.fact, known)) is not None:
                    problems.append((f"{where}.requires", problem))

    if policy.kind == "court-order" and policy.order_scope is None:
        problems.append(
            ("order_scope", "a court-order policy says how the order limits disclosure")
        )
    if policy.order_scope is not None:
        scope = policy.order_scope
        for path in [scope.authorised_fields, *scope.captures, *scope.always_disclosed]:
            if (problem := _path_problem(path, known)) is not None:
                problems.append(("order_scope", problem))
    if policy.kind == "subpoena" and policy.satisfactory_assurance is None:
        problems.append(
            ("satisfactory_assurance", "a subpoena policy says what assurance must come first")
        )
    if policy.satisfactory_assurance is not None:
        assurance = policy.satisfactory_assurance
        for path in [*filter(None, [assurance.requested_fields]), *assurance.always_disclosed]:
            if (problem := _path_problem(path, known)) is not None:
                problems.append(("satisfactory_assurance", problem))
        for option in assurance.any_of:
            for condition in option.requires:
                if (problem := _path_problem(condition.fact, known)) is not None:
                    problems.append((f"satisfactory_assurance.any_of[{option.id}]", problem))
    return problems


class PolicyError(ValueError):
    """A policy file is missing, unreadable or invalid; the message names the file and the rule."""


class NoPolicyError(LookupError):
    """No policy covers this jurisdiction and kind on this date."""


def _check_identifiers(jurisdiction: str, kind: str) -> None:
    if not JURISDICTION_PATTERN.match(jurisdiction):
        raise NoPolicyError(f"jurisdiction: '{jurisdiction}' is not a jurisdiction code like US-CA")
    if not KIND_PATTERN.match(kind):
        raise NoPolicyError(f"kind: '{kind}' is not a report kind like child-abuse")


def rule_name(raw: Any, loc: tuple[int | str, ...]) -> str:
    """A validation error's location as a reviewer reads it: list items by their id
    (``recipients[county-aps].citation``) rather than by position."""
    parts: list[str] = []
    node = raw
    for step in loc:
        if isinstance(step, int):
            item = node[step] if isinstance(node, list) and step < len(node) else None
            label = None
            if isinstance(item, dict):
                label = item.get("id") or item.get("data_class")
            parts[-1:] = [f"{parts[-1] if parts else ''}[{label if label is not None else step}]"]
            node = item
        else:
            parts.append(str(step))
            node = node.get(step) if isinstance(node, dict) else None
    return ".".join(parts) or "(file)"


def validation_problems(raw: Any, err: ValidationError) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for e in err.errors():
        loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and "[" in p))
        message = str(e["msg"]).removeprefix("Value error, ")
        name = rule_name(raw, loc)
        # A policy-level consistency message already names its rules ("rule: problem; ...").
        if name == "(file)" and e["type"] == "value_error":
            for part in message.split("; "):
                rule, sep, problem = part.partition(": ")
                problems.append((rule, problem) if sep else ("(file)", part))
        else:
            problems.append((name, message))
    return problems


def load_policy_file(path: Path) -> Policy:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise PolicyError(f"{path}: cannot be read: {err}") from err
    try:
        policy = Policy.model_validate(raw)
    except ValidationError as err:
        problems = "; ".join(
            f"{rule}: {problem}" for rule, problem in validation_problems(raw, err)
        )
        raise PolicyError(f"{path}: {problems}") from err
    expected = Path(policy.jurisdiction.lower()) / policy.kind / f"{policy.version}.yaml"
    if not path.as_posix().endswith(expected.as_posix()):
        raise PolicyError(f"{path}: must live at policies/{expected.as_posix()}")
    return policy


class PolicyLibrary:
    """The policies in a directory laid out as ``<jurisdiction>/<kind>/<version>.yaml``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def versions(self, jurisdiction: str, kind: str) -> list[Policy]:
        _check_identifiers(jurisdiction, kind)
        folder = self.root / jurisdiction.lower() / kind
        if not folder.is_dir():
            return []
        return sorted(
            (load_policy_file(path) for path in folder.glob("*.yaml")),
            key=lambda p: (p.effective_from, p.version),
        )

    def in_effect(self, jurisdiction: str, kind: str, on: date) -> Policy:
        candidates = [p for p in self.versions(jurisdiction, kind) if p.effective_from <= on]
        if not candidates:
            raise NoPolicyError(
                f"jurisdiction/kind: no {kind} policy for {jurisdiction} in effect on {on}"
            )
        return candidates[-1]

    def version(self, jurisdiction: str, kind: str, version: str) -> Policy:
        for policy in self.versions(jurisdiction, kind):
            if policy.version == version:
                return policy
        raise NoPolicyError(f"policy_version: {jurisdiction} {kind} has no version {version}")

    def all_files(self) -> list[Path]:
        """Every policy file (``calendars/`` holds calendars, not policies)."""
        return sorted(p for p in self.root.glob("*/*/*.yaml") if p.parts[-3] != "calendars")

    @property
    def calendars(self) -> CalendarLibrary:
        return CalendarLibrary(self.root / "calendars")
