"""Golden files of every form layout (SS 8572's is in tests/domain/test_rendering.py), each
rendered from the fields its policy lets that recipient see. Regenerate after a deliberate
layout change with ``DUTYFLOW_UPDATE_GOLDEN=1`` and review the diff like any other change of
law."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from dutyflow.domain.disclosure import limit_for_recipient
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.domain.rendering import (
    TEMPLATES_DIR,
    RenderContext,
    RenderedReport,
    load_form_layout,
    render_report,
)
from dutyflow.settings import REPO_ROOT
from tests.policy.cases import DIAGNOSIS, NOTES, PART2, sample_case

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden"
LIBRARY = PolicyLibrary(REPO_ROOT / "policies")
GENERATED_AT = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Sample:
    form: str
    jurisdiction: str
    kind: str
    recipient: str
    recipient_name: str
    recipient_address: str | None = None


SAMPLES = [
    Sample(
        "us-ca-soc341",
        "US-CA",
        "elder-abuse",
        "county-aps",
        "Demo County Adult Protective Services",
        "110 Main Street, Demo City, CA 90000",
    ),
    Sample(
        "us-ny-ldss2221a",
        "US-NY",
        "child-abuse",
        "local-cps",
        "Demo County (NY) Child Protective Services",
    ),
    Sample("us-tx-dfps-report", "US-TX", "child-abuse", "dfps", "Demo Texas Abuse Hotline (DFPS)"),
    Sample(
        "us-tx-dfps-adult-report",
        "US-TX",
        "elder-abuse",
        "dfps",
        "Demo Texas Abuse Hotline (DFPS)",
    ),
    Sample(
        "potential-victim-notice",
        "US-CA",
        "danger-to-others",
        "potential-victim",
        "Morgan Partner",
        "3 Third Street, Sacramento, CA 95819",
    ),
    Sample(
        "law-enforcement-notification",
        "US-CA",
        "danger-to-others",
        "law-enforcement",
        "Demo County Sheriff's Department",
    ),
    Sample("safety-notice", "US-CA", "danger-to-self", "support-contact", "Pat Client"),
    Sample(
        "us-ny-mhl946-report",
        "US-NY",
        "danger-to-others",
        "county-dcs",
        "Demo County (NY) Director of Community Services",
    ),
    Sample(
        "court-order-response", "US-CA", "court-order", "court", "Clerk of the Court, Department 12"
    ),
    Sample("subpoena-response", "US-CA", "subpoena", "requesting-party", "Example & Partners LLP"),
    Sample(
        "gb-la-referral",
        "GB-ENG",
        "child-abuse",
        "la-childrens-social-care",
        "Demo Borough Council Children's Social Care",
    ),
    Sample(
        "institution-notice",
        "US-NY",
        "child-abuse",
        "person-in-charge",
        "Dr Robin Lead, Clinical Director",
    ),
    Sample(
        "adult-protective-referral",
        "US-NY",
        "elder-abuse",
        "county-aps",
        "Demo County (NY) Adult Protective Services",
    ),
    Sample(
        "us-fl-abuse-hotline-report",
        "US-FL",
        "child-abuse",
        "abuse-hotline",
        "Florida Abuse Hotline (Department of Children and Families)",
    ),
    Sample(
        "child-protective-referral",
        "US-OH",
        "child-abuse",
        "children-services",
        "Franklin County Children Services",
    ),
    Sample(
        "us-pa-cy47",
        "US-PA",
        "child-abuse",
        "childline",
        "ChildLine (Department of Human Services)",
    ),
    Sample(
        "us-il-written-confirmation",
        "US-IL",
        "child-abuse",
        "dcfs-hotline",
        "Child Abuse and Neglect Hotline (Department of Children and Family Services)",
    ),
    Sample(
        "us-il-foid-cpd-report",
        "US-IL",
        "danger-to-others",
        "dhs-foid-report",
        "FOID Mental Health Reporting System (Department of Human Services)",
    ),
    Sample(
        "us-mi-dhs3200",
        "US-MI",
        "child-abuse",
        "centralized-intake",
        "Centralized Intake for Abuse and Neglect (Department of Health and Human Services)",
    ),
]
# State forms whose official layout was not read: marked so until someone checks them.
TO_VERIFY = ["us-mi-dhs3200", "us-il-foid-cpd-report"]


def render(sample: Sample) -> RenderedReport:
    policy = LIBRARY.in_effect(sample.jurisdiction, sample.kind, date(2026, 11, 26))
    recipient = policy.recipient(sample.recipient)
    assert recipient.form == sample.form
    case = sample_case()
    limited = limit_for_recipient(
        case,
        recipient.allowed_fields,
        scope=policy.scope_for(recipient.id, case.model_dump(mode="json")),
    )
    layout = load_form_layout(sample.form)
    return render_report(
        layout,
        limited.fields,
        RenderContext(
            form_code=layout.code,
            form_title=layout.title,
            recipient_name=sample.recipient_name,
            recipient_address=sample.recipient_address,
            case_reference="DF-2026-0042",
            policy_version=f"{policy.jurisdiction} {policy.kind} {policy.version}",
            policy_citation=recipient.allowed_fields_citation,
            generated_at=GENERATED_AT,
        ),
    )


def assert_matches_golden(form: str, report: RenderedReport) -> None:
    html_path = GOLDEN_DIR / f"{form}.html"
    text_path = GOLDEN_DIR / f"{form}.txt"
    if os.environ.get("DUTYFLOW_UPDATE_GOLDEN") == "1":
        html_path.write_text(report.html, encoding="utf-8", newline="")
        text_path.write_text(report.text, encoding="utf-8", newline="")
    assert report.html == html_path.read_bytes().decode("utf-8")
    assert report.text == text_path.read_bytes().decode("utf-8")


def test_every_form_layout_has_a_golden_sample() -> None:
    forms = {p.stem for p in (TEMPLATES_DIR / "forms").glob("*.yaml")}

    assert forms == {s.form for s in SAMPLES} | {"us-ca-ss8572"}


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.form for s in SAMPLES])
def test_golden_output(sample: Sample) -> None:
    assert_matches_golden(sample.form, render(sample))


@pytest.mark.parametrize("form", TO_VERIFY)
def test_a_new_state_form_is_marked_to_verify_and_carries_no_clinical_record(form: str) -> None:
    report = render(next(s for s in SAMPLES if s.form == form))

    assert load_form_layout(form).layout_status == "to-verify"
    for secret in (NOTES, PART2, DIAGNOSIS, "MRN-SHOULD-NOT-APPEAR"):
        assert secret not in report.html and secret not in report.text


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.form for s in SAMPLES])
def test_no_form_carries_notes_part2_or_the_medical_record_number(sample: Sample) -> None:
    report = render(sample)
    for secret in (NOTES, PART2, "MRN-SHOULD-NOT-APPEAR"):
        assert secret not in report.html and secret not in report.text


@pytest.mark.parametrize("form", ["potential-victim-notice", "safety-notice"])
def test_a_notice_has_no_diagnosis_therapy_content_or_reporter(form: str) -> None:
    report = render(next(s for s in SAMPLES if s.form == form))
    case = sample_case()
    for withheld in (
        DIAGNOSIS,
        case.clinical_context.treatment_summary,
        case.reporter.name,
        case.reporter.phone,
        case.grounds.observations.splitlines()[0],
    ):
        assert withheld is not None
        assert withheld not in report.text and withheld not in report.html


def test_the_victim_notice_does_not_name_other_people_at_risk() -> None:
    report = render(next(s for s in SAMPLES if s.form == "potential-victim-notice"))

    assert "Morgan Partner" not in report.text.split("Recipient: Morgan Partner", 1)[1]


def test_a_court_order_response_says_what_the_order_did_not_authorise() -> None:
    report = render(next(s for s in SAMPLES if s.form == "court-order-response"))

    assert "Diagnosis: Not disclosed: not authorised by the order" in report.text
    assert DIAGNOSIS not in report.text
    assert "Dates of treatment: 2026-03-02 to 2026-11-23, weekly" in report.text


def test_the_ny_mhl_9_46_report_carries_no_clinical_information() -> None:
    report = render(next(s for s in SAMPLES if s.form == "us-ny-mhl946-report"))
    case = sample_case()

    assert case.threat is not None and case.threat.description is not None
    assert case.threat.description not in report.text
    assert "Name: Taylor Client" in report.text
