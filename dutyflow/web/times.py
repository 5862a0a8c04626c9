"""Times and deadlines as a person reads them on a page, in the clinic's own time zone:
``due in 1 h 5 min``, ``overdue by 3 min``, ``met at 2025-03-01 14:05 PST``,
``2025-03-01 14:05 PST``. Times are stored and sent to the API in UTC; only the pages show and
take them in the clinic's zone.

Each clinic's zone is a setting (`ClinicTimeZones`, from ``DUTYFLOW_TIME_ZONE`` and
``DUTYFLOW_CLINIC_TIME_ZONES``, IANA names such as ``America/Los_Angeles``). The page being served
knows its zone (`serve_in`, called once a request knows who is asking): the signed-in user's
clinic's, or the default zone for a user of no clinic (an agency, compliance) and the sign-in
page. A page without JavaScript cannot know the browser's zone, so the forms' labels name the
zone their times are entered in. Pure functions besides that one request-scoped value; deadline
arithmetic itself (clock hours, working days) is the domain's, not here.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "UTC"
# The zone of the page being served: set per request (`serve_in`), read by the helpers below.
_page_zone: ContextVar[str] = ContextVar("dutyflow_page_zone", default=DEFAULT_ZONE)


class UnknownTimeZone(ValueError):
    """A setting names a time zone that is not an IANA zone name."""


def time_zone(name: str, setting: str) -> ZoneInfo:
    """The IANA zone ``name``; `UnknownTimeZone` naming ``setting`` if there is no such zone."""
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownTimeZone(
            f"{setting}: not an IANA time zone name (such as America/Los_Angeles)"
        ) from None


@dataclass(frozen=True)
class ClinicTimeZones:
    """Each clinic's time zone (IANA names by clinic id), and the zone of everyone else."""

    default: str = DEFAULT_ZONE
    by_clinic: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        time_zone(self.default, "time_zone")
        for clinic_id, name in self.by_clinic.items():
            time_zone(name, f"clinic_time_zones.{clinic_id}")

    def zone_of(self, clinic_id: str | None) -> ZoneInfo:
        name = self.by_clinic.get(clinic_id, self.default) if clinic_id else self.default
        return ZoneInfo(name)


def serve_in(zone: ZoneInfo) -> None:
    """The page being served shows and takes times in ``zone`` (once per request, from an async
    dependency, so that the page's own code sees it)."""
    _page_zone.set(zone.key)


def local_zone() -> ZoneInfo:
    """The zone of the page being served."""
    return ZoneInfo(_page_zone.get())


def zone_name() -> str:
    """The IANA name of the page's zone, as a form's label gives it (``America/Los_Angeles``)."""
    return local_zone().key


def now_local() -> str:
    """Now, as a ``datetime-local`` input's value in the page's zone."""
    return datetime.now(local_zone()).strftime("%Y-%m-%dT%H:%M")


def _aware(value: datetime | str) -> datetime:
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def remaining(due: datetime | str | None, now: datetime | None = None) -> str:
    """A deadline as a person reads it: ``due in 1 h 5 min`` or ``overdue by 3 min``."""
    if due is None:
        return "no deadline"
    seconds = int((_aware(due) - (now or datetime.now(UTC))).total_seconds())
    minutes = abs(seconds) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = ([f"{days} d"] if days else []) + ([f"{hours} h"] if hours else []) + [f"{mins} min"]
    text = " ".join(parts)
    return f"due in {text}" if seconds >= 0 else f"overdue by {text}"


def duty_state(due: datetime | str | None, met_at: datetime | str | None) -> str:
    """A duty as a person reads it: ``met at …`` once met (never a countdown), else what
    `remaining` says."""
    if met_at is not None:
        return f"met at {when(met_at)}"
    return remaining(due)


def when(value: datetime | str | None) -> str:
    """A moment in the page's zone, to the minute, with the zone's abbreviation; ``—`` if none."""
    if value is None:
        return "—"
    return _aware(value).astimezone(local_zone()).strftime("%Y-%m-%d %H:%M %Z")


def day(value: datetime | str | None) -> str:
    """The date of a moment in the page's zone (``2025-03-01``); ``—`` if none."""
    if value is None:
        return "—"
    return _aware(value).astimezone(local_zone()).strftime("%Y-%m-%d")
