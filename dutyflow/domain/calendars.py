"""Working-day calendars: which days count when a deadline runs in working days.

A calendar is reviewed data (``policies/calendars/<id>.yaml``): the jurisdiction's time zone, its
weekend, the years it covers and the holidays in them, with a citation. Code here only counts.

Two rules keep a deadline from quietly coming out late:

* A calendar covers named years only. Counting into a year it does not cover fails
  (`CalendarNotCoveredError`) instead of treating that year as holiday-free.
* The count starts the day after the event, and the deadline is the end (midnight, local time) of
  the last working day counted. "Within 2 working days" of a Friday-afternoon suspicion is
  therefore the end of Tuesday, or later if Monday or Tuesday is a holiday.

No I/O beyond reading the files given; no clock: the caller passes every time.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml  # type: ignore[import-untyped]  # PyYAML ships no type hints
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dutyflow.domain import yaml_text
from dutyflow.domain.reference_files import ParsedFiles

CALENDAR_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
DEFAULT_WEEKEND: tuple[Weekday, ...] = ("saturday", "sunday")


class Holiday(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: date
    name: str = Field(min_length=1)


class WorkingDayCalendar(BaseModel):
    """One jurisdiction's working days for the years it covers."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=CALENDAR_ID.pattern)
    title: str
    timezone: str
    weekend: list[Weekday] = Field(default_factory=lambda: list(DEFAULT_WEEKEND))
    years: list[int] = Field(min_length=1)
    holidays: list[Holiday]
    citation: str = Field(min_length=3)
    effective_from: date
    source_status: Literal["verified", "to-confirm"] = "to-confirm"
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> WorkingDayCalendar:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"timezone: {self.timezone!r} is not a known time zone") from None
        seen: set[date] = set()
        for holiday in self.holidays:
            if holiday.date.year not in self.years:
                raise ValueError(
                    f"holidays: {holiday.date} ({holiday.name}) is outside the years covered"
                )
            if holiday.date in seen:
                raise ValueError(f"holidays: {holiday.date} is listed twice")
            seen.add(holiday.date)
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def covers(self, day: date) -> bool:
        return day.year in self.years

    def holiday_on(self, day: date) -> Holiday | None:
        return next((h for h in self.holidays if h.date == day), None)

    def is_working_day(self, day: date) -> bool:
        if not self.covers(day):
            raise CalendarNotCoveredError(
                f"calendar {self.id}: has no holiday data for {day.year} "
                f"(covers {', '.join(str(y) for y in sorted(self.years))}); add that year's "
                f"holidays before counting working days in it"
            )
        if WEEKDAYS[day.weekday()] in self.weekend:
            return False
        return self.holiday_on(day) is None

    def add_working_days(self, day: date, count: int) -> date:
        """The ``count``-th working day after ``day`` (``day`` itself is not counted)."""
        if count < 1:
            raise ValueError("count: must be at least 1 working day")
        current = day
        counted = 0
        while counted < count:
            current += timedelta(days=1)
            if self.is_working_day(current):
                counted += 1
        return current

    def due_at(self, start: datetime, working_days: int) -> datetime:
        """End of the ``working_days``-th working day after ``start``'s local date, as an aware
        time in the calendar's zone."""
        if start.utcoffset() is None:
            raise ValueError("start: must be timezone-aware")
        local_day = start.astimezone(self.zone).date()
        last = self.add_working_days(local_day, working_days)
        return datetime.combine(last + timedelta(days=1), time(0), tzinfo=self.zone)


class CalendarNotCoveredError(LookupError):
    """A working-day count runs into a year the calendar has no holiday data for."""


class CalendarError(ValueError):
    """A calendar file is missing, unreadable or invalid; the message names the file."""


def load_calendar_file(path: Path) -> WorkingDayCalendar:
    try:
        raw = yaml_text.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise CalendarError(f"{path}: cannot be read: {err}") from err
    try:
        calendar = WorkingDayCalendar.model_validate(raw)
    except ValidationError as err:
        problems = "; ".join(
            (f"{'.'.join(str(p) for p in e['loc'])}: " if e["loc"] else "")
            + str(e["msg"]).removeprefix("Value error, ")
            for e in err.errors()
        )
        raise CalendarError(f"{path}: {problems}") from err
    if path.stem != calendar.id:
        raise CalendarError(f"{path}: id {calendar.id!r} does not match the file name")
    return calendar


class CalendarLibrary:
    """The calendars in a directory, one ``<id>.yaml`` each (``policies/calendars/``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def ids(self) -> list[str]:
        return sorted(path.stem for path in self.root.glob("*.yaml"))

    def get(self, calendar_id: str) -> WorkingDayCalendar:
        if not CALENDAR_ID.match(calendar_id):
            raise CalendarError(f"calendar: {calendar_id!r} is not a calendar id like us-ca")
        path = self.root / f"{calendar_id}.yaml"
        if not path.is_file():
            raise CalendarError(f"calendar: no calendar {calendar_id!r} in {self.root}")
        return _calendar_files.get(path)


# Parsed once per file as it stands: deadlines are planned on them at every report.
_calendar_files = ParsedFiles(load_calendar_file)
