"""A case file as a supervisor reads it on the consultation page: only the answered fields, each
by its label, yes/no in words, times in the clinic's zone; never a row of "—" or a raw False."""

from __future__ import annotations

import contextvars
from datetime import date
from zoneinfo import ZoneInfo

from dutyflow.domain.policy import PolicyLibrary
from dutyflow.settings import REPO_ROOT
from dutyflow.web.readable import Entry, present, relevant_paths
from dutyflow.web.times import serve_in

DE_IDENTIFIED_CHILD_ABUSE_VIEW = {
    "grounds": {
        "observations": "[masked: narrative]",
        "suspicion_formed_at": "2026-01-15T17:30:00+00:00",
        "abuse_types": ["physical", "emotional"],
        "threat_imminent": None,
        "weapon_access": None,
        "court_order_reference": None,
        "client_admitted_crime_in_therapy": False,
    },
    "victim": {"approximate_age": "10-14", "name": None, "present_location": ""},
    "potential_victims": [],
    "subpoena": None,
    "guardians": [{"relationship": "parent", "phone": None}, {"relationship": None}],
}


def laid_out(entries: list[Entry], depth: int = 0) -> list[str]:
    lines: list[str] = []
    for e in entries:
        lines.append("  " * depth + e.label + (f": {e.text}" if e.text is not None else ""))
        lines += laid_out(e.entries, depth + 1)
    return lines


def in_los_angeles() -> list[str]:
    def served() -> list[str]:
        serve_in(ZoneInfo("America/Los_Angeles"))
        return laid_out(present(DE_IDENTIFIED_CHILD_ABUSE_VIEW))

    return contextvars.copy_context().run(served)


def test_only_the_answered_fields_are_shown_each_by_its_label() -> None:
    assert in_los_angeles() == [
        "Grounds",
        "  Observations: [masked: narrative]",
        "  Suspicion formed at: 2026-01-15 09:30 PST",
        "  Abuse types: physical, emotional",
        "  Client admitted crime in therapy: No",
        "Victim",
        "  Approximate age: 10-14",
        "Guardians",
        "  Guardian 1",
        "    Relationship: parent",
    ]


def test_no_empty_marker_raw_boolean_or_raw_time_is_left() -> None:
    shown = "\n".join(in_los_angeles())

    for raw in ("—", "None", "False", "True", "T17:30", "Subpoena", "Potential victims"):
        assert raw not in shown


def test_a_child_abuse_consultation_shows_none_of_what_other_kinds_ask() -> None:
    policy = PolicyLibrary(REPO_ROOT / "policies").in_effect("US-CA", "child-abuse", date.today())
    relevant = relevant_paths(policy)
    content = {
        **DE_IDENTIFIED_CHILD_ABUSE_VIEW,
        "threat": {"belief_basis": "own-contact", "weapon_access": False},
        "subpoena": {"case_number": "[masked: identifier]"},
    }

    shown = [e.label for e in present(content, relevant)]
    grounds = next(e for e in present(content, relevant) if e.label == "Grounds")

    assert "Threat" not in shown and "Subpoena" not in shown
    assert {"Grounds", "Victim"} <= set(shown)
    assert [e.label for e in grounds.entries if e.label.startswith("Client admitted")] == []
    assert "Abuse types" in [e.label for e in grounds.entries]
