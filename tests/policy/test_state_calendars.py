"""The seven states' working-day calendars against the `holidays` package: every day a calendar
lists is a holiday the package also knows for that state, and every weekday the package counts
that a calendar leaves out is a deliberate difference with its reason (said in the calendar file
too). A calendar never lists a day it is unsure of, so a deadline can only come out earlier."""

from __future__ import annotations

from datetime import date

import holidays
import pytest

from dutyflow.domain.calendars import CalendarLibrary
from dutyflow.settings import REPO_ROOT

CALENDARS = CalendarLibrary(REPO_ROOT / "policies" / "calendars")

NEW_YEAR_2028 = "New Year's Day 2028 observed on a Friday: not confirmed for the state's offices"
NOT_READ_GA = "set by the Governor's yearly schedule, which was not read for 2026 or 2027"
NOT_READ_NC = "set by the OSHR yearly schedule, which was not read for 2026 or 2027"
MI_EXTRA = "a state employees' day that MCL 435.101 does not name and no source read confirms"

# Weekdays the package counts as holidays that each calendar deliberately leaves out.
LEFT_OUT: dict[str, dict[date, str]] = {
    "us-fl": {
        date(2026, 6, 19): "Juneteenth: not a paid holiday under F.S. 110.117(1)",
        date(2027, 6, 18): "Juneteenth (observed): not a paid holiday under F.S. 110.117(1)",
        date(2027, 2, 15): "Susan B. Anthony Day: not a paid holiday under F.S. 110.117(1)",
    },
    "us-pa": {date(2027, 12, 31): NEW_YEAR_2028},
    "us-il": {
        date(2026, 3, 2): "Casimir Pulaski Day: not in 80 Ill. Adm. Code 303.190",
        date(2027, 3, 1): "Casimir Pulaski Day: not in 80 Ill. Adm. Code 303.190",
        date(2027, 12, 31): NEW_YEAR_2028,
    },
    "us-oh": {},
    "us-ga": {
        date(2026, 4, 3): f"spring state holiday, {NOT_READ_GA}",
        date(2026, 7, 3): f"Independence Day observed on a Friday, {NOT_READ_GA}",
        date(2026, 11, 27): f"Friday after Thanksgiving, {NOT_READ_GA}",
        date(2026, 12, 24): f"Washington's Birthday moved to December, {NOT_READ_GA}",
        date(2027, 3, 26): f"spring state holiday, {NOT_READ_GA}",
        date(2027, 6, 18): f"Juneteenth observed on a Friday, {NOT_READ_GA}",
        date(2027, 7, 5): f"Independence Day observed on a Monday, {NOT_READ_GA}",
        date(2027, 11, 26): f"Friday after Thanksgiving, {NOT_READ_GA}",
        date(2027, 12, 23): f"Washington's Birthday moved to December, {NOT_READ_GA}",
        date(2027, 12, 24): f"Christmas Day observed on a Friday, {NOT_READ_GA}",
        date(2027, 12, 31): NEW_YEAR_2028,
    },
    "us-nc": {
        date(2026, 2, 16): "Washington's Birthday: not on the OSHR holiday list",
        date(2027, 2, 15): "Washington's Birthday: not on the OSHR holiday list",
        date(2026, 6, 19): "Juneteenth: a floating holiday for state employees; offices open",
        date(2027, 6, 18): "Juneteenth: a floating holiday for state employees; offices open",
        date(2026, 7, 3): f"Independence Day observed on a Friday, {NOT_READ_NC}",
        date(2027, 7, 5): f"Independence Day observed on a Monday, {NOT_READ_NC}",
        date(2026, 12, 24): f"one of the three Christmas days, {NOT_READ_NC}",
        date(2026, 12, 28): f"one of the three Christmas days, {NOT_READ_NC}",
        date(2027, 12, 23): f"one of the three Christmas days, {NOT_READ_NC}",
        date(2027, 12, 24): f"one of the three Christmas days, {NOT_READ_NC}",
        date(2027, 12, 27): f"one of the three Christmas days, {NOT_READ_NC}",
        date(2027, 12, 31): NEW_YEAR_2028,
    },
    "us-mi": {
        date(2026, 6, 19): f"Juneteenth, {MI_EXTRA}",
        date(2027, 6, 18): f"Juneteenth (observed), {MI_EXTRA}",
        date(2026, 7, 3): "Independence Day on a Saturday: MCL 435.101 moves only Sunday holidays",
        date(2026, 11, 3): f"Election Day, {MI_EXTRA}",
        date(2026, 11, 27): f"Day after Thanksgiving, {MI_EXTRA}",
        date(2027, 11, 26): f"Day after Thanksgiving, {MI_EXTRA}",
        date(2026, 12, 24): f"Christmas Eve, {MI_EXTRA}",
        date(2027, 12, 23): f"Christmas Eve (observed), {MI_EXTRA}",
        date(2027, 12, 24): "Christmas Day on a Saturday: MCL 435.101 moves only Sunday holidays",
        date(2026, 12, 31): f"New Year's Eve, {MI_EXTRA}",
        date(2027, 12, 31): f"New Year's Eve and New Year's Day 2028 observed, {MI_EXTRA}",
    },
}


