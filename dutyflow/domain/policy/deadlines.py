"""Deadlines as a policy states them: how each is counted (clock hours, working days on a holiday
calendar, the date an order gives), from which fact of the case, and the escalation ladder that
tells someone before it passes.

What lives elsewhere: the holiday calendars (`dutyflow.domain.calendars`), and the deadline plans
of one case (`dutyflow.domain.obligations`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dutyflow.domain.calendars import CalendarLibrary
from dutyflow.domain.policy.facts import Condition
from dutyflow.domain.policy.rules import Rule

# Legacy spelling of the start of a deadline, kept so 2026.1 files stay valid.
SUSPICION_FORMED_AT = "suspicion_formed_at"
_COUNTED_FROM_ALIASES = {SUSPICION_FORMED_AT: "grounds.suspicion_formed_at"}


class EscalationStep(BaseModel):
    """Who is told, and how long before the deadline passes."""

    model_config = ConfigDict(extra="forbid")

    notify: Literal["practitioner", "supervisor", "compliance"]
    before_due: timedelta


DeadlineId = Literal[
    "phone-report",
    "written-report",
    "report",
    "notification",
    "referral",
    "response",
    "inform-client",
]


Clock = Literal["immediately", "clock-hours", "working-days", "as-soon-as-possible", "as-ordered"]


class Deadline(Rule):
    """By when a step must be done. ``clock`` says how it is counted:

    * immediately / as-soon-as-possible / clock-hours: ``within`` after ``counted_from`` (for the
      first two the law names no hours; ``within`` is when Dutyflow treats the step as late);
    * working-days: ``working_days`` on the holiday ``calendar``, to the end of the last day;
    * as-ordered: the time a document of the case gives (``counted_from``, e.g. the order's
      compliance date), plus ``within`` if any.

    ``applies_when`` makes a deadline depend on the case's facts; the first deadline of an id
    whose conditions hold applies.
    """

    id: DeadlineId
    description: str
    counted_from: str = SUSPICION_FORMED_AT
    within: timedelta | None = None
    working_days: int | None = Field(default=None, ge=1)
    calendar: str | None = None
    clock: Clock
    applies_when: list[Condition] = Field(default_factory=list)
    escalation: list[EscalationStep] = Field(min_length=1)

    @model_validator(mode="after")
    def _escalates_before_it_passes(self) -> Deadline:
        if self.clock == "working-days":
            if self.working_days is None or self.calendar is None or self.within is not None:
                raise ValueError(
                    "a working-days deadline gives working_days and calendar, not within"
                )
            span: timedelta | None = timedelta(days=self.working_days)
        elif self.clock == "as-ordered":
            if self.working_days is not None or self.calendar is not None:
                raise ValueError("an as-ordered deadline has no working_days or calendar")
            if self.counted_from == SUSPICION_FORMED_AT:
                raise ValueError("counted_from: an as-ordered deadline runs from a document's date")
            span = None
        else:
            if self.within is None or self.working_days is not None or self.calendar is not None:
                raise ValueError(f"a {self.clock} deadline gives within, not working days")
            span = self.within
        leads = [step.before_due for step in self.escalation]
        if leads != sorted(leads, reverse=True):
            raise ValueError("escalation: steps must come in order (earliest first)")
        if any(lead < timedelta(0) or (span is not None and lead >= span) for lead in leads):
            raise ValueError("escalation: every step must fall before the deadline passes")
        return self

    @property
    def start_path(self) -> str:
        """The case-file path the deadline runs from."""
        return _COUNTED_FROM_ALIASES.get(self.counted_from, self.counted_from)

    def due_at(self, start: datetime, calendars: CalendarLibrary | None = None) -> datetime:
        if self.clock == "working-days":
            if calendars is None:
                raise ValueError(f"deadline {self.id}: counting working days needs the calendars")
            assert self.calendar is not None and self.working_days is not None
            return calendars.get(self.calendar).due_at(start, self.working_days)
        return start + (self.within or timedelta(0))
