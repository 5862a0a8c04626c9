"""What a clinician reads on the pages, in their own clinic's terms: times typed and shown in the
clinic's time zone and stored in UTC, a case called by its client, kind, jurisdiction and opening
date (never ``case-<hex>``), a met duty shown as met (never counting down), agencies' numbers as
links a phone can call."""

from __future__ import annotations

import asyncio
import contextvars
import html
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
import pytest
from pydantic import ValidationError
from temporalio.worker import Worker

from dutyflow.auth.api import TOKEN_COOKIE
from dutyflow.settings import Settings
from dutyflow.web.case_titles import case_title
from dutyflow.web.phone_links import tel_href
from dutyflow.web.submitted import to_instant
from dutyflow.web.times import (
    ClinicTimeZones,
    UnknownTimeZone,
    duty_state,
    serve_in,
    when,
    zone_name,
)
from tests.conftest import Harness, serve_api
from tests.web.conftest import csrf_of, sign_in
from tests.web.test_pages import guided_report_form

pytestmark = pytest.mark.one_database

LOS_ANGELES = ZoneInfo("America/Los_Angeles")
T = TypeVar("T")


def in_zone(zone: ZoneInfo, read: Callable[[], T]) -> T:
    """``read()`` as a page served in ``zone`` sees it (a context of its own, as a request)."""

    def served() -> T:
        serve_in(zone)
        return read()

    return contextvars.copy_context().run(served)


def test_a_time_typed_on_a_clinics_page_is_read_in_the_clinics_zone() -> None:
    typed = in_zone(LOS_ANGELES, lambda: to_instant("2026-01-15T09:30"))

    assert typed == "2026-01-15T09:30:00-08:00"
    assert datetime.fromisoformat(typed or "").astimezone(UTC).hour == 17


def test_a_stored_utc_time_is_shown_in_the_clinics_zone_with_its_name() -> None:
    summer = in_zone(LOS_ANGELES, lambda: when("2026-07-01T16:05:00+00:00"))
    winter = in_zone(LOS_ANGELES, lambda: when(datetime(2026, 1, 15, 17, 30, tzinfo=UTC)))

    assert summer == "2026-07-01 09:05 PDT"
    assert winter == "2026-01-15 09:30 PST"
    assert in_zone(LOS_ANGELES, zone_name) == "America/Los_Angeles"


def test_a_user_of_no_listed_clinic_reads_the_default_zone() -> None:
    zones = ClinicTimeZones("America/Chicago", {"clinic-la": "America/Los_Angeles"})

    assert zones.zone_of("clinic-la").key == "America/Los_Angeles"
    assert zones.zone_of("clinic-elsewhere").key == "America/Chicago"
    assert zones.zone_of(None).key == "America/Chicago"


def test_an_unknown_time_zone_setting_is_refused_naming_the_setting_not_the_value() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(time_zone="Mars/Olympus_Mons")
    assert "DUTYFLOW_TIME_ZONE" in str(refused.value)
    assert "Olympus" not in str(refused.value).split("input_value")[0]

    with pytest.raises(ValidationError) as refused_clinic:
        Settings(clinic_time_zones={"clinic-7": "Pacific Time"})
    assert "DUTYFLOW_CLINIC_TIME_ZONES (clinic-7)" in str(refused_clinic.value)

    with pytest.raises(UnknownTimeZone, match=r"clinic_time_zones\.clinic-7"):
        ClinicTimeZones(by_clinic={"clinic-7": "Pacific Time"})


def test_a_met_duty_reads_met_at_never_a_countdown() -> None:
    due = datetime.now(UTC) + timedelta(minutes=5)
    met = datetime(2026, 1, 15, 17, 31, tzinfo=UTC)

    shown = in_zone(LOS_ANGELES, lambda: duty_state(due, met))

    assert shown == "met at 2026-01-15 09:31 PST"
    assert duty_state(due, None).startswith("due in")


def test_a_case_is_called_by_its_client_kind_jurisdiction_and_opening_day() -> None:
    heading = {
        "client_reference": "client-0042",
        "kind": "elder-abuse",
        "jurisdiction": "US-CA",
        "opened_at": "2026-01-16T03:00:00+00:00",  # still the 15th in Los Angeles
    }

    title = in_zone(LOS_ANGELES, lambda: case_title(heading, "case-0123abcd"))
    de_identified = in_zone(
        LOS_ANGELES, lambda: case_title({**heading, "client_reference": None}, "case-0123abcd")
    )

    assert title == "client-0042 · Elder abuse · US-CA · opened 2026-01-15"
    assert de_identified == "Elder abuse · US-CA · opened 2026-01-15"


@pytest.mark.parametrize(
    ("written", "dialled"),
    [("(916) 445-2771", "tel:9164452771"), ("+1 800-422-4453", "tel:+18004224453")],
)
def test_a_telephone_number_becomes_a_link_a_phone_can_call(written: str, dialled: str) -> None:
    assert tel_href(written) == dialled


