"""Field limiting: a recipient receives exactly its allow-list, nothing more."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from dutyflow.domain.case import (
    CaseFile,
    ClinicalContext,
    Grounds,
    Guardian,
    Reporter,
    Victim,
)
from dutyflow.domain.disclosure import UnknownFieldError, leaf_paths, limit_fields


def case_file(**changes) -> CaseFile:
    values = dict(
        reporter=Reporter(
            name="R. Reporter",
            title="LMFT",
            mandated_reporter_category="therapist",
            business_name="Clinic",
            business_address="1 St",
            phone="555",
        ),
        grounds=Grounds(
            suspicion_formed_at=datetime(2026, 11, 24, 14, 30, tzinfo=UTC),
            statutory_basis="PC 11166(a)",
            source_of_information="victim-disclosed",
            observations="observed bruising",
        ),
        victim=Victim(name="V. Child", medical_record_number="MRN-1"),
        guardians=[Guardian(name="G. One", phone="555-1"), Guardian(name="G. Two", phone="555-2")],
        clinical_context=ClinicalContext(diagnosis="DX-1"),
    )
    values.update(changes)
    return CaseFile(**values)


def test_only_allow_listed_leaves_are_copied() -> None:
    limited = limit_fields(case_file(), ["victim.name", "grounds.observations"])

    assert limited.fields["victim"] == {"name": "V. Child"}
    assert limited.fields["grounds"] == {"observations": "observed bruising"}
    assert "clinical_context" not in limited.fields
    assert "reporter" not in limited.fields


def test_withheld_fields_are_named_but_their_values_are_not_kept() -> None:
    limited = limit_fields(case_file(), ["victim.name"])

    assert "clinical_context.diagnosis" in limited.withheld_paths
    assert "victim.medical_record_number" in limited.withheld_paths
    assert "DX-1" not in repr(limited.withheld_paths)
    assert limited.disclosed_paths == ["victim.name"]


def test_list_fields_apply_to_every_item() -> None:
    limited = limit_fields(case_file(), ["guardians.name"])

    assert limited.fields["guardians"] == [{"name": "G. One"}, {"name": "G. Two"}]
    assert "guardians.phone" in limited.withheld_paths


def test_allowed_but_unknown_fields_are_present_as_none() -> None:
    limited = limit_fields(case_file(), ["suspect.name", "victim.school"])

    assert limited.fields["suspect"] == {"name": None}
    assert limited.fields["victim"] == {"school": None}
    assert limited.disclosed_paths == []


def test_an_empty_list_stays_a_list() -> None:
    limited = limit_fields(case_file(guardians=[]), ["guardians.name"])

    assert limited.fields["guardians"] == []


def test_an_allow_list_naming_an_unknown_field_is_refused() -> None:
    with pytest.raises(UnknownFieldError, match=re.escape("victim.nickname")):
        limit_fields(case_file(), ["victim.nickname"])


def test_a_new_model_field_is_withheld_until_a_policy_names_it() -> None:
    every_field_but_one = [p for p in leaf_paths() if p != "clinical_context.diagnosis"]

    limited = limit_fields(case_file(), every_field_but_one)

    assert limited.withheld_paths == ["clinical_context.diagnosis"]
