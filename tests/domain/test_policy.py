"""Policy is data: the shipped US-CA child-abuse policy says who receives what, by when, and why."""

from __future__ import annotations

import copy
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from dutyflow.domain.policy import (
    REPORT_KINDS,
    NoPolicyError,
    Policy,
    PolicyError,
    PolicyLibrary,
    load_policy_file,
    validation_problems,
)
from dutyflow.domain.rendering import layout_paths, load_form_layout
from dutyflow.settings import REPO_ROOT

LIBRARY = PolicyLibrary(REPO_ROOT / "policies")


def ca_child():
    return LIBRARY.in_effect("US-CA", "child-abuse", date(2026, 11, 26))


def test_every_rule_is_cited_and_dated() -> None:
    policy = ca_child()
    rules = [
        policy.trigger,
        policy.legal_basis,
        policy.phone_report_first,
        policy.recipient_selection,
        policy.reporter_identity,
        *policy.statutory_bases,
        *policy.recipients,
        *policy.deadlines,
    ]
    for rule in rules:
        assert rule.citation and rule.effective_from <= date(2026, 11, 26)


def test_recipients_are_those_of_penal_code_11165_9() -> None:
    policy = ca_child()

    assert {r.id for r in policy.recipients} == {
        "county-child-welfare",
        "law-enforcement",
        "county-probation",
    }
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

    with pytest.raises(PolicyError, match=re.escape("victim.favourite_colour")):
        load_policy_file(path)


# --- the schema every policy file meets (issue 3) -------------------------------------------------

CA_CHILD_RAW = yaml.safe_load((REPO_ROOT / "policies/us-ca/child-abuse/2026.1.yaml").read_text())
ELDER_RAW = yaml.safe_load((REPO_ROOT / "policies/us-ca/elder-abuse/2026.1.yaml").read_text())
RULE = {"citation": "Test Code 1", "effective_from": "2026-01-01", "source_status": "to-confirm"}


