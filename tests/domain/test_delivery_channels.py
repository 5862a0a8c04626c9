"""What the practitioner's channels decide without I/O: the portal's order of the report's
sections, and what a record of a report taken to the agency must say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dutyflow.domain.delivery_channels import in_portal_order, report_sent_problems
from dutyflow.domain.rendering import SectionText, form_as_text, load_form_layout
from tests.domain.test_rendering import DIAGNOSIS_MARKER, MRN_MARKER, NOTES_MARKER, make_case

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def section(section_id: str) -> SectionText:
    return SectionText(id=section_id, title=section_id.upper(), entries=())


def test_the_portals_sections_come_first_in_its_order_and_the_rest_keep_the_forms() -> None:
    form = [section(s) for s in ("a", "b", "c", "d")]
    assert [s.id for s in in_portal_order(form, ["c", "a", "unknown"])] == ["c", "a", "b", "d"]


def test_without_a_portal_order_the_forms_order_stands() -> None:
    form = [section(s) for s in ("a", "b")]
    assert in_portal_order(form, []) == form


def test_the_portal_text_holds_the_limited_fields_and_none_withheld() -> None:
    """The same rows the rendered form shows: a field missing from the limited fields is
    refused, so a withheld one cannot reach the portal's text."""
    case = make_case()
    layout = load_form_layout("us-ca-ss8572")
    fields = case.model_dump(mode="json")
    fields.pop("clinical_context", None)
    fields["victim"].pop("medical_record_number", None)
    text = str(form_as_text(layout, fields))
    assert case.victim.name in text
    assert not any(m in text for m in (DIAGNOSIS_MARKER, MRN_MARKER, NOTES_MARKER))


@pytest.mark.parametrize(
    ("channel", "values", "fields"),
    [
        ("portal", {}, ["confirmation_number"]),
        ("portal", {"confirmation_number": "P-1"}, []),
        ("fax", {}, ["sent_to"]),
        ("fax", {"sent_to": "not a number"}, ["sent_to"]),
        ("fax", {"sent_to": "+1 555 0101"}, []),
        ("mail", {}, ["sent_to"]),
        ("mail", {"sent_to": "100 Main Street"}, []),
        (
            "portal",
            {"confirmation_number": "P-1", "sent_at": NOW + timedelta(hours=1)},
            ["sent_at"],
        ),
        ("portal", {"confirmation_number": "P-1", "sent_at": datetime(2026, 12, 3)}, ["sent_at"]),
    ],
)
def test_a_report_sent_is_refused_naming_what_is_missing_or_wrong(
    channel: str, values: dict, fields: list[str]
) -> None:
    given = {"sent_at": NOW - timedelta(minutes=5), "sent_to": None, "confirmation_number": None}
    given.update(values)
    problems = report_sent_problems(channel, now=NOW, **given)
    assert [p.field for p in problems] == fields
