"""What the tests of the newer states' policies share (Florida, Pennsylvania, Illinois, Michigan,
Ohio, Georgia, North Carolina: issue 18): the shipped policies and agency directory, the facts
each kind needs to open, and the obligations found for them. Pure; no server."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from dutyflow.domain.agencies import AgencyDirectory
from dutyflow.domain.obligations import CaseObligations, find_obligations
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.settings import REPO_ROOT

LIBRARY = PolicyLibrary(REPO_ROOT / "policies")
DIRECTORY = AgencyDirectory.load(REPO_ROOT / "agencies", "http://intake.invalid")
FORMED = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)
ON = date(2026, 11, 26)
# The county of each state's example case (one with agencies of its own in the directory).
COUNTY = {
    "US-FL": "Miami-Dade County",
    "US-PA": "Allegheny County",
    "US-IL": "Cook County",
    "US-MI": "Wayne County",
    "US-OH": "Franklin County",
    "US-GA": "Fulton County",
    "US-NC": "Forsyth County",
}
# North Carolina's agencies are per county: Forsyth County's child protective line is listed, its
# adult protective line is not (Cabarrus and Rowan Counties' are).
COUNTY_OF_KIND = {("US-NC", "elder-abuse"): "Cabarrus County"}
NEWER_STATES = list(COUNTY)


def grounds(**more: Any) -> dict[str, Any]:
    return {"grounds": {"suspicion_formed_at": FORMED.isoformat()}, **more}


PERSON_AT_RISK = {"potential_victims": [{"name": "Morgan Partner", "phone": "(555) 010-0101"}]}
ORDER = {"court_order": {"court": "Circuit Court", "comply_by": "2026-12-10T17:00:00+00:00"}}
WRITTEN_CONSENT = {
    "subpoena": {
        "requesting_party": "Example & Partners LLP",
        "respond_by": "2026-12-10T17:00:00+00:00",
        "client_explicit_consent": True,
    }
}
FACTS: dict[str, dict[str, Any]] = {
    "child-abuse": grounds(),
    "elder-abuse": grounds(),
    "danger-to-others": grounds(**PERSON_AT_RISK),
    "danger-to-self": grounds(),
    "court-order": grounds(**ORDER),
    "subpoena": grounds(**WRITTEN_CONSENT),
}


def find(
    jurisdiction: str, kind: str, facts: dict[str, Any], county: str | None = None
) -> CaseObligations:
    """The obligations of ``kind`` in ``jurisdiction`` for ``facts``, in the state's example
    county unless another is given."""
    return find_obligations(
        LIBRARY.in_effect(jurisdiction, kind, ON),
        facts,
        county=county or COUNTY_OF_KIND.get((jurisdiction, kind), COUNTY[jurisdiction]),
        directory=DIRECTORY,
        calendars=LIBRARY.calendars,
    )


def due(found: CaseObligations, deadline_id: str) -> datetime:
    return next(d.due_at for d in found.deadlines if d.deadline_id == deadline_id)
