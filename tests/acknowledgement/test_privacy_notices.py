"""The notice a client is given before therapy starts names every exception to confidentiality,
in every jurisdiction Dutyflow serves, each with its citation; it is rendered for the client as
a page and as text, escaped, and a later wording is a new version."""

from __future__ import annotations

from datetime import date

import pytest

from dutyflow.domain import privacy_notice
from dutyflow.domain.case import ReportKind
from dutyflow.domain.privacy_notice import UnknownNotice

NEW_STATES = ["US-FL", "US-PA", "US-IL", "US-OH", "US-GA", "US-NC", "US-MI"]
JURISDICTIONS = ["US-CA", "US-NY", "US-TX", "GB-ENG", *NEW_STATES]


@pytest.mark.parametrize("jurisdiction", JURISDICTIONS)
def test_each_jurisdiction_has_a_notice_naming_every_exception_with_a_citation(
    jurisdiction: str,
) -> None:
    notice = privacy_notice.current(jurisdiction, date(2026, 11, 26))

    assert notice.jurisdiction == jurisdiction
    assert notice.missing_topics() == []
    assert all(e.citation.strip() for e in notice.exceptions)


@pytest.mark.parametrize("jurisdiction", JURISDICTIONS)
def test_the_notice_renders_for_the_client_as_a_page_and_as_text(jurisdiction: str) -> None:
    notice = privacy_notice.current(jurisdiction, date(2026, 11, 26))

    rendered = privacy_notice.render(
        notice, clinic_name="Demo <Family> Counselling", given_on=date(2026, 11, 26)
    )

    assert "Demo &lt;Family&gt; Counselling" in rendered.html and "<Family>" not in rendered.html
    assert "Demo <Family> Counselling" in rendered.text
    assert "court" in rendered.text.lower() and "child" in rendered.text.lower()
    assert f"version {notice.version}" in rendered.text
    assert len(rendered.sha256) == 64


def test_a_jurisdiction_without_a_notice_is_refused_naming_the_field_never_the_value() -> None:
    with pytest.raises(UnknownNotice) as refused:
        privacy_notice.current("US-WA", date(2026, 11, 26))
    assert refused.value.field == "jurisdiction"
    assert "US-WA" not in str(refused.value)
    with pytest.raises(UnknownNotice) as refused:
        privacy_notice.find("US-CA", "1999.1")
    assert refused.value.field == "notice_version"
    assert "1999.1" not in str(refused.value) and "US-CA" not in str(refused.value)


def test_a_notice_missing_an_exception_is_caught(tmp_path) -> None:
    source = (privacy_notice.NOTICES / "us-ca-2026.1.yaml").read_text()
    trimmed = source.split('  - heading: "A court order."')[0] + source.split("what_is_shared:")[
        1
    ].join(["what_is_shared:", ""])
    (tmp_path / "us-ca-2026.2.yaml").write_text(
        trimmed.replace('version: "2026.1"', 'version: "2026.2"')
    )
    notice = privacy_notice.find("US-CA", "2026.2", folder=tmp_path)
    assert notice.missing_topics() == ["court-order"]


@pytest.mark.parametrize("jurisdiction", NEW_STATES)
def test_a_new_state_notice_names_every_report_kind_on_its_own(jurisdiction: str) -> None:
    notice = privacy_notice.current(jurisdiction, date(2026, 11, 26))
    named = {topic for exception in notice.exceptions for topic in exception.topics}

    assert {kind.value for kind in ReportKind} | {"dependent-adult-abuse"} <= named
    assert any(e.topics == ["subpoena"] for e in notice.exceptions)


@pytest.mark.parametrize("jurisdiction", NEW_STATES)
def test_every_exception_of_a_new_state_notice_says_whether_its_rule_was_verified(
    jurisdiction: str,
) -> None:
    notice = privacy_notice.current(jurisdiction, date(2026, 11, 26))

    assert notice.source_status == "to-confirm"
    assert all(e.source_status in ("verified", "to-confirm") for e in notice.exceptions)


@pytest.mark.parametrize("jurisdiction", NEW_STATES)
def test_the_client_never_reads_the_reviewers_source_status(jurisdiction: str) -> None:
    notice = privacy_notice.current(jurisdiction, date(2026, 11, 26))

    rendered = privacy_notice.render(notice, clinic_name="Demo Clinic", given_on=date(2026, 11, 26))

    for word in ("to-confirm", "verified", "source_status"):
        assert word not in rendered.text and word not in rendered.html
    assert "subpoena" in rendered.text.lower()


@pytest.mark.parametrize("jurisdiction", ["US-CA", "US-NY", "US-TX"])
def test_the_2027_notices_name_supervision_teaching_and_research_use(jurisdiction: str) -> None:
    notice = privacy_notice.current(jurisdiction, date(2027, 1, 1))

    [use] = [e for e in notice.exceptions if "supervision-teaching-research" in e.topics]
    assert notice.version == "2026.2"
    assert "Safe Harbor" in use.text and "164.512(i)" in use.citation


@pytest.mark.parametrize(
    ("jurisdiction", "citation"),
    [("US-CA", "Welfare and Institutions Code 8100(b)"), ("US-NY", "Mental Hygiene Law 9.46")],
)
def test_a_notice_tells_the_firearm_consequence_where_the_law_has_one(
    jurisdiction: str, citation: str
) -> None:
    notice = privacy_notice.current(jurisdiction, date(2027, 1, 1))

    [firearms] = [e for e in notice.exceptions if "firearm" in e.text]
    assert citation in firearms.citation and firearms.topics == ["danger-to-others"]


@pytest.mark.parametrize("jurisdiction", ["US-CA", "US-NY", "US-TX"])
def test_a_notice_no_longer_promises_records_on_a_protective_order_alone(jurisdiction: str) -> None:
    notice = privacy_notice.current(jurisdiction, date(2027, 1, 1))

    [court] = [e for e in notice.exceptions if "court-order" in e.topics]
    assert "protective order" not in court.text and "written" in court.text
