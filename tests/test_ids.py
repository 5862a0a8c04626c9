"""The composite ids are stored in databases, audit logs and Temporal histories: each function
must give exactly the string Dutyflow has always stored."""

from __future__ import annotations

from dutyflow import ids

CASE = "case-7f3a"


def test_an_obligation_disclosure_and_document_share_the_case_and_recipient_id() -> None:
    assert ids.obligation_id(CASE, "county-aps") == "case-7f3a/county-aps"
    assert ids.disclosure_id(CASE, "county-aps") == "case-7f3a/county-aps"
    assert ids.document_id(CASE, "potential-victim-2") == "case-7f3a/potential-victim-2"


def test_a_supplement_is_numbered_within_its_case_and_copied_per_recipient() -> None:
    assert ids.supplement_id(CASE, 2) == "case-7f3a/supplement/2"
    copy = ids.supplement_recipient_id("county-aps", 1)
    assert copy == "county-aps/supplement-1"
    assert ids.document_id(CASE, copy) == "case-7f3a/county-aps/supplement-1"
    assert ids.supplemented_recipient_id(copy) == "county-aps"
    assert ids.supplemented_recipient_id("county-aps") == "county-aps"


def test_a_report_id_is_the_uuid5_of_case_recipient_and_document() -> None:
    assert ids.report_id(CASE, "county-aps", "ab" * 32) == "9cae48b0-6099-517e-88e2-4db66fa22d19"


def test_an_accounting_entry_id_is_the_uuid5_of_case_recipient_and_channel() -> None:
    assert (
        ids.accounting_entry_id(CASE, "potential-victim-1", "phone")
        == "f6470631-bd2e-5b1c-bcf4-2bc3d1d230cb"
    )


def test_decision_ids_name_the_topic() -> None:
    assert ids.disclosure_decision_id(CASE, "law-enforcement") == (
        "case-7f3a/disclosure/law-enforcement"
    )
    assert ids.inform_client_decision_id(CASE) == "case-7f3a/inform-client"


def test_an_escalation_is_one_per_deadline_and_person_told() -> None:
    assert ids.escalation_id(CASE, "written-report", "supervisor") == (
        "case-7f3a/written-report/supervisor"
    )
    assert ids.escalation_key("written-report", "supervisor") == "written-report/supervisor"
    assert ids.escalation_id(CASE, ids.acknowledgement_deadline_id("cws"), "practitioner") == (
        "case-7f3a/acknowledgement:cws/practitioner"
    )


def test_consultations_and_exceptions_are_numbered_within_the_case() -> None:
    assert ids.consultation_id(CASE, 2) == "case-7f3a/consultation/2"
    assert ids.exception_id(3) == "exception-3"
    assert ids.exception_row_id(CASE, ids.exception_id(3)) == "case-7f3a/exception-3"


def test_a_contact_attempt_is_numbered_per_recipient() -> None:
    attempt = ids.contact_attempt_id(CASE, "potential-victim-1", 4)

    assert attempt == "case-7f3a/potential-victim-1/4"
    assert ids.attempt_number(attempt) == "4"
    assert ids.contact_attempt_key("potential-victim-1", attempt) == "potential-victim-1/4"


def test_a_step_key_is_the_case_and_step_with_an_optional_suffix() -> None:
    assert ids.step_key(CASE, "case-opened") == "case-7f3a/case-opened"
    assert ids.step_key(CASE, "fields-limited", "cws") == "case-7f3a/fields-limited/cws"


def test_a_step_done_again_after_a_revision_has_its_own_key() -> None:
    assert ids.revision_suffix(0) == ""
    assert ids.revision_suffix(2) == "revision-2"
    assert ids.step_key(CASE, "obligations-determined", ids.revision_suffix(2)) == (
        "case-7f3a/obligations-determined/revision-2"
    )


def test_a_recipient_step_done_again_after_an_approved_exception_has_its_own_key() -> None:
    assert ids.additions_suffix("cws", 0) == "cws"
    assert ids.additions_suffix("cws", 1) == "cws/additions-1"


def test_an_agency_refusal_is_keyed_by_recipient_and_the_message_digest() -> None:
    assert ids.delivery_problem_key("cws", "0123456789abcdef" + "f" * 48) == (
        "cws/0123456789abcdef"
    )
