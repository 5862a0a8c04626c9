"""The rules of a policy file that are neither recipients nor deadlines: what triggers the duty,
whether disclosure is required or permitted, the legal basis, reporter identity, telling the
client, supervisor consultation, grounds questions, protected data, court-order scope and
satisfactory assurance. `Rule` is what every one of them must say: its citation, the date from
which Dutyflow applies it, and whether its source was verified.

What lives elsewhere: recipients and routing (`recipients`), deadlines (`deadlines`), the file
as a whole (`schema.Policy`).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dutyflow.domain.policy.facts import Condition

SLUG = r"^[a-z0-9][a-z0-9-]{0,63}$"

SourceStatus = Literal["verified", "to-confirm"]


class Rule(BaseModel):
    """What every rule must say: where it comes from and since when Dutyflow applies it."""

    model_config = ConfigDict(extra="forbid")

    citation: str = Field(min_length=3)
    effective_from: date
    source_status: SourceStatus = "to-confirm"


class Trigger(Rule):
    description: str


class DisclosureDuty(Rule):
    """Whether the law requires the disclosure, or only permits it (the practitioner decides and
    the decision is recorded). ``required_by`` says what makes a required disclosure a duty: a
    statute, or statutory guidance and professional codes that Dutyflow treats as one (England's
    child safeguarding referral), so that nobody is told "required by law" when it is not."""

    mode: Literal["required", "permitted"]
    required_by: Literal["statute", "guidance"] = "statute"
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
    """Whether the person the law names must be told of the disclosure: the client, or (adult
    abuse, 45 CFR 164.512(c)(2)) the victim the report is about, who is the client only when the
    client is the victim. The decision is recorded either way, including an exception and its
    reasons."""

    required: bool
    informs: Literal["client", "victim"] = "client"
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
    """A question the practitioner answers for this kind; ``answer`` is the case-file path.

    A structured answer names its ``parts``: further fields of the answer's section asked with
    it as one group (a person with their phone, address and relationship). Where the section is
    a list (``potential_victims``), the group repeats, one per person, and ``each`` says what one
    of them is called ("Person at risk")."""

    id: str = Field(pattern=SLUG)
    asks: str
    answer: str
    required: bool = True
    parts: list[str] = Field(default_factory=list)
    each: str | None = None


class KnownFormGap(Rule):
    """A line of an agency's form that no question asks, on purpose, with the reason: the law
    does not let it be disclosed, or the case has nothing to put there (an adult's school). The
    form prints it "Not known"; the reason is for counsel. ``recipients`` are the recipient rules
    whose form has the line."""

    paths: list[str] = Field(min_length=1)
    recipients: list[str] = Field(min_length=1)
    reason: str = Field(min_length=10)


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
