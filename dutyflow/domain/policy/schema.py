"""A policy file as a whole (`Policy`): its identity (jurisdiction, kind, version, effective
date) and every rule it holds, with the questions asked of it for one case: which recipients,
which deadline applies, which protected classes an exception opens, whether a request came with
satisfactory assurance.

What lives elsewhere: the rules themselves (`rules`, `recipients`, `deadlines`), the checks that
keep one policy consistent (`consistency`), reading files (`loading`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dutyflow.domain.calendars import CalendarLibrary
from dutyflow.domain.policy.consistency import consistency_problems
from dutyflow.domain.policy.deadlines import Deadline
from dutyflow.domain.policy.facts import all_hold, fact_value
from dutyflow.domain.policy.recipients import RecipientRule, RecipientSelection, Route
from dutyflow.domain.policy.rules import (
    AssuranceResult,
    Delegation,
    DisclosureDuty,
    ExcludedRoute,
    GroundsQuestion,
    InformClient,
    KnownFormGap,
    LegalBasis,
    OrderScope,
    PhoneReportFirst,
    ProtectedData,
    ReporterIdentity,
    Rule,
    SatisfactoryAssurance,
    StatutoryBasis,
    SupervisorConsultation,
    Trigger,
)

JURISDICTION_PATTERN = re.compile(r"^[A-Z]{2}(-[A-Z]{2,3})?$")
KIND_PATTERN = re.compile(r"^[a-z][a-z-]{0,39}$")

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


class Policy(BaseModel):
    """One version of the law for one jurisdiction and report kind, as one reviewed file."""

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
    known_form_gaps: list[KnownFormGap] = Field(default_factory=list)
    protected_data: list[ProtectedData] = Field(min_length=1)
    excluded_routes: list[ExcludedRoute] = Field(default_factory=list)
    order_scope: OrderScope | None = None
    satisfactory_assurance: SatisfactoryAssurance | None = None
    # How many times a report is sent to an agency intake that did not take it (5xx, 408, 429,
    # no answer) before the practitioner is given the delivery as a task. Operational, not law:
    # the deadlines' escalation runs meanwhile either way.
    delivery_attempts: int = Field(default=5, ge=1, le=20)

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

    def obligation_of(
        self, recipient_id: str, facts: Mapping[str, Any] | None = None
    ) -> Literal["required", "permitted"]:
        """Whether this recipient must receive the disclosure or only may: as the case's route
        says where it says so, else as the recipient's rule, else as the policy's disclosure."""
        route = self.route_for(facts) if facts is not None else None
        if route is not None and route.obligation and recipient_id in route.recipients:
            return route.obligation
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
