"""Moved to `dutyflow.domain.policy.explain`; this name stays so existing imports keep working
(``dutyflow/web/router.py``). Import from the new home."""

from dutyflow.domain.policy.explain import duration, explain_policy

__all__ = ["duration", "explain_policy"]
