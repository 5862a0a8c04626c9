"""Mandated-reporter training attestations: the shipped file says, with a citation, where the law
asks for training (California's employer statement and licensure coursework, New York's
child-abuse coursework); a report in such a jurisdiction and of such a kind names the training
the practitioner has not recorded, or recorded with a completion still to come or lapsed; and a
file that does not say where a rule comes from is refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dutyflow.domain.training import (
    Attestation,
    TrainingPolicy,
    TrainingPolicyError,
    load_training_policy,
    missing_attestations,
    training_policy,
    training_status,
)

pytestmark = pytest.mark.one_database

SHIPPED = training_policy()
TODAY = date(2026, 12, 3)


def attested(requirement: str, completed_on: date = date(2024, 3, 1)) -> Attestation:
    return Attestation(
        requirement=requirement,
        course="Mandated reporter training",
        completed_on=completed_on,
        evidence_reference="HR file 12",
    )


def test_the_shipped_file_cites_california_and_new_york_for_child_abuse_reports() -> None:
    cited = {(r.jurisdiction, r.citation) for r in SHIPPED.requirements}
    assert ("US-CA", "Cal. Penal Code 11166.5(a)(1)") in cited
    assert ("US-NY", "N.Y. Educ. Law 6507(3)(a)") in cited
    assert all(r.kinds == ["child-abuse"] for r in SHIPPED.requirements)


def test_what_was_not_read_in_the_official_text_is_marked_to_confirm() -> None:
    assert {r.source_status for r in SHIPPED.requirements} == {"to-confirm"}


def test_a_california_child_abuse_report_without_attestations_misses_both_trainings() -> None:
    missing = missing_attestations(SHIPPED, "US-CA", "child-abuse", [], TODAY)
    assert [r.id for r in missing] == ["us-ca-employer-statement", "us-ca-licensure-coursework"]


def test_an_attestation_on_record_is_no_longer_missing() -> None:
    missing = missing_attestations(
        SHIPPED, "US-NY", "child-abuse", [attested("us-ny-child-abuse-coursework")], TODAY
    )
    assert missing == []


def test_another_jurisdictions_attestation_does_not_count() -> None:
    missing = missing_attestations(
        SHIPPED, "US-NY", "child-abuse", [attested("us-ca-employer-statement")], TODAY
    )
    assert [r.id for r in missing] == ["us-ny-child-abuse-coursework"]


def test_a_kind_the_law_asks_no_training_for_misses_nothing() -> None:
    assert missing_attestations(SHIPPED, "US-CA", "danger-to-others", [], TODAY) == []
    assert missing_attestations(SHIPPED, "US-TX", "child-abuse", [], TODAY) == []


def test_the_jurisdiction_is_matched_whatever_its_case() -> None:
    assert missing_attestations(SHIPPED, "us-ny", "child-abuse", [], TODAY)


def test_a_completion_dated_after_the_report_does_not_count_yet() -> None:
    later = attested("us-ny-child-abuse-coursework", completed_on=date(2027, 1, 5))
    missing = missing_attestations(SHIPPED, "US-NY", "child-abuse", [later], TODAY)
    assert [r.id for r in missing] == ["us-ny-child-abuse-coursework"]


def policy_with_validity(years: int) -> TrainingPolicy:
    requirement = SHIPPED.requirements[0].model_copy(update={"valid_for_years": years})
    return TrainingPolicy(version="test", requirements=[requirement])


def test_a_training_valid_for_two_years_lapses_on_its_second_anniversary() -> None:
    policy = policy_with_validity(2)
    done = attested(policy.requirements[0].id, completed_on=date(2024, 12, 3))
    assert missing_attestations(policy, "US-CA", "child-abuse", [done], date(2026, 12, 2)) == []
    assert missing_attestations(policy, "US-CA", "child-abuse", [done], date(2026, 12, 3))


def test_a_leap_day_completion_lapses_on_the_first_of_march() -> None:
    policy = policy_with_validity(1)
    done = attested(policy.requirements[0].id, completed_on=date(2028, 2, 29))
    assert missing_attestations(policy, "US-CA", "child-abuse", [done], date(2029, 2, 28)) == []
    assert missing_attestations(policy, "US-CA", "child-abuse", [done], date(2029, 3, 1))


def test_the_status_lists_every_requirement_with_its_attestation_or_none() -> None:
    status = training_status(SHIPPED, [attested("us-ny-child-abuse-coursework")], TODAY)
    assert [(s.requirement.id, s.met, s.attestation is not None) for s in status] == [
        ("us-ca-employer-statement", False, False),
        ("us-ca-licensure-coursework", False, False),
        ("us-ny-child-abuse-coursework", True, True),
    ]


def test_a_requirement_without_a_citation_is_refused_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "training.yaml"
    bad.write_text(
        "version: '1'\nrequirements:\n  - id: x\n    jurisdiction: US-CA\n"
        "    kinds: [child-abuse]\n    title: A course\n    who: everyone\n"
        "    law_says: something\n    record: a date\n"
        "    effective_from: 2026-01-01\n",
        encoding="utf-8",
    )
    with pytest.raises(TrainingPolicyError, match=r"requirements\.0\.citation"):
        load_training_policy(bad)


def test_two_requirements_with_one_id_are_refused(tmp_path: Path) -> None:
    shipped = (Path(__file__).resolve().parents[2] / "policies" / "training.yaml").read_text()
    doubled = shipped.replace("id: us-ca-licensure-coursework", "id: us-ca-employer-statement")
    (tmp_path / "training.yaml").write_text(doubled, encoding="utf-8")
    with pytest.raises(TrainingPolicyError, match="used twice"):
        load_training_policy(tmp_path / "training.yaml")
