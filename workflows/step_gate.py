"""`StepGate`: where one clinician step stands (the grounds, their revision, the phone report, the
confirmation, the decision to inform the client, the supervisor's answer).

An Update *claims* its step before it records anything, so a second Update for the same step is
refused by its validator while the first is still being recorded; once the activity has written
the record, the step is *recorded*, and the gate remembers *by* whom. Whether a step may be taken
at all (the case's stage) is the step's validator's business, not the gate's.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class StepGate:
    claimed: bool = False
    recorded: bool = False
    by: str | None = None  # the actor id of whoever recorded it

    def claim(self) -> None:
        self.claimed = True

    def release(self) -> None:
        """The claiming Update refused its input after all: the step may be taken again."""
        self.claimed = False

    def record(self, by: str) -> None:
        self.recorded = True
        self.by = by

    def reopen(self) -> None:
        """A new round of the step (e.g. a supervisor returned the case): nothing claimed."""
        self.claimed = False
        self.recorded = False
        self.by = None

    @property
    def open(self) -> bool:
        """No Update has claimed the step (in this round)."""
        return not self.claimed

    @property
    def done(self) -> bool:
        return self.recorded

    @property
    def in_progress(self) -> bool:
        """Claimed and not yet recorded: an Update is writing it now."""
        return self.claimed and not self.recorded
