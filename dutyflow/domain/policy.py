"""Reporting policy as reviewed data: one versioned YAML file per jurisdiction and report kind.

Every rule carries a citation and the date from which Dutyflow applies it. A change of law is a
new file with a new version; a case keeps the version in effect when it was opened, and the
audit names that version. Code here interprets policy; it never names an agency or a field.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dutyflow.domain.disclosure import UnknownFieldError, check_allow_list

JURISDICTION_PATTERN = re.compile(r"^[A-Z]{2}(-[A-Z]{2,3})?$")
KIND_PATTERN = re.compile(r"^[a-z][a-z-]{0,39}$")


class Rule(BaseModel):
    """What every rule must say: where it comes from and since when Dutyflow applies it."""

    model_config = ConfigDict(extra="forbid")

    citation: str = Field(min_length=3)
    effective_from: date
    source_status: Literal["verified", "to-confirm"] = "to-confirm"


class Trigger(Rule):
    description: str


class StatutoryBasis(Rule):
    code: str
    description: str


class LegalBasis(Rule):
    hipaa_route: str
    description: str


class RecipientRule(Rule):
    """A kind of recipient the law authorises, and exactly which fields it may receive."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    description: str
    agency_role: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    form: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    purpose: str
    allowed_fields: list[str] = Field(min_length=1)
    allowed_fields_citation: str = Field(min_length=3)


class RecipientSelection(Rule):
    mode: Literal["any-one", "all"]
    default: str
    description: str


class EscalationStep(BaseModel):
    """Who is told, and how long before the deadline passes."""

    model_config = ConfigDict(extra="forbid")

    notify: Literal["practitioner", "supervisor", "compliance"]
    before_due: timedelta


class Deadline(Rule):
    id: Literal["phone-report", "written-report"]
    description: str
    counted_from: Literal["suspicion_formed_at"] = "suspicion_formed_at"
    within: timedelta
    clock: Literal["clock-hours", "immediately"]
    escalation: list[EscalationStep] = Field(min_length=1)

    @model_validator(mode="after")
    def _escalates_before_it_passes(self) -> "Deadline":
        leads = [step.before_due for step in self.escalation]
        if leads != sorted(leads, reverse=True):
            raise ValueError("escalation: steps must come in order (earliest first)")
        if any(lead < timedelta(0) or lead >= self.within for lead in leads):
            raise ValueError("escalation: every step must fall before the deadline passes")
        return self


class PhoneReportFirst(Rule):
    required: bool
    description: str


class ReporterIdentity(Rule):
    confidential: bool
    description: str


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    jurisdiction: str = Field(pattern=JURISDICTION_PATTERN.pattern)
    kind: str = Field(pattern=KIND_PATTERN.pattern)
    version: str = Field(pattern=r"^[0-9]{4}\.[0-9]+$")
    effective_from: date
    title: str
    reviewed_by: str
    trigger: Trigger
    legal_basis: LegalBasis
    statutory_bases: list[StatutoryBasis] = Field(min_length=1)
    phone_report_first: PhoneReportFirst
    recipient_selection: RecipientSelection
    recipients: list[RecipientRule] = Field(min_length=1)
    deadlines: list[Deadline] = Field(min_length=1)
    reporter_identity: ReporterIdentity

    @model_validator(mode="after")
    def _consistent(self) -> "Policy":
        ids = [r.id for r in self.recipients]
        if len(set(ids)) != len(ids):
            raise ValueError("recipients: ids must be unique")
        if self.recipient_selection.default not in ids:
            raise ValueError("recipient_selection.default: names no recipient in this policy")
        for recipient in self.recipients:
            try:
                check_allow_list(recipient.allowed_fields)
            except UnknownFieldError as err:
                raise ValueError(f"recipients[{recipient.id}].allowed_fields: {err}") from err
        if "written-report" not in {d.id for d in self.deadlines}:
            raise ValueError("deadlines: a written-report deadline is required")
        return self

    def recipient(self, recipient_id: str) -> RecipientRule:
        for recipient in self.recipients:
            if recipient.id == recipient_id:
                return recipient
        raise KeyError(recipient_id)

    def deadline(self, deadline_id: str) -> Deadline | None:
        return next((d for d in self.deadlines if d.id == deadline_id), None)

    @property
    def statutory_basis_codes(self) -> list[str]:
        return [basis.code for basis in self.statutory_bases]

    def due_at(self, deadline_id: str, suspicion_formed_at: datetime) -> datetime | None:
        deadline = self.deadline(deadline_id)
        return None if deadline is None else suspicion_formed_at + deadline.within


class PolicyError(ValueError):
    """A policy file is missing, unreadable or invalid; the message names the file and the rule."""


class NoPolicyError(LookupError):
    """No policy covers this jurisdiction and kind on this date."""


def _check_identifiers(jurisdiction: str, kind: str) -> None:
    if not JURISDICTION_PATTERN.match(jurisdiction):
        raise NoPolicyError(f"jurisdiction: '{jurisdiction}' is not a jurisdiction code like US-CA")
    if not KIND_PATTERN.match(kind):
        raise NoPolicyError(f"kind: '{kind}' is not a report kind like child-abuse")


def load_policy_file(path: Path) -> Policy:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise PolicyError(f"{path}: cannot be read: {err}") from err
    try:
        policy = Policy.model_validate(raw)
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}" for e in err.errors()
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
        return sorted(self.root.glob("*/*/*.yaml"))
