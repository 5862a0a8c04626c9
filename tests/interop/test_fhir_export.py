"""The FHIR export of a case's disclosures: valid R4B resources, IHE BALP PrivacyDisclosure
AuditEvents, one AuditEvent / Communication / Provenance per delivery, a Consent only where the
disclosure rests on the client's agreement, and never any case content."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.consent import Consent

from dutyflow.api.deps import provide_database
from dutyflow.api.routes import fhir as fhir_routes
from dutyflow.domain.case import ReportKind
from dutyflow.interop import fhir
from dutyflow.interop.export import CaseNotFound, export_case
from dutyflow.store.db import SessionFactory
from dutyflow.store.tables import CaseRecord, ObligationRecord
from tests.auth.helpers import bearer, new_user
from tests.interop.records import (
    COUNTY_CWS,
    DISCLOSED,
    SHERIFF,
    WITHHELD,
    Recipient,
    SeededCase,
    seed_case,
)

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = pytest.mark.one_database

AGREEMENT = {"agreed_at": "2026-03-01T10:00:00+00:00", "recorded_by": "practitioner-0042"}


def export(sessions: SessionFactory, case_id: str) -> dict[str, Any]:
    with sessions() as session:
        return export_case(session, case_id)


def resources(bundle: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type
    ]


def coding(concept: dict[str, Any]) -> tuple[str, str]:
    first = concept["coding"][0]
    return first["system"], first["code"]


def agent_of(event: dict[str, Any], system: str, code: str) -> dict[str, Any]:
    matches: list[dict[str, Any]] = [
        a for a in event["agent"] if coding(a["type"]) == (system, code)
    ]
    assert len(matches) == 1, f"expected one agent {code}, found {len(matches)}"
    return matches[0]


def assert_round_trips(bundle: dict[str, Any]) -> None:
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "collection"
    assert bundle["entry"], "an empty bundle round-trips trivially"
    for entry in bundle["entry"]:
        resource = entry["resource"]
        model = get_fhir_model_class(resource["resourceType"])
        again = model.model_validate(resource)
        assert json.loads(again.model_dump_json()) == resource
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"


@pytest.fixture
def two_agency_case(sessions: SessionFactory) -> SeededCase:
    return seed_case(sessions, recipients=(COUNTY_CWS, SHERIFF))


def test_every_exported_resource_is_valid_r4b(
    sessions: SessionFactory, two_agency_case: SeededCase
) -> None:
    bundle = export(sessions, two_agency_case.case_id)
    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "collection"
    assert bundle["identifier"] == {"system": fhir.IdSystem.CASE, "value": two_agency_case.case_id}
    assert_round_trips(bundle)


def test_one_audit_event_communication_and_provenance_per_delivery_and_no_consent(
    sessions: SessionFactory, two_agency_case: SeededCase
) -> None:
    bundle = export(sessions, two_agency_case.case_id)
    report_ids = set(two_agency_case.report_ids.values())
    assert len(report_ids) == 2

    events = resources(bundle, "AuditEvent")
    assert {e["entity"][1]["what"]["identifier"]["value"] for e in events} == report_ids
    assert len(events) == 2

    provenances = resources(bundle, "Provenance")
    assert {p["target"][0]["identifier"]["value"] for p in provenances} == report_ids
    assert len(provenances) == 2

    communications = resources(bundle, "Communication")
    electronic = [c for c in communications if coding(c["medium"][0])[1] == "ELECTRONIC"]
    phone = [c for c in communications if coding(c["medium"][0])[1] == "PHONE"]
    assert {c["about"][0]["identifier"]["value"] for c in electronic} == report_ids
    assert len(electronic) == 2 and len(phone) == 1

    # A child-abuse report (45 CFR 164.512(b)(1)(ii)) is made without the client's agreement.
    assert resources(bundle, "Consent") == []


def test_the_audit_event_follows_balp_privacy_disclosure_source(
    sessions: SessionFactory, two_agency_case: SeededCase
) -> None:
    bundle = export(sessions, two_agency_case.case_id)
    report_id = two_agency_case.report_ids[COUNTY_CWS.recipient_id]
    [event] = [
        e
        for e in resources(bundle, "AuditEvent")
        if e["entity"][1]["what"]["identifier"]["value"] == report_id
    ]

    assert event["meta"]["profile"] == [fhir.BALP_PRIVACY_DISCLOSURE_SOURCE]
    assert (event["type"]["system"], event["type"]["code"]) == (
        "http://dicom.nema.org/resources/ontology/DCM",
        "110106",
    )
    assert {(s["system"], s["code"]) for s in event["subtype"]} == {
        ("http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle", "disclose")
    }
    assert event["action"] == "R"
    assert event["outcome"] == "0"
    assert (
        datetime.fromisoformat(event["recorded"])
        == two_agency_case.received_at[COUNTY_CWS.recipient_id]
    )
    assert [coding(p) for p in event["purposeOfEvent"]] == [
        ("http://healthit.gov/nhin/purposeofuse", "ABUSE")
    ]

    dcm = "http://dicom.nema.org/resources/ontology/DCM"
    source = agent_of(event, dcm, "110153")
    assert source["requestor"] is False
    assert source["who"] == event["source"]["observer"]  # BALP val-audit-source
    assert source["network"]["address"]

    destination = agent_of(event, dcm, "110152")
    assert destination["requestor"] is False
    assert destination["who"]["identifier"]["value"] == COUNTY_CWS.agency_id
    assert destination["who"]["display"] == COUNTY_CWS.agency_name
    assert destination["network"] == {"address": COUNTY_CWS.intake_url, "type": "5"}

    custodian = agent_of(event, "http://snomed.info/sct", "159541003")
    assert custodian["who"]["identifier"]["value"] == "clinic-demo-01"

    [requestor] = [a for a in event["agent"] if a["requestor"]]
    assert requestor["who"]["type"] == "Practitioner"
    assert requestor["who"]["identifier"]["value"] == two_agency_case.confirmer_id

    patient, document = event["entity"]
    assert patient["what"]["type"] == "Patient"
    assert patient["what"]["identifier"]["value"] == two_agency_case.client_id
    assert (patient["role"]["code"], patient["type"]["code"]) == ("1", "1")
    assert document["what"]["identifier"]["value"] == report_id
    assert document["role"]["code"] == "3"
    labels = {(label["system"], label["code"]) for label in document["securityLabel"]}
    assert labels == {("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "V")}
    details = {d["type"]: d["valueString"] for d in document["detail"]}
    assert details["disclosed-fields"].split(", ") == DISCLOSED
    assert not any(withheld in json.dumps(event) for withheld in WITHHELD)


def test_no_case_content_reaches_the_export(
    sessions: SessionFactory, two_agency_case: SeededCase
) -> None:
    exported = json.dumps(export(sessions, two_agency_case.case_id))
    assert two_agency_case.marker not in exported
    for content in (
        "Sam Example",
        "Jordan Example",
        "Casey Example",
        "Elm Street",
        "Oak Avenue",
        "Alex Rivera",
        "M. Lee",
        "juice",
    ):
        assert content not in exported
    # what it does carry: ids, agency names, the hotline's reference number
    assert two_agency_case.client_id in exported
    assert COUNTY_CWS.agency_name in exported
    assert two_agency_case.hotline_reference in exported


def test_the_phone_report_communication_carries_only_the_hotline_reference(
    sessions: SessionFactory, two_agency_case: SeededCase
) -> None:
    bundle = export(sessions, two_agency_case.case_id)
    [phone] = [
        c for c in resources(bundle, "Communication") if coding(c["medium"][0])[1] == "PHONE"
    ]
    assert phone["status"] == "completed"
    assert phone["payload"] == [{"contentString": two_agency_case.hotline_reference}]
    assert phone["recipient"][0]["identifier"]["value"] == COUNTY_CWS.agency_id  # the one phoned
    assert phone["sender"]["identifier"]["value"] == two_agency_case.practitioner_id


def test_the_delivery_communication_and_provenance(
    sessions: SessionFactory, two_agency_case: SeededCase
) -> None:
    bundle = export(sessions, two_agency_case.case_id)
    report_id = two_agency_case.report_ids[SHERIFF.recipient_id]
    [communication] = [
        c
        for c in resources(bundle, "Communication")
        if c.get("about", [{}])[0].get("identifier", {}).get("value") == report_id
    ]
    assert communication["status"] == "completed"
    assert communication["recipient"][0]["identifier"]["value"] == SHERIFF.agency_id
    assert communication["reasonCode"][0]["text"] == SHERIFF.purpose
    assert communication["sent"] and communication["received"]
    assert "payload" not in communication

    [provenance] = [
        p
        for p in resources(bundle, "Provenance")
        if p["target"][0]["identifier"]["value"] == report_id
    ]
    roles = {coding(a["type"])[1]: a["who"]["identifier"]["value"] for a in provenance["agent"]}
    assert roles["author"] == two_agency_case.practitioner_id
    assert roles["attester"] == two_agency_case.confirmer_id
    assert provenance["reason"][0]["text"].startswith("45 CFR 164.512(b)(1)(ii)")
    assert provenance["entity"] == [
        {
            "role": "source",
            "what": {
                "identifier": {
                    "system": fhir.IdSystem.DISCLOSURE,
                    "value": f"{two_agency_case.case_id}/{SHERIFF.recipient_id}",
                }
            },
        }
    ]
    assert provenance["activity"]["coding"][0]["code"] == "CREATE"


def test_an_unconfirmed_case_has_no_requestor_nor_attester(sessions: SessionFactory) -> None:
    case = seed_case(sessions, confirmed=False, with_phone_report=False)
    bundle = export(sessions, case.case_id)
    assert_round_trips(bundle)
    [event] = resources(bundle, "AuditEvent")
    assert not any(a["requestor"] for a in event["agent"])
    [provenance] = resources(bundle, "Provenance")
    assert "attester" not in {coding(a["type"])[1] for a in provenance["agent"]}
    communications = resources(bundle, "Communication")
    assert communications  # the report was delivered, confirmed or not
    assert all(coding(c["medium"][0])[1] == "ELECTRONIC" for c in communications)


def test_exporting_again_yields_the_same_resource_ids(
    sessions: SessionFactory, two_agency_case: SeededCase
) -> None:
    first, second = (export(sessions, two_agency_case.case_id) for _ in range(2))
    assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in second["entry"]]


def test_an_unknown_case_is_not_found(sessions: SessionFactory) -> None:
    with pytest.raises(CaseNotFound):
        export(sessions, "case-does-not-exist")


# --- Consent: where it applies -------------------------------------------------------------------


def test_a_child_abuse_case_has_no_consent_even_with_a_recorded_agreement(
    sessions: SessionFactory,
) -> None:
    case = seed_case(sessions, opening_extra={"client_agreement": AGREEMENT})
    assert resources(export(sessions, case.case_id), "Consent") == []


def test_a_disclosure_resting_on_the_clients_agreement_exports_its_consent(
    sessions: SessionFactory,
) -> None:
    victim_services = Recipient(
        recipient_id="adult-protective-services",
        agency_id="us-ca-demo-aps",
        agency_name="Demo County Adult Protective Services",
        intake_url="http://127.0.0.1:8001/intake/us-ca-demo-aps/reports",
        legal_basis="45 CFR 164.512(c)(1)(ii)",
        purpose="Report of abuse of an adult victim who agreed to it",
    )
    case = seed_case(
        sessions,
        kind="elder-abuse",
        recipients=(victim_services,),
        opening_extra={"client_agreement": AGREEMENT},
    )
    bundle = export(sessions, case.case_id)
    assert_round_trips(bundle)
    [consent] = resources(bundle, "Consent")
    assert consent["patient"]["identifier"]["value"] == case.client_id
    assert (
        consent["provision"]["actor"][0]["reference"]["identifier"]["value"]
        == victim_services.agency_id
    )
    assert case.marker not in json.dumps(bundle)

    without_agreement = seed_case(sessions, kind="elder-abuse", recipients=(victim_services,))
    assert resources(export(sessions, without_agreement.case_id), "Consent") == []


def test_consent_applies_only_to_the_agreement_route() -> None:
    assert fhir.consent_applies("45 CFR 164.512(c)(1)(ii)")
    assert fhir.consent_applies("45 CFR 164.512(c)(1)(ii); WIC 15630")
    for basis in (
        "45 CFR 164.512(b)(1)(ii)",
        "45 CFR 164.512(c)(1)(i)",
        "45 CFR 164.512(j)(1)(i)",
        "45 CFR 164.512(e)(1)(i)",
    ):
        assert not fhir.consent_applies(basis)


def _case(kind: str = "elder-abuse") -> CaseRecord:
    return CaseRecord(
        case_id="case-x",
        jurisdiction="US-CA",
        kind=kind,
        county="Demo County",
        clinic_id="clinic-1",
        practitioner_id="practitioner-1",
        client_id="client-1",
        policy_version="2026.1",
        opening={"reporter": {"name": "Never Exported"}},
    )


def _obligation(legal_basis: str) -> ObligationRecord:
    return ObligationRecord(
        obligation_id="case-x/aps",
        case_id="case-x",
        recipient_id="aps",
        agency_id="agency-aps",
        agency_name="Adult Protective Services",
        intake_url="https://aps.example/reports",
        form_id="soc341",
        legal_basis=legal_basis,
        purpose="Report",
        written_report_due_at=datetime(2026, 3, 2, tzinfo=UTC),
        policy_version="2026.1",
        citations=[],
    )


def test_the_consent_builder_yields_a_valid_consent() -> None:
    agreement = fhir.ClientAgreement.model_validate(AGREEMENT)
    consent = fhir.consent_for_agreement(
        _case(), _obligation("45 CFR 164.512(c)(1)(ii)"), agreement
    )
    exported = json.loads(consent.model_dump_json())
    again = Consent.model_validate(exported)
    assert again.status == "active"
    assert exported["patient"]["identifier"] == {
        "system": fhir.IdSystem.CLIENT,
        "value": "client-1",
    }
    assert exported["policy"][0]["uri"] == fhir.AGREEMENT_POLICY_URI
    assert exported["provision"]["type"] == "permit"
    assert exported["provision"]["purpose"][0]["code"] == "ABUSE"
    assert datetime.fromisoformat(exported["dateTime"]) == agreement.agreed_at
    assert "Never Exported" not in json.dumps(exported)


def test_consents_for_case_needs_both_the_route_and_an_agreement() -> None:
    agreement = fhir.ClientAgreement.model_validate(AGREEMENT)
    agreed = _obligation("45 CFR 164.512(c)(1)(ii)")
    required = _obligation("45 CFR 164.512(b)(1)(ii)")
    assert len(fhir.consents_for_case(_case(), [agreed], agreement)) == 1
    assert fhir.consents_for_case(_case(), [agreed], None) == []
    assert fhir.consents_for_case(_case("child-abuse"), [required], agreement) == []


# --- Codes ----------------------------------------------------------------------------------------


def test_every_report_kind_has_a_purpose_of_use() -> None:
    for kind in ReportKind:
        assert fhir.purpose_of_use(kind.value).system == "http://healthit.gov/nhin/purposeofuse"
    assert fhir.purpose_of_use("child-abuse").code == "ABUSE"
    assert fhir.purpose_of_use("elder-abuse").code == "ABUSE"
    assert fhir.purpose_of_use("danger-to-others").code == "THREAT"
    assert fhir.purpose_of_use("danger-to-self").code == "THREAT"
    assert fhir.purpose_of_use("court-order").code == "JUDICIAL"
    assert fhir.purpose_of_use("subpoena").code == "JUDICIAL"
    with pytest.raises(fhir.UnmappedReportKind):
        fhir.purpose_of_use("unheard-of")


def test_confidentiality_labels() -> None:
    assert fhir.confidentiality(["reporter.name", "victim.name"]).code == "V"
    assert fhir.confidentiality(["victim.name", "grounds.observations"]).code == "R"
    codes = [c.code for c in fhir.security_labels(["clinical_context.psychotherapy_notes"])]
    assert codes == ["V", "PSYTHPN"]


# --- API and command ------------------------------------------------------------------------------


async def test_the_api_serves_the_bundle(
    sessions: SessionFactory, two_agency_case: SeededCase
) -> None:
    app = FastAPI()
    provide_database(app, sessions)
    app.include_router(fhir_routes.router)
    _officer, token = new_user(sessions, "compliance")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://dutyflow", headers=bearer(token)
    ) as client:
        found = await client.get(f"/reports/{two_agency_case.case_id}/fhir")
        assert found.status_code == 200
        assert found.headers["content-type"].startswith("application/fhir+json")
        assert_round_trips(found.json())
        assert (await client.get("/reports/case-does-not-exist/fhir")).status_code == 404


def _export_command(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    program = (
        "import argparse, sys\n"
        "from dutyflow.cli.fhir import add_fhir_command\n"
        "parser = argparse.ArgumentParser(prog='dutyflow')\n"
        "add_fhir_command(parser.add_subparsers(dest='command', required=True))\n"
        "ns = parser.parse_args(sys.argv[1:])\n"
        "ns.run(ns)\n"
    )
    env = {
        **os.environ,
        "DUTYFLOW_DATABASE_URL": database_url,
        "DUTYFLOW_SETTINGS_FILE": "/nonexistent.env",
    }
    return subprocess.run(
        [sys.executable, "-c", program, *args],
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )


def test_the_export_fhir_command(
    database_url: str, sessions: SessionFactory, two_agency_case: SeededCase, tmp_path: Path
) -> None:
    printed = _export_command(database_url, "export-fhir", "--case", two_agency_case.case_id)
    assert printed.returncode == 0, printed.stderr
    assert_round_trips(json.loads(printed.stdout))

    output = tmp_path / "bundle.json"
    written = _export_command(
        database_url, "export-fhir", "--case", two_agency_case.case_id, "--output", str(output)
    )
    assert written.returncode == 0, written.stderr
    assert_round_trips(json.loads(output.read_text()))
    assert output.stat().st_mode & 0o077 == 0

    unknown = _export_command(database_url, "export-fhir", "--case", "case-does-not-exist")
    assert unknown.returncode == 2
    assert "no such case" in unknown.stderr
    assert unknown.stdout == ""
