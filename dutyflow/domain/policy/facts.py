"""The case's facts as a policy reads them: a dotted path into the dumped case file, and the
conditions a rule sets on them (a value it must have, or whether it is recorded at all).

What lives elsewhere: the case model itself (`dutyflow.domain.case`), and the rules that use
conditions (routes, deadlines, exceptions, satisfactory assurance).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator


def fact_value(facts: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path of a dumped case file (``None`` when absent)."""
    node: Any = facts
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def is_recorded(value: Any) -> bool:
    """Whether a fact carries a value: an empty text, list or section is not recorded."""
    return value not in (None, "", [], {})


class Condition(BaseModel):
    """A fact of the case a rule depends on: a case-file path and the value it must have
    (``equals``), a value it must not have (``not_equals``: an unanswered fact does not have
    it), or whether it must be recorded at all (``present``)."""

    model_config = ConfigDict(extra="forbid")

    fact: str
    equals: bool | str | int | None = None
    not_equals: bool | str | int | None = None
    present: bool | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        given = [t for t in (self.equals, self.not_equals, self.present) if t is not None]
        if len(given) != 1:
            raise ValueError(
                f"{self.fact}: give exactly one of 'equals', 'not_equals' or 'present'"
            )
        return self

    def holds(self, facts: Mapping[str, Any]) -> bool:
        value = fact_value(facts, self.fact)
        if self.present is not None:
            return is_recorded(value) == self.present
        if self.not_equals is not None:
            return value != self.not_equals
        return value == self.equals

    def describe(self) -> str:
        if self.present is not None:
            return f"{self.fact} is {'recorded' if self.present else 'not recorded'}"
        if self.not_equals is not None:
            shown = _shown(self.not_equals)
            return f"{self.fact} is not {shown}"
        return f"{self.fact} is {_shown(self.equals)}"


def _shown(value: bool | str | int | None) -> str:
    # A yes/no fact reads as yes or no (1 and 0 compare equal to True and False).
    if value in (True, False):
        return "yes" if value else "no"
    return str(value)


def all_hold(conditions: Iterable[Condition], facts: Mapping[str, Any]) -> bool:
    return all(condition.holds(facts) for condition in conditions)