def refused(raw: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as err:
        Policy.model_validate(raw)
    return str(err.value)


def _load_error(raw: dict[str, Any]) -> PolicyError:
    with pytest.raises(ValidationError) as err:
        Policy.model_validate(raw)
    problems = "; ".join(f"{r}: {p}" for r, p in validation_problems(raw, err.value))
    return PolicyError(problems)


def ca_child_raw(**changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(CA_CHILD_RAW)
    raw.update(changes)
    return raw


def test_every_shipped_policy_loads_and_names_a_known_kind() -> None:
    files = LIBRARY.all_files()

    assert len(files) == 66  # six kinds in each of eleven jurisdictions
    for path in files:
        assert load_policy_file(path).kind in REPORT_KINDS


def test_the_ca_child_policy_keeps_the_deadlines_the_workflow_runs_on() -> None:
    policy = ca_child()
    phone, written = policy.deadline("phone-report"), policy.deadline("written-report")

    assert phone is not None and phone.within == timedelta(minutes=15)
    assert written is not None and written.within == timedelta(hours=36)
    assert policy.phone_report_first.required
    assert policy.legal_basis.hipaa_route == "45 CFR 164.512(b)(1)(ii)"


def test_every_rule_says_where_it_comes_from() -> None:
    names = [name for name, _ in ca_child().rules()]

    assert "recipients[county-child-welfare]" in names
    assert "recipients[county-child-welfare].channels[0]" in names
    assert "grounds_questions[child]" in names
    assert "protected_data[part2]" in names


def test_a_rule_without_an_effective_date_is_refused_by_its_id() -> None:
    raw = ca_child_raw()
    del raw["recipients"][1]["effective_from"]

    assert "recipients[law-enforcement].effective_from: Field required" in str(_load_error(raw))


def test_an_allow_list_may_never_name_psychotherapy_notes() -> None:
    raw = ca_child_raw()
    raw["recipients"][0]["allowed_fields"] = [
        *raw["recipients"][0]["allowed_fields"],
        "clinical_context.psychotherapy_notes",
    ]

    assert "is psychotherapy-notes data" in refused(raw)


def test_a_recipient_the_rule_does_not_name_may_not_see_the_reporter() -> None:
    raw = ca_child_raw()
    raw["reporter_identity"]["visible_to"] = ["county-child-welfare"]

    assert "recipients[law-enforcement].allowed_fields: names the reporter" in refused(raw)


def test_a_required_disclosure_needs_a_deadline() -> None:
    assert "a required disclosure needs at least one deadline" in refused(
        ca_child_raw(deadlines=[])
    )


def test_a_phone_report_first_needs_a_phone_report_deadline() -> None:
    raw = ca_child_raw()
    raw["deadlines"] = [d for d in raw["deadlines"] if d["id"] != "phone-report"]

    assert "a phone report first needs a phone-report deadline" in refused(raw)


def test_a_working_days_deadline_gives_days_and_a_calendar_not_hours() -> None:
    raw = ca_child_raw()
    raw["deadlines"][1] = {**raw["deadlines"][1], "clock": "working-days", "working_days": 2}

    assert "a working-days deadline gives working_days and calendar, not within" in refused(raw)


def test_a_routed_selection_needs_its_fallback_route_last() -> None:
    raw = copy.deepcopy(ELDER_RAW)
    raw["recipient_selection"]["routes"].reverse()

    assert "exactly one route without conditions (the fallback), and it comes last" in refused(raw)


def test_a_routing_condition_must_name_a_case_field() -> None:
    raw = copy.deepcopy(ELDER_RAW)
    raw["recipient_selection"]["routes"][0]["when"][0]["fact"] = "care_setting.nursing_home"

    assert "'care_setting.nursing_home' is not a field of the case model" in refused(raw)


def test_a_conditional_deadline_needs_an_unconditional_fallback() -> None:
    raw = copy.deepcopy(ELDER_RAW)
    raw["deadlines"] = [
        d for d in raw["deadlines"] if d["id"] != "written-report" or d.get("applies_when")
    ]

    assert "deadlines[written-report]: needs one deadline without conditions" in refused(raw)


def test_imminent_danger_may_not_be_made_to_wait_on_a_supervisor() -> None:
    raw = ca_child_raw()
    raw["supervisor_consultation"] = {
        **raw["supervisor_consultation"],
        "imminent_danger_proceeds": False,
    }

    assert "supervisor_consultation.imminent_danger_proceeds" in refused(raw)


def test_a_court_order_policy_says_how_the_order_limits_disclosure() -> None:
    raw = yaml.safe_load((REPO_ROOT / "policies/us-ca/court-order/2026.1.yaml").read_text())
    del raw["order_scope"]

    assert "a court-order policy says how the order limits disclosure" in refused(raw)


def test_a_subpoena_policy_says_what_assurance_comes_first() -> None:
    raw = yaml.safe_load((REPO_ROOT / "policies/us-ca/subpoena/2026.1.yaml").read_text())
    del raw["satisfactory_assurance"]

    assert "a subpoena policy says what assurance must come first" in refused(raw)


def test_a_uk_policy_names_its_gdpr_basis_with_an_article_9_condition() -> None:
    raw = yaml.safe_load((REPO_ROOT / "policies/gb-eng/child-abuse/2026.1.yaml").read_text())
    del raw["legal_basis"]["gdpr_article_9"]

    assert "health data needs an Art 9(2) condition" in refused(raw)


def test_a_person_recipient_says_where_its_contact_comes_from() -> None:
    raw = yaml.safe_load((REPO_ROOT / "policies/us-ca/danger-to-others/2026.1.yaml").read_text())
    del raw["recipients"][0]["contact_from"]

    assert "a person recipient needs the case-file section" in refused(raw)


def test_an_exception_to_inform_the_client_needs_a_duty_to_inform() -> None:
    raw = ca_child_raw()
    raw["inform_client"]["exceptions"] = [{"id": "x", "description": "x", **RULE}]

    assert "only a duty to inform has exceptions" in refused(raw)


def test_the_case_models_report_kinds_all_have_policy_names() -> None:
    from dutyflow.domain.case import ReportKind

    assert {kind.value for kind in ReportKind} <= set(REPORT_KINDS)