def package_weekday_holidays(calendar_id: str, years: list[int]) -> set[date]:
    state = calendar_id.removeprefix("us-").upper()
    return {day for day in holidays.US(subdiv=state, years=years) if day.weekday() < 5}


@pytest.mark.parametrize("calendar_id", sorted(LEFT_OUT))
def test_every_listed_holiday_is_one_the_holidays_package_knows(calendar_id: str) -> None:
    calendar = CALENDARS.get(calendar_id)
    listed = {holiday.date for holiday in calendar.holidays}

    assert listed, calendar_id
    assert listed - package_weekday_holidays(calendar_id, calendar.years) == set()


@pytest.mark.parametrize("calendar_id", sorted(LEFT_OUT))
def test_every_package_holiday_left_out_is_a_deliberate_difference(calendar_id: str) -> None:
    calendar = CALENDARS.get(calendar_id)
    listed = {holiday.date for holiday in calendar.holidays}

    left_out = package_weekday_holidays(calendar_id, calendar.years) - listed

    assert left_out == set(LEFT_OUT[calendar_id])


@pytest.mark.parametrize("calendar_id", sorted(LEFT_OUT))
def test_a_state_calendar_lists_weekdays_only_with_a_citation_and_a_note(calendar_id: str) -> None:
    calendar = CALENDARS.get(calendar_id)

    assert all(holiday.date.weekday() < 5 for holiday in calendar.holidays)
    assert calendar.citation and calendar.note
    assert calendar.source_status == "to-confirm"
    assert calendar.years == [2026, 2027]


@pytest.mark.parametrize(
    ("calendar_id", "day"),
    [
        ("us-fl", date(2027, 12, 31)),  # New Year's Day 2028 observed (F.S. 110.117: Sat -> Fri)
        ("us-oh", date(2027, 12, 31)),  # the same under R.C. 124.18(B)(2)
        ("us-il", date(2026, 11, 3)),  # General Election Day (even years)
        ("us-pa", date(2026, 11, 27)),  # Day after Thanksgiving: Commonwealth offices close
        ("us-nc", date(2026, 4, 3)),  # Good Friday
        ("us-mi", date(2027, 7, 5)),  # Independence Day on a Sunday, observed the Monday after
    ],
)
def test_state_specific_days_are_not_working_days(calendar_id: str, day: date) -> None:
    assert not CALENDARS.get(calendar_id).is_working_day(day)


def test_georgia_keeps_offices_open_on_washingtons_birthday_in_february() -> None:
    assert CALENDARS.get("us-ga").is_working_day(date(2026, 2, 16))
