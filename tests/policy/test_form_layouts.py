"""The layout features the new forms use: a fixed statement (escaped like any value) and optional
fields, printed as not disclosed when outside an order's scope while a required field still
refuses to render."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from dutyflow.domain.disclosure import limit_fields, limit_for_recipient
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.domain.policy.coverage import asked_paths
from dutyflow.domain.rendering import (
    TEMPLATES_DIR,
    FormLayoutError,
    RenderContext,
    WithheldFieldError,
    layout_paths,
    load_form_layout,
    private_layout_paths,
    render_report,
    required_layout_paths,
)
from dutyflow.settings import REPO_ROOT
from dutyflow.web.forms import REPORTER_INPUTS
from tests.policy.cases import DIAGNOSIS, sample_case

CONTEXT = RenderContext(
    form_code="Order response",
    form_title="Disclosure",
    recipient_name="Court",
    recipient_address=None,
    case_reference="case-1",
    policy_version="US-CA court-order 2026.1",
    policy_citation="45 CFR 164.512(e)(1)(i)",
    generated_at=datetime(2026, 11, 24, tzinfo=UTC),
)


def copy_templates(tmp_path: Path) -> Path:
    target = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, target)
    return target


def test_optional_fields_outside_the_scope_say_so_on_the_document() -> None:
    layout = load_form_layout("court-order-response")
    shown = required_layout_paths(layout) | {"client.name"}

    report = render_report(layout, limit_fields(sample_case(), shown).fields, CONTEXT)

    assert "Diagnosis: Not disclosed: not authorised by the order" in report.text
    assert "Name: Taylor Client" in report.text
    assert DIAGNOSIS not in report.html


def test_content_marked_private_is_printed_only_where_the_order_names_it() -> None:
    layout = load_form_layout("court-order-response")
    case = sample_case().model_copy(update={"private_content": "MARKER-PRIVATE-FORM"})
    shown = sorted(required_layout_paths(layout))
    label = "Content the practitioner marked private (only where the order names it expressly)"

    unnamed = render_report(
        layout, limit_for_recipient(case, shown, scope=shown, court_order=True).fields, CONTEXT
    )
    named = render_report(
        layout,
        limit_for_recipient(
            case, shown, scope=[*shown, "private_content"], court_order=True
        ).fields,
        CONTEXT,
    )

    assert private_layout_paths(layout) == {"private_content"}
    assert "private_content" not in layout_paths(layout)  # never on an allow-list
    assert f"{label}: Not disclosed: not authorised by the order" in unnamed.text
    assert "MARKER-PRIVATE-FORM" not in unnamed.html
    assert "MARKER-PRIVATE-FORM" in named.text and "MARKER-PRIVATE-FORM" in named.html


def test_a_layout_may_show_private_content_only_as_an_optional_field(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    form = templates / "forms" / "court-order-response.yaml"
    source = form.read_text()
    old = (
        'label: "Content the practitioner marked private (only where the order names it '
        'expressly)", kind: narrative, optional: true}'
    )
    assert old in source
    form.write_text(source.replace(old, old.replace(", optional: true", ""), 1))

    with pytest.raises(FormLayoutError, match=r"private_content.*must be 'optional: true'"):
        load_form_layout("court-order-response", templates)


def test_a_required_field_outside_the_fields_still_refuses_to_render() -> None:
    layout = load_form_layout("court-order-response")
    shown = layout_paths(layout) - {"court_order.case_number"}

    with pytest.raises(WithheldFieldError, match=re.escape("court_order.case_number")):
        render_report(layout, limit_fields(sample_case(), shown).fields, CONTEXT)


def test_a_statement_is_escaped_like_any_value(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    form = templates / "forms" / "safety-notice.yaml"
    form.write_text(
        form.read_text().replace(
            "    This notice tells you only what you need to help.",
            "    <b>This notice</b> {{ 7*7 }} tells you only what you need to help.",
        )
    )
    layout = load_form_layout("safety-notice", templates)
    fields = limit_fields(sample_case(), layout_paths(layout)).fields

    report = render_report(layout, fields, CONTEXT, templates)

    assert "&lt;b&gt;This notice&lt;/b&gt; {{ 7*7 }}" in report.html
    assert "<b>" not in report.html and "49" not in report.html


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            "kind: text, optional: true}",
            "kind: text, optional: maybe}",
            "'optional' must be true or false",
        ),
        (
            'withheld_text: "Not disclosed: not authorised by the order"',
            "withheld_text: ''",
            "'withheld_text' must be a non-empty string",
        ),
    ],
)
def test_malformed_new_layout_keys_are_refused(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    templates = copy_templates(tmp_path)
    form = templates / "forms" / "court-order-response.yaml"
    source = form.read_text()
    assert old in source
    form.write_text(source.replace(old, new, 1))

    with pytest.raises(FormLayoutError, match=problem):
        load_form_layout("court-order-response", templates)


def test_a_statement_must_be_a_list_of_paragraphs(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    form = templates / "forms" / "safety-notice.yaml"
    form.write_text(form.read_text().replace("statement:\n", "statement: 3\nold_statement:\n", 1))

    with pytest.raises(FormLayoutError):
        load_form_layout("safety-notice", templates)


def assert_on_the_form_asked_and_allowed(
    form: str, jurisdiction: str, kind: str, wanted: set[str]
) -> None:
    policy = PolicyLibrary(REPO_ROOT / "policies").in_effect(jurisdiction, kind, date(2026, 12, 3))

    assert wanted <= layout_paths(load_form_layout(form))
    assert wanted <= asked_paths(policy)
    for recipient in policy.recipients:
        if recipient.form == form:
            assert wanted <= set(recipient.allowed_fields), recipient.id


def test_ss8572_asks_of_every_victim_the_care_type_photos_and_death_its_section_c_shows() -> None:
    """SS 8572 section C (to confirm against the DOJ form): the type of out-of-home care at the
    time of the incident, whether photos were taken, whether the incident resulted in the
    victim's death: on the form for each victim, asked, and on every recipient's allow-list."""
    wanted = {
        f"{section}.{name}"
        for section in ("victim", "other_victims")
        for name in ("out_of_home_care", "photos_taken", "incident_resulted_in_death")
    }
    assert_on_the_form_asked_and_allowed("us-ca-ss8572", "US-CA", "child-abuse", wanted)


def test_soc341_asks_the_reporters_waiver_and_the_suspects_physical_description() -> None:
    """SOC 341 section D: the reporting party's choice to waive confidentiality; section B: the
    suspected abuser's physical description (both to confirm against the CDSS form)."""
    wanted = {"elder_abuse.reporter_confidentiality_waiver", "suspect.physical_description"}
    assert_on_the_form_asked_and_allowed("us-ca-soc341", "US-CA", "elder-abuse", wanted)