def test_no_link_is_made_of_nothing_to_dial() -> None:
    assert tel_href(None) is None
    assert tel_href("ask the county") is None


# --- through the served pages --------------------------------------------------------------------


@pytest.fixture
def clinic_in_los_angeles() -> str:
    return f"clinic-la-{id(object()):x}"


@pytest.fixture
async def api_in_los_angeles(
    stack: Harness, running_worker: Worker, clinic_in_los_angeles: str
) -> AsyncIterator[httpx.AsyncClient]:
    zones = ClinicTimeZones("UTC", {clinic_in_los_angeles: "America/Los_Angeles"})
    async with serve_api(stack, clinic_time_zones=zones) as client:
        yield client


async def case_status_when(
    http: httpx.AsyncClient, case_id: str, ready: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """The case's status (through the API, as the signed-in user) once ``ready`` says so."""
    token = http.cookies[TOKEN_COOKIE]
    async with asyncio.timeout(60):
        while True:
            answer = await http.get(
                f"/reports/{case_id}", headers={"Authorization": f"Bearer {token}"}
            )
            if answer.status_code == 200 and ready(answer.json()):
                return answer.json()
            await asyncio.sleep(0.05)


def page_text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def deadline(status: dict[str, Any], deadline_id: str) -> dict[str, Any]:
    [found] = [d for d in status["deadlines"] if d["deadline_id"] == deadline_id]
    return found


async def test_a_clinic_in_los_angeles_types_and_reads_its_own_times_and_its_cases_by_name(
    api_in_los_angeles: httpx.AsyncClient,
    browser_client: httpx.AsyncClient,
    web_users,
    clinic_in_los_angeles: str,
) -> None:
    user = web_users("practitioner", clinic_id=clinic_in_los_angeles)
    await sign_in(browser_client, user)
    details = await browser_client.get(
        "/app/reports/new", params={"jurisdiction": "US-CA", "kind": "child-abuse"}
    )
    assert "Date and time, America/Los_Angeles." in html.unescape(details.text)
    formed_here = (datetime.now(LOS_ANGELES) - timedelta(minutes=5)).replace(
        second=0, microsecond=0, tzinfo=None
    )
    form = guided_report_form(csrf_of(details.text))
    form["grounds.suspicion_formed_at"] = formed_here.strftime("%Y-%m-%dT%H:%M")

    opened = await browser_client.post("/app/reports", data=form)
    assert opened.status_code == 303, opened.text[:2000]
    case_id = opened.headers["location"].rsplit("/", 1)[1]
    status = await case_status_when(browser_client, case_id, lambda s: bool(s["deadlines"]))

    # Stored in UTC, from the time as the clinic typed it: 36 hours from 09:30 in Los Angeles.
    written_due = datetime.fromisoformat(deadline(status, "written-report")["due_at"])
    assert written_due == formed_here.replace(tzinfo=LOS_ANGELES) + timedelta(hours=36)

    case_page = page_text((await browser_client.get(f"/app/cases/{case_id}")).text)
    assert written_due.astimezone(LOS_ANGELES).strftime("%Y-%m-%d %H:%M %Z") in case_page
    opened_day = datetime.now(LOS_ANGELES).strftime("%Y-%m-%d")
    title = f"client-web-0001 · Child abuse · US-CA · opened {opened_day}"
    assert title in case_page
    assert case_id not in case_page.split("Where the case stands")[0]
    listing = page_text((await browser_client.get("/app/cases")).text)
    assert title in listing

    # The call, typed in Los Angeles time: once recorded, the duty reads "met at", not "due in".
    await case_status_when(browser_client, case_id, lambda s: s["phone_task"] is not None)
    page = (await browser_client.get(f"/app/cases/{case_id}")).text
    called_here = datetime.now(LOS_ANGELES).strftime("%Y-%m-%dT%H:%M")
    recorded = await browser_client.post(
        f"/app/cases/{case_id}/phone-report",
        data={
            "csrf": csrf_of(page),
            "agency_name": "Hotline",
            "phone_number": "(800) 540-4000",
            "official_name": "Intake worker",
            "reference_number": "HOTLINE-LA-1",
            "made_at": called_here,
        },
    )
    assert recorded.status_code == 303, recorded.text[:2000]
    status = await case_status_when(
        browser_client, case_id, lambda s: deadline(s, "phone-report")["met_at"] is not None
    )
    met_at = datetime.fromisoformat(deadline(status, "phone-report")["met_at"])
    rows = page_text((await browser_client.get(f"/app/cases/{case_id}")).text)
    phone_row = rows.split("Phone report", 1)[1].split("Cal. Penal Code", 1)[0]
    assert f"met at {met_at.astimezone(LOS_ANGELES).strftime('%Y-%m-%d %H:%M %Z')}" in phone_row
    assert "due in" not in phone_row
