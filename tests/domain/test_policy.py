"""Policy is data: the shipped US-CA child-abuse policy says who receives what, by when, and why."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from dutyflow.domain.policy import NoPolicyError, PolicyError, PolicyLibrary, load_policy_file
from dutyflow.domain.rendering import layout_paths, load_form_layout
from dutyflow.settings import REPO_ROOT

LIBRARY = PolicyLibrary(REPO_ROOT / "policies")


def ca_child():
    return LIBRARY.in_effect("US-CA", "child-abuse", date(2026, 11, 26))


def test_every_rule_is_cited_and_dated() -> None:
    policy = ca_child()
    rules = [policy.trigger, policy.legal_basis, policy.phone_report_first,
             policy.recipient_selection, policy.reporter_identity,
             *policy.statutory_bases, *policy.recipients, *policy.deadlines]
    for rule in rules:
        assert rule.citation and rule.effective_from <= date(2026, 11, 26)


def test_recipients_are_those_of_penal_code_11165_9() -> None:
    policy = ca_child()

    assert {r.id for r in policy.recipients} == {"county-child-welfare", "law-enforcement"}
    assert all(r.citation == "Cal. Penal Code 11165.9" for r in policy.recipients)


def test_written_report_is_due_36_hours_after_the_suspicion_was_formed() -> None:
    formed = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)

    assert ca_child().due_at("written-report", formed) == formed + timedelta(hours=36)


def test_the_allow_list_is_the_form_and_excludes_clinical_content() -> None:
    recipient = ca_child().recipient("county-child-welfare")

    assert set(recipient.allowed_fields) == layout_paths(load_form_layout(recipient.form))
    assert not [f for f in recipient.allowed_fields if f.startswith("clinical_context.")]
    assert "victim.medical_record_number" not in recipient.allowed_fields


def test_no_policy_for_an_unknown_jurisdiction() -> None:
    with pytest.raises(NoPolicyError, match="US-ZZ"):
        LIBRARY.in_effect("US-ZZ", "child-abuse", date(2026, 11, 26))


def test_a_path_like_jurisdiction_is_refused() -> None:
    with pytest.raises(NoPolicyError, match="jurisdiction"):
        LIBRARY.in_effect("../../etc", "child-abuse", date(2026, 11, 26))


def test_no_policy_before_it_takes_effect() -> None:
    with pytest.raises(NoPolicyError):
        LIBRARY.in_effect("US-CA", "child-abuse", date(2025, 12, 31))


def test_a_rule_without_citation_is_refused_naming_the_file_and_rule(tmp_path: Path) -> None:
    source = (REPO_ROOT / "policies/us-ca/child-abuse/2026.1.yaml").read_text()
    broken = source.replace("  citation: Cal. Penal Code 11166(a), 11165.7\n", "", 1)
    path = tmp_path / "us-ca/child-abuse/2026.1.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(broken)

    with pytest.raises(PolicyError) as refused:
        load_policy_file(path)

    assert str(path) in str(refused.value) and "trigger.citation" in str(refused.value)


def test_an_allow_list_naming_an_unknown_field_is_refused(tmp_path: Path) -> None:
    source = (REPO_ROOT / "policies/us-ca/child-abuse/2026.1.yaml").read_text()
    path = tmp_path / "us-ca/child-abuse/2026.1.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(source.replace("- victim.name\n", "- victim.favourite_colour\n", 1))

    with pytest.raises(PolicyError, match="victim.favourite_colour"):
        load_policy_file(path)
