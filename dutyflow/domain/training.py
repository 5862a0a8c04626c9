"""Mandated-reporter training attestations: which jurisdictions ask a practitioner to have signed
a statement or completed a course before reporting (the data file ``policies/training.yaml``,
each requirement cited and dated), what a practitioner records of one (an `Attestation`), and
which of them a report in a jurisdiction and of a kind finds missing (`missing_attestations`).

A missing attestation is a warning, never a block: none of these laws makes a report invalid for
want of training, and the duty to report stands either way. Pure: loading the file and deciding.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml  # type: ignore[import-untyped]  # PyYAML ships no type hints
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dutyflow.domain.policy.rules import SLUG, Rule

TRAINING_FILE = Path(__file__).resolve().parents[2] / "policies" / "training.yaml"


class TrainingPolicyError(ValueError):
    """The training file is missing or invalid; the message names the file and the rule."""


class TrainingRequirement(Rule):
    """One law that asks a reporter for a statement or a course: whom it binds, what it says,
    what the practitioner records of it, and the report kinds it concerns."""

    id: str = Field(pattern=SLUG)
    jurisdiction: str = Field(pattern=r"^[A-Z]{2}-[A-Z]{2,3}$")
    kinds: list[str] = Field(min_length=1)
    title: str = Field(min_length=3)
    who: str
    law_says: str
    record: str
    # How long a completion counts; None: once completed, it stands.
    valid_for_years: int | None = Field(default=None, ge=1)


class TrainingPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str
    requirements: list[TrainingRequirement]

    def requirement(self, requirement_id: str) -> TrainingRequirement | None:
        return next((r for r in self.requirements if r.id == requirement_id), None)

    def asked_for(self, jurisdiction: str, kind: str, on: date) -> list[TrainingRequirement]:
        """The requirements a report of ``kind`` in ``jurisdiction`` is filed under on ``on``."""
        return [
            r
            for r in self.requirements
            if r.jurisdiction == jurisdiction.upper() and kind in r.kinds and r.effective_from <= on
        ]


class Attestation(BaseModel):
    """What a practitioner records of one requirement: which course (or statement), when it was
    completed, and where the evidence is (a certificate number, the file the signed copy is in)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    requirement: str = Field(pattern=SLUG)
    course: str = Field(min_length=1, max_length=200)
    completed_on: date
    evidence_reference: str = Field(min_length=1, max_length=200)


def load_training_policy(path: Path = TRAINING_FILE) -> TrainingPolicy:
    """The training requirements of ``path``; raises `TrainingPolicyError` naming what is wrong."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise TrainingPolicyError(f"{path.name}: cannot be read ({type(err).__name__})") from None
    try:
        policy = TrainingPolicy.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise TrainingPolicyError(f"{path.name}: {where}: {first['msg']}") from None
    ids = [r.id for r in policy.requirements]
    if len(set(ids)) != len(ids):
        raise TrainingPolicyError(f"{path.name}: requirements: an id is used twice")
    return policy


@lru_cache(maxsize=1)
def training_policy() -> TrainingPolicy:
    """The shipped training requirements, read once."""
    return load_training_policy()


def counts_on(attestation: Attestation, requirement: TrainingRequirement, on: date) -> bool:
    """Whether a recorded attestation meets its requirement on ``on``: completed by then, and
    not older than the requirement's period of validity where it has one."""
    if attestation.requirement != requirement.id or attestation.completed_on > on:
        return False
    if requirement.valid_for_years is None:
        return True
    completed = attestation.completed_on
    try:
        lapses = completed.replace(year=completed.year + requirement.valid_for_years)
    except ValueError:  # 29 February, into a year without one
        lapses = date(completed.year + requirement.valid_for_years, 3, 1)
    return on < lapses


def missing_attestations(
    policy: TrainingPolicy,
    jurisdiction: str,
    kind: str,
    attestations: list[Attestation],
    on: date,
) -> list[TrainingRequirement]:
    """The requirements of a report of ``kind`` in ``jurisdiction`` that none of the
    practitioner's attestations meets on ``on``."""
    return [
        requirement
        for requirement in policy.asked_for(jurisdiction, kind, on)
        if not any(counts_on(a, requirement, on) for a in attestations)
    ]


class RequirementStatus(BaseModel):
    """One requirement as a practitioner stands with it: their attestation (if recorded) and
    whether it meets the requirement on the day asked."""

    requirement: TrainingRequirement
    attestation: Attestation | None
    met: bool


def training_status(
    policy: TrainingPolicy, attestations: list[Attestation], on: date
) -> list[RequirementStatus]:
    """Every requirement of the file, in its order, with the practitioner's attestation of it."""
    by_requirement = {a.requirement: a for a in attestations}
    statuses = []
    for requirement in policy.requirements:
        attestation = by_requirement.get(requirement.id)
        met = attestation is not None and counts_on(attestation, requirement, on)
        statuses.append(
            RequirementStatus(requirement=requirement, attestation=attestation, met=met)
        )
    return statuses
