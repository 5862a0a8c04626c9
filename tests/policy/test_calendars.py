"""Working-day calendars: holidays and weekends do not count, the count starts the day after, the
deadline is the end of the last working day in the jurisdiction's time zone, and a year without
holiday data is refused rather than treated as holiday-free."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from dutyflow.domain.calendars import (
    CalendarError,
    CalendarLibrary,
    CalendarNotCoveredError,
    WorkingDayCalendar,
    load_calendar_file,
)
from dutyflow.settings import REPO_ROOT

CALENDARS = CalendarLibrary(REPO_ROOT / "policies" / "calendars")


def tiny(**changes: object) -> WorkingDayCalendar:
    values: dict[str, object] = {
        "id": "test",
        "title": "Test",
        "timezone": "America/Los_Angeles",
        "years": [2026],
        "holidays": [{"date": "2026-07-03", "name": "Holiday"}],
        "citation": "Test Code 1",
        "effective_from": "2026-01-01",
    }
    values.update(changes)
    return WorkingDayCalendar.model_validate(values)


def test_the_shipped_calendars_load_and_cover_2026_and_2027() -> None:
    assert CALENDARS.ids() == [
        "gb-eng",
        "us-ca",
        "us-federal",
        "us-fl",
        "us-ga",
        "us-il",
        "us-mi",
        "us-nc",
        "us-oh",
        "us-pa",
    ]
    for calendar_id in CALENDARS.ids():
        calendar = CALENDARS.get(calendar_id)
        assert calendar.covers(date(2026, 1, 1)) and calendar.covers(date(2027, 12, 31))
        assert calendar.citation and calendar.effective_from == date(2026, 1, 1)


def test_weekends_and_holidays_are_not_working_days() -> None:
    ca = CALENDARS.get("us-ca")

    assert not ca.is_working_day(date(2026, 11, 28))  # Saturday
    assert not ca.is_working_day(date(2026, 11, 26))  # Thanksgiving
    assert not ca.is_working_day(date(2026, 3, 31))  # Cesar Chavez Day
    assert ca.is_working_day(date(2026, 11, 30))


@pytest.mark.parametrize(
    ("calendar_id", "holiday"),
    [
        ("us-federal", date(2026, 7, 3)),  # Independence Day observed (July 4 is a Saturday)
        ("us-federal", date(2027, 12, 31)),  # New Year's Day 2028 observed
        ("gb-eng", date(2026, 12, 28)),  # Boxing Day substitute
        ("gb-eng", date(2027, 3, 26)),  # Good Friday
    ],
)
def test_observed_and_substitute_days_are_holidays(calendar_id: str, holiday: date) -> None:
    assert not CALENDARS.get(calendar_id).is_working_day(holiday)


def test_the_count_starts_the_day_after_and_skips_weekends() -> None:
    ca = CALENDARS.get("us-ca")

    assert ca.add_working_days(date(2026, 11, 20), 2) == date(2026, 11, 24)  # Fri -> Tue
    assert ca.add_working_days(date(2026, 11, 24), 1) == date(2026, 11, 25)


def test_two_working_days_over_thanksgiving_end_on_tuesday_night_in_california() -> None:
    formed = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)  # Wednesday, 14:00 Pacific

    due = CALENDARS.get("us-ca").due_at(formed, 2)

    assert due.isoformat() == "2026-12-02T00:00:00-08:00"


def test_the_local_date_decides_not_the_utc_date() -> None:
    # 02:00 UTC on Tuesday is still Monday evening in California.
    formed = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)

    due = CALENDARS.get("us-ca").due_at(formed, 1)

    assert due.isoformat() == "2026-11-18T00:00:00-08:00"


def test_summer_time_is_respected() -> None:
    due = CALENDARS.get("gb-eng").due_at(datetime(2026, 7, 1, 9, 0, tzinfo=UTC), 1)

    assert due.isoformat() == "2026-07-03T00:00:00+01:00"


def test_counting_into_a_year_without_holiday_data_is_refused() -> None:
    ca = CALENDARS.get("us-ca")

    with pytest.raises(CalendarNotCoveredError, match="2028"):
        ca.due_at(datetime(2027, 12, 30, 18, 0, tzinfo=UTC), 2)


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CALENDARS.get("us-ca").due_at(datetime(2026, 11, 25, 14, 0), 2)


def test_a_holiday_outside_the_years_covered_is_refused() -> None:
    with pytest.raises(ValueError, match="outside the years covered"):
        tiny(holidays=[{"date": "2027-01-01", "name": "New Year"}])


def test_a_holiday_listed_twice_is_refused() -> None:
    twice = [{"date": "2026-07-03", "name": "A"}, {"date": "2026-07-03", "name": "B"}]
    with pytest.raises(ValueError, match="listed twice"):
        tiny(holidays=twice)


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        tiny(timezone="Mars/Olympus_Mons")


def test_a_calendar_file_must_be_named_after_its_id(tmp_path: Path) -> None:
    source = (REPO_ROOT / "policies/calendars/us-ca.yaml").read_text()
    path = tmp_path / "us-tx.yaml"
    path.write_text(source)

    with pytest.raises(CalendarError, match="does not match the file name"):
        load_calendar_file(path)


def test_an_unknown_calendar_is_named() -> None:
    with pytest.raises(CalendarError, match="no calendar 'us-zz'"):
        CALENDARS.get("us-zz")
