"""Who a policy authorises to receive a report: each recipient's rule (how it is found, by which
channels it is told, exactly which fields it may see) and how a case's facts select among them.

What lives elsewhere: the agency directory that fills an agency role (`dutyflow.domain.agencies`),
and the obligations of one case (`dutyflow.domain.obligations`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from dutyflow.domain.policy.facts import Condition
from dutyflow.domain.policy.rules import SLUG, LegalBasis, Rule


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
    # Whether this route's recipients must be told, or may be, where the facts decide it (New
    # York: a nursing-home report is a duty under PHL 2803-d unless another resident is the
    # alleged abuser). Absent: as each recipient's rule, or the policy's ``disclosure``, says.
    obligation: Literal["required", "permitted"] | None = None


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