def test_soc341_gives_the_reporting_partys_e_mail_asked_with_the_reporter() -> None:
    """SOC 341, reporting party: an e-mail address (the earlier CDSS revision's block has it).
    The reporter is asked on the new-report page (prefilled from the profile), not by a
    grounds question."""
    policy = PolicyLibrary(REPO_ROOT / "policies").in_effect(
        "US-CA", "elder-abuse", date(2026, 12, 3)
    )

    assert "reporter.email" in layout_paths(load_form_layout("us-ca-soc341"))
    assert "reporter.email" in {path for path, _label, _required in REPORTER_INPUTS}
    for recipient in policy.recipients:
        assert "reporter.email" in recipient.allowed_fields, recipient.id


def test_ldss2221a_asks_the_actions_taken_by_the_reporting_source() -> None:
    """N.Y. SSL 415: the written report includes the actions taken by the reporting source."""
    wanted = {"grounds.actions_taken"}
    assert_on_the_form_asked_and_allowed("us-ny-ldss2221a", "US-NY", "child-abuse", wanted)


def test_ldss2221a_asks_and_prints_the_aliases_of_every_subject_of_the_report() -> None:
    """LDSS-2221A, subjects of report: every child in the household, adult responsible and
    alleged subject is listed with an Aliases column (copies Rev. 10/2002 and Rev. 09/2016)."""
    wanted = {
        f"{section}.aliases"
        for section in ("victim", "other_victims", "guardians", "household_members", "suspect")
    }
    assert_on_the_form_asked_and_allowed("us-ny-ldss2221a", "US-NY", "child-abuse", wanted)


def test_the_dfps_report_names_the_others_living_in_the_home() -> None:
    """DFPS reporting FAQ: People Involved names the alleged victims, the alleged perpetrators
    and the others living in the home."""
    wanted = {f"household_members.{name}" for name in ("name", "relationship", "approximate_age")}
    assert_on_the_form_asked_and_allowed("us-tx-dfps-report", "US-TX", "child-abuse", wanted)
