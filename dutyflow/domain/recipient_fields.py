"""The fields one recipient of a case receives under the case's policy: its rule's allow-list,
narrowed to exactly what a court order authorises (or a request asks for) where its rule is
order-scope, plus only the fields of disclosure exceptions a second person approved. A protected
data class (psychotherapy notes, 42 CFR Part 2) opens only where an exception of the policy gives
it to this recipient and its conditions hold.

Pure: the policy decides, `dutyflow.domain.disclosure.limit_for_recipient` limits. The activity
(`activities.obligations`) loads the case, calls `fields_for_recipient` and records the result.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dutyflow.domain.case import CaseFile
from dutyflow.domain.disclosure import (
    NEVER_DISCLOSED,
    PROTECTED_DATA_CLASSES,
    LimitedDisclosure,
    limit_for_recipient,
    private_by_court_order,
)
from dutyflow.domain.policy import Policy, RecipientRule


@dataclass(frozen=True)
class RecipientFields:
    """What one recipient receives, under which rule; ``private_by_court_order`` is ``None``
    unless a court order's scope names the content marked private (then: what it carries)."""

    rule: RecipientRule
    limited: LimitedDisclosure
    private_by_court_order: list[str] | None


def fields_for_recipient(
    policy: Policy, recipient_rule: str, case_file: CaseFile, approved_additions: Iterable[str]
) -> RecipientFields:
    """Limit the case file for one recipient of ``recipient_rule``. Raises what
    `limit_for_recipient` raises: `ProtectedDataError`, `OutsideScopeError`,
    `NeverDisclosedError`, each naming the field."""
    rule = policy.recipient(recipient_rule)
    facts = case_file.model_dump(mode="json")
    additions = list(approved_additions)
    # A protected class opens only for a field a second person approved, and only where an
    # exception of the policy (justified-addition) gives it to this recipient.
    justified = [
        c
        for c in policy.permitted_classes(rule.id, facts, "justified-addition")
        if set(PROTECTED_DATA_CLASSES[c]) & set(additions)
    ]
    scope = policy.scope_for(rule.id, facts)
    limited = limit_for_recipient(
        case_file,
        rule.allowed_fields,
        scope=scope,
        permitted_classes=sorted(
            {*policy.permitted_classes(rule.id, facts, "part2-court-order"), *justified}
        ),
        additions=additions,
        court_order=policy.order_scope is not None,
    )
    names_private = scope is not None and bool(set(scope) & NEVER_DISCLOSED)
    return RecipientFields(
        rule=rule,
        limited=limited,
        private_by_court_order=private_by_court_order(limited) if names_private else None,
    )
