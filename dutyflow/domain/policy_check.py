"""Moved to `dutyflow.domain.policy.check`; this name stays so existing imports keep working.
Import from the new home."""

from dutyflow.domain.policy.check import CheckResult, PolicyProblem, check_policies, check_policy

__all__ = ["CheckResult", "PolicyProblem", "check_policies", "check_policy"]
