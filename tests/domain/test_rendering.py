"""Rendering limited disclosures into report forms: golden output, escaping, withheld fields."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from dutyflow.domain.case import (
    AbuseType,
    CaseFile,
    ClinicalContext,
    Grounds,
    Guardian,
    HouseholdMember,
    HouseholdRole,
    Incident,
    PhoneReport,
    Reporter,
    SourceOfInformation,
    Suspect,
    Victim,
)
from dutyflow.domain.disclosure import limit_fields
from dutyflow.domain.documents import document_sha256
from dutyflow.domain.rendering import (
    HTML_TEMPLATE,
    TEMPLATES_DIR,
    TEXT_TEMPLATE,
    FormLayout,
    FormLayoutError,
    RenderContext,
    WithheldFieldError,
    layout_paths,
    load_form_layout,
    render_report,
    report_environment,
)

FORM_ID = "us-ca-ss8572"
GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden"
DIAGNOSIS_MARKER = "MARKER-DIAG-7Q"
NOTES_MARKER = "MARKER-NOTES-3K"
MRN_MARKER = "MARKER-MRN-9Z"


def make_case(**grounds_changes: object) -> CaseFile:
    grounds = Grounds(
        suspicion_formed_at=datetime(2026, 11, 24, 14, 30, tzinfo=UTC),
        statutory_basis="Cal. Penal Code 11166(a)",
        source_of_information=SourceOfInformation.VICTIM_DISCLOSED,
        source_description="Disclosed by the child during a scheduled therapy session.",
        observations=(
            "Bruising on the left forearm, roughly four finger-width marks, yellow-green.\n"
            "Child flinched when the door closed.\n"
            "\n"
            "Child was quiet and avoided eye contact for most of the session."
        ),
        statements='Child said: "Dad grabbed my arm hard when I spilled the juice."',
        past_incidents=None,
        abuse_types=[AbuseType.PHYSICAL, AbuseType.EMOTIONAL],
    )
    if grounds_changes:
        grounds = grounds.model_copy(update=grounds_changes)
    return CaseFile(
        reporter=Reporter(
            name="Dr. Jordan Example",
            title="Licensed Clinical Psychologist",
            mandated_reporter_category="Psychologist (PC 11165.7(a)(21))",
            business_name="Example Family Therapy",
            business_address="100 Sample Street, Suite 2\nSacramento, CA 95814",
            phone="(916) 555-0100",
            witnessed_incident=False,
        ),
        grounds=grounds,
        victim=Victim(
            name="Alex Sample",
            birth_date=date(2017, 3, 9),
            approximate_age=9,
            sex="M",
            ethnicity=None,
            address="12 Fictional Lane, Sacramento, CA 95816",
            phone=None,
            present_location="At school (Example Elementary) until 15:00",
            school="Example Elementary",
            grade="4",
            disabilities=None,
            primary_language="English",
            in_foster_care=False,
            out_of_home_care="Day care (after-school programme)",
            relationship_to_suspect="Son",
            photos_taken=False,
            incident_resulted_in_death=False,
            medical_record_number=MRN_MARKER,
        ),
        other_victims=[
            Victim(
                name="Jamie Sample",
                approximate_age=7,
                sex="F",
                present_location="At school (Example Elementary) until 15:00",
                school="Example Elementary",
                grade="2",
                relationship_to_suspect="Daughter",
            )
        ],
        household_members=[
            HouseholdMember(
                name="Drew Sample",
                role=HouseholdRole.SIBLING,
                relationship="Brother",
                approximate_age=3,
                sex="M",
            )
        ],
        guardians=[
            Guardian(name="Casey Sample", relationship="Mother", phone="(916) 555-0111"),
            Guardian(
                name="Robin Sample",
                relationship="Father",
                birth_date=date(1985, 6, 1),
                address="12 Fictional Lane, Sacramento, CA 95816",
            ),
        ],
        suspect=Suspect(
            name="Robin Sample",
            approximate_age=41,
            sex="M",
            address="12 Fictional Lane, Sacramento, CA 95816",
            other_relevant_information="Lives in the home. No known weapons.",
        ),
        incident=Incident(
            occurred_on=date(2026, 11, 22), time_of_day="Evening", place="Family home"
        ),
        clinical_context=ClinicalContext(
            diagnosis=f"Adjustment disorder {DIAGNOSIS_MARKER}",
            psychotherapy_notes=f"Session notes {NOTES_MARKER}",
        ),
        phone_report=PhoneReport(
            agency_name="Sacramento County Child Protective Services",
            official_name="Sam Intake",
            official_title="Hotline social worker",
            phone_number="(916) 555-0199",
            reference_number="HL-2026-000123",
            made_at=datetime(2026, 11, 24, 15, 5, tzinfo=UTC),
        ),
    )


CONTEXT = RenderContext(
    form_code="SS 8572",
    form_title="Suspected Child Abuse Report",
    recipient_name="Sacramento County Child Protective Services",
    recipient_address="P.O. Box 0000\nSacramento, CA 95800",
    case_reference="DF-2026-0042",
    policy_version="us-ca-child-abuse@1",
    policy_citation="Cal. Penal Code 11166, 11167",
    generated_at=datetime(2026, 11, 24, 16, 0, tzinfo=UTC),
)


@pytest.fixture(scope="module")
def layout() -> FormLayout:
    return load_form_layout(FORM_ID)


def render_case(layout: FormLayout, case_file: CaseFile):
    limited = limit_fields(case_file, layout_paths(layout))
    return render_report(layout, limited.fields, CONTEXT)


def test_golden_output(layout: FormLayout) -> None:
    report = render_case(layout, make_case())
    html_path = GOLDEN_DIR / f"{FORM_ID}.html"
    text_path = GOLDEN_DIR / f"{FORM_ID}.txt"
    if os.environ.get("DUTYFLOW_UPDATE_GOLDEN") == "1":
        GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
        html_path.write_text(report.html, encoding="utf-8", newline="")
        text_path.write_text(report.text, encoding="utf-8", newline="")
    assert report.html == html_path.read_bytes().decode("utf-8")
    assert report.text == text_path.read_bytes().decode("utf-8")


def test_deterministic_and_hash(layout: FormLayout) -> None:
    first = render_case(layout, make_case())
    second = render_case(layout, make_case())
    assert first == second
    assert first.sha256 == document_sha256(first.html, first.text)


def test_layout_covers_the_form_but_not_clinical_fields(layout: FormLayout) -> None:
    paths = layout_paths(layout)
    assert {"reporter.name", "phone_report.made_at", "guardians.relationship"} <= paths
    assert "victim.medical_record_number" not in paths
    assert "case_id" not in paths
    assert not any(p.startswith("clinical_context.") for p in paths)
    assert [s.repeat for s in layout.sections].count("guardians") == 1


def test_fields_outside_the_layout_never_appear(layout: FormLayout) -> None:
    report = render_case(layout, make_case())
    for marker in (DIAGNOSIS_MARKER, NOTES_MARKER, MRN_MARKER):
        assert marker not in report.html
        assert marker not in report.text


def test_approved_fields_the_form_has_no_place_for_get_a_section_of_their_own(
    layout: FormLayout,
) -> None:
    additions = ["clinical_context.diagnosis", "victim.medical_record_number"]
    limited = limit_fields(make_case(), layout_paths(layout) | set(additions))

    report = render_report(layout, limited.fields, CONTEXT, additions=additions)
    plain = render_report(layout, limited.fields, CONTEXT)

    extra = " ".join(
        report.text.split("Additional information disclosed under an approved exception")[1].split()
    )
    assert extra.strip("- ").startswith(
        f"Clinical context: diagnosis: Adjustment disorder {DIAGNOSIS_MARKER} "
        f"Victim: medical record number: {MRN_MARKER}"
    )
    assert MRN_MARKER in report.html
    assert DIAGNOSIS_MARKER not in plain.text  # without the approval named, the form alone


def test_an_approved_field_inside_a_list_is_shown_for_each_item() -> None:
    layout = load_form_layout("us-ca-soc341")
    additions = [
        p for p in ("guardians.birth_date", "guardians.phone") if p not in layout_paths(layout)
    ]
    assert additions, "the elder-abuse form shows no guardian"
    limited = limit_fields(make_case(), layout_paths(layout) | set(additions))

    text = " ".join(
        render_report(layout, limited.fields, CONTEXT, additions=additions).text.split()
    )

    assert "Guardians: birth date: 1: Not known 2: 1985-06-01" in text


def test_an_addition_missing_from_the_fields_refuses_to_render(layout: FormLayout) -> None:
    limited = limit_fields(make_case(), layout_paths(layout))

    with pytest.raises(WithheldFieldError, match=re.escape("clinical_context.diagnosis")):
        render_report(layout, limited.fields, CONTEXT, additions=["clinical_context.diagnosis"])


def test_html_in_a_narrative_is_escaped(layout: FormLayout) -> None:
    report = render_case(layout, make_case(observations="<script>alert(1)</script>\nline & two"))
    assert "<script>" not in report.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>line &amp; two" in report.html
    assert "<script>alert(1)</script>" in report.text  # plain text is not HTML-escaped


def test_template_syntax_in_a_narrative_is_literal(layout: FormLayout) -> None:
    report = render_case(layout, make_case(statements="{{ 7*7 }} {% if true %}x{% endif %}"))
    assert "{{ 7*7 }}" in report.html and "{{ 7*7 }}" in report.text
    assert "{% if true %}x{% endif %}" in report.text
    assert "49" not in report.html and "49" not in report.text


def test_autoescape_on_for_html_off_for_text() -> None:
    env = report_environment(TEMPLATES_DIR)
    assert (
        env.get_template(HTML_TEMPLATE)
        .render(
            header=[],
            sections=[],
            form_code="<b>",
            form_title="",
            case_reference="",
            confidentiality_notice="",
        )
        .count("&lt;b&gt;")
        >= 1
    )
    assert env.autoescape(HTML_TEMPLATE) is True
    assert env.autoescape(TEXT_TEMPLATE) is False


def test_withheld_layout_field_refuses_to_render(layout: FormLayout) -> None:
    allowed = layout_paths(layout) - {"victim.school"}
    limited = limit_fields(make_case(), allowed)
    with pytest.raises(WithheldFieldError) as excinfo:
        render_report(layout, limited.fields, CONTEXT)
    assert excinfo.value.path == "victim.school"
    assert "victim.school" in str(excinfo.value)
    assert "Example Elementary" not in str(excinfo.value)


def test_withheld_field_in_a_repeated_section_refuses_to_render(layout: FormLayout) -> None:
    limited = limit_fields(make_case(), layout_paths(layout) - {"guardians.phone"})
    with pytest.raises(WithheldFieldError, match=re.escape("guardians.phone")):
        render_report(layout, limited.fields, CONTEXT)
    no_guardians = {p for p in layout_paths(layout) if not p.startswith("guardians.")}
    limited = limit_fields(make_case(), no_guardians)
    with pytest.raises(WithheldFieldError, match=re.escape("guardians.name")):
        render_report(layout, limited.fields, CONTEXT)


def test_unknowns_empty_lists_and_absent_suspect(layout: FormLayout) -> None:
    case_file = make_case(abuse_types=[]).model_copy(
        update={"guardians": [], "suspect": None, "phone_report": None}
    )
    report = render_case(layout, case_file)
    assert "Parent/guardian: None recorded" in report.text
    assert "Parent/guardian 1" not in report.text
    assert "Type of abuse: None recorded" in report.text
    assert "Agency notified: Not known" in report.text
    assert "Name: Not known" in report.text  # suspect


def test_non_utc_offsets_are_kept(layout: FormLayout) -> None:
    from datetime import timedelta, timezone

    pacific = timezone(timedelta(hours=-8))
    report = render_case(
        layout, make_case(suspicion_formed_at=datetime(2026, 11, 24, 6, 30, tzinfo=pacific))
    )
    assert "Suspicion formed: 2026-11-24 06:30 -08:00" in report.text


@pytest.mark.parametrize("form_id", ["../etc/passwd", "US-CA", "", "a/b", "x" * 65, "ok\n"])
def test_bad_form_ids_are_refused(form_id: str) -> None:
    with pytest.raises(ValueError, match="form_id"):
        load_form_layout(form_id)


def test_unknown_form_id_is_refused() -> None:
    with pytest.raises(FormLayoutError, match="no-such-form"):
        load_form_layout("no-such-form")


def _copy_templates(tmp_path: Path) -> Path:
    target = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, target)
    return target


def test_layout_with_unknown_kind_is_refused(tmp_path: Path) -> None:
    templates = _copy_templates(tmp_path)
    file = templates / "forms" / f"{FORM_ID}.yaml"
    file.write_text(
        file.read_text(encoding="utf-8").replace("kind: narrative}", "kind: essay}", 1),
        encoding="utf-8",
    )
    with pytest.raises(FormLayoutError) as excinfo:
        load_form_layout(FORM_ID, templates)
    assert str(file) in str(excinfo.value)
    assert "essay" in str(excinfo.value)


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("citation: ", "citations: ", "citation"),
        ("path: guardians.name,", "path: victim.name,", "not inside repeat"),
        ("path: victim.school,", "path: victim.shoe_size,", "not a case-file field"),
        ("repeat: guardians", "repeat: victim", "not a list"),
        ("path: suspect.name,", "path: guardians.name,", "goes through a list"),
    ],
)
def test_malformed_layouts_are_refused(tmp_path: Path, old: str, new: str, problem: str) -> None:
    templates = _copy_templates(tmp_path)
    file = templates / "forms" / f"{FORM_ID}.yaml"
    source = file.read_text(encoding="utf-8")
    assert old in source
    file.write_text(source.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(FormLayoutError, match=problem) as excinfo:
        load_form_layout(FORM_ID, templates)
    assert str(file) in str(excinfo.value)


def test_context_requires_an_aware_time() -> None:
    with pytest.raises(ValueError, match="timezone"):
        dataclasses.replace(CONTEXT, generated_at=datetime(2026, 11, 24, 16, 0))
