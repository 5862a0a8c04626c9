"""Times and deadlines as a person reads them on a page: ``due in 1 h 5 min``, ``overdue by
3 min``, ``2025-03-01 14:05 CET``; and the server's time zone, in which the forms' times are
entered (a page without JavaScript cannot know the browser's) and whose name their labels give.
Pure functions; the pages' templates call ``remaining`` and ``when``. Deadline arithmetic itself
(clock hours, working days) is the domain's, not here.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo


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


def when(value: datetime | str | None) -> str:
    """A moment in the server's time zone, to the minute, with the zone's name; ``—`` if none."""
    if value is None:
        return "—"
    return _aware(value).astimezone().strftime("%Y-%m-%d %H:%M %Z")


def local_zone() -> tzinfo:
    """The server's time zone."""
    zone = datetime.now().astimezone().tzinfo
    return zone or UTC


def zone_name() -> str:
    """The server's time zone's name, as a form's label gives it."""
    return datetime.now().astimezone().tzname() or "UTC"
