"""Which policies the pages offer: the jurisdictions the policy library has, each with its report
kinds (the "new report" and "policies explained" pages list them), and the policy a case's status
names. Reads the policy library only; what a policy says is `dutyflow.domain.policy`'s business.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dutyflow.domain.policy import NoPolicyError, Policy, PolicyError, PolicyLibrary

Catalogue = dict[str, list[str]]


def jurisdictions_and_kinds(policies: PolicyLibrary) -> Catalogue:
    """The jurisdictions the policy library has, each with its report kinds."""
    found: Catalogue = {}
    for folder in sorted(
        p for p in policies.root.iterdir() if p.is_dir() and p.name != "calendars"
    ):
        kinds = sorted(k.name for k in folder.iterdir() if k.is_dir() and any(k.glob("*.yaml")))
        if kinds:
            found[folder.name.upper()] = kinds
    return found


def policy_of_case(policies: PolicyLibrary, status: dict[str, Any]) -> Policy | None:
    """The policy version a case's status names (the one in effect today if it names none yet);
    None if the library has no such policy."""
    try:
        if status.get("policy_version"):
            return policies.version(
                status["jurisdiction"], status["kind"], status["policy_version"]
            )
        return policies.in_effect(status["jurisdiction"], status["kind"], date.today())
    except (NoPolicyError, PolicyError):
        return None
