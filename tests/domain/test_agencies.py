"""The agency directory: the seven states' real agencies load, every channel names the public
source it was read in and whether that source was official, a real agency never gets an intake
endpoint Dutyflow could post to, and a channel's address must fit its kind."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from dutyflow.domain.agencies import Agency, AgencyChannel, AgencyDirectory, DirectoryFile
from dutyflow.settings import REPO_ROOT

DIRECTORY = AgencyDirectory.load(REPO_ROOT / "agencies", "http://intake.invalid")
REAL_JURISDICTIONS = ["US-FL", "US-PA", "US-IL", "US-OH", "US-GA", "US-NC", "US-MI"]


def agencies_of(jurisdiction: str) -> list[Agency]:
    path = REPO_ROOT / "agencies" / f"{jurisdiction.lower()}.yaml"
    parsed = DirectoryFile.model_validate(yaml.safe_load(path.read_text("utf-8")))
    assert parsed.jurisdiction == jurisdiction
    assert parsed.agencies, f"{jurisdiction} has no agency"
    return parsed.agencies


def channel(**changes: object) -> AgencyChannel:
    values: dict[str, object] = {
        "kind": "phone",
        "address": "+1 800 962 2873",
        "source": "https://example.org/agency",
        "source_status": "verified",
    }
    values.update(changes)
    return AgencyChannel.model_validate(values)


def test_every_jurisdiction_file_loads_with_its_own_directory_file() -> None:
    files = {path.stem for path in (REPO_ROOT / "agencies").glob("*.yaml")}

    assert {j.lower() for j in REAL_JURISDICTIONS} <= files
    for jurisdiction in REAL_JURISDICTIONS:
        assert DIRECTORY.roles(jurisdiction), jurisdiction


@pytest.mark.parametrize("jurisdiction", REAL_JURISDICTIONS)
def test_every_channel_of_a_real_agency_names_its_source_and_its_status(
    jurisdiction: str,
) -> None:
    for agency in agencies_of(jurisdiction):
        assert agency.channels, agency.id
        for found in agency.channels:
            assert found.source.strip(), agency.id
            assert found.source_status in ("verified", "to-confirm"), agency.id


@pytest.mark.parametrize("jurisdiction", REAL_JURISDICTIONS)
def test_a_real_agency_has_no_intake_endpoint_dutyflow_could_post_to(jurisdiction: str) -> None:
    for agency in agencies_of(jurisdiction):
        assert agency.intake_url == "", agency.id


@pytest.mark.parametrize("jurisdiction", REAL_JURISDICTIONS)
def test_an_agency_main_number_is_one_of_its_telephone_channels(jurisdiction: str) -> None:
    for agency in agencies_of(jurisdiction):
        if agency.phone is not None:
            assert agency.phone in {c.address for c in agency.channels_of("phone")}, agency.id


def test_a_statewide_router_stands_for_every_county_until_the_county_is_listed() -> None:
    found = DIRECTORY.find("US-OH", "Franklin County", "oh-county-pcsa")

    assert found is not None and found.id == "oh-855-oh-child"
    assert found.county == "*"


def test_a_county_recipient_without_a_listed_county_agency_is_not_found() -> None:
    assert DIRECTORY.find("US-NC", "Wake County", "nc-county-dss-cps") is None
    found = DIRECTORY.find("US-NC", "Forsyth County", "nc-county-dss-cps")
    assert found is not None and found.phone == "+1 336 703 2287"


def test_channels_of_gives_the_channels_of_one_kind_in_file_order() -> None:
    hotline = DIRECTORY.by_id("mi-mdhhs-centralized-intake")

    assert hotline is not None
    assert [c.address for c in hotline.channels_of("fax")] == ["+1 616 977 1154", "+1 616 977 1158"]
    assert [c.kind for c in hotline.channels_of("online")] == ["online"]


@pytest.mark.parametrize(
    ("kind", "address", "expected"),
    [
        ("phone", "call the hotline", "telephone number"),
        ("fax", "+1 800", "telephone number"),
        ("online", "http://reportabuse.example.org/", "https:// web address"),
        ("email", "cpsintake at dhs", "e-mail address"),
    ],
)
def test_a_channel_address_must_fit_its_kind(kind: str, address: str, expected: str) -> None:
    with pytest.raises(ValidationError, match=expected):
        channel(kind=kind, address=address)


def test_a_postal_or_in_person_address_is_free_text() -> None:
    assert channel(kind="mail", address="1 State Street, Demo Capital").address


def test_a_channel_without_an_address_must_say_what_is_to_be_confirmed() -> None:
    with pytest.raises(ValidationError, match="note"):
        channel(kind="online", address=None)
    assert channel(kind="online", address=None, note="Address to be confirmed.").address is None


def test_a_channel_must_name_its_source_and_status() -> None:
    with pytest.raises(ValidationError, match="source"):
        AgencyChannel.model_validate({"kind": "phone", "address": "+1 800 962 2873"})


def test_an_unknown_channel_kind_is_refused() -> None:
    with pytest.raises(ValidationError, match="kind"):
        channel(kind="carrier-pigeon")


def test_a_directory_file_with_a_bad_channel_is_refused_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "us-zz.yaml").write_text(
        "jurisdiction: US-ZZ\nagencies:\n"
        "  - {id: zz, name: Z, role: z, county: '*', channels: [{kind: phone, address: x, "
        "source: https://example.org/zz, source_status: verified}]}\n"
    )
    with pytest.raises(ValueError, match=r"us-zz\.yaml"):
        AgencyDirectory.load(tmp_path, "http://intake.invalid")


def agency(**changes: object) -> Agency:
    values: dict[str, object] = {
        "id": "demo-agency",
        "name": "Demo Agency",
        "role": "county-child-welfare",
        "county": "Demo County",
        "address": "100 Main Street, Demo City",
    }
    values.update(changes)
    return Agency.model_validate(values)


def test_an_agency_is_delivered_at_its_intake_endpoint_unless_it_names_another_channel() -> None:
    assert agency().channel == "intake-api"
    assert agency().delivery_address() is None


@pytest.mark.parametrize(
    ("channel_name", "kind", "address"),
    [
        ("portal", "online", "https://portal.example.org/report"),
        ("fax", "fax", "+1 555 0101"),
        ("email", "email", "intake@agency.example.org"),
    ],
)
def test_a_delivery_channel_goes_to_the_address_of_the_agencys_channel_of_that_kind(
    channel_name: str, kind: str, address: str
) -> None:
    found = agency(channel=channel_name, channels=[channel(kind=kind, address=address)])
    assert found.delivery_address() == address


def test_post_goes_to_the_agencys_own_address_when_no_mail_channel_names_one() -> None:
    assert agency(channel="mail").delivery_address() == "100 Main Street, Demo City"


@pytest.mark.parametrize("channel_name", ["portal", "fax", "email"])
def test_an_agency_on_a_channel_without_an_address_for_it_is_refused_naming_the_field(
    channel_name: str,
) -> None:
    with pytest.raises(ValidationError, match="channel: an agency delivered by"):
        agency(channel=channel_name, channels=[channel()])


def test_an_unknown_delivery_channel_is_refused() -> None:
    with pytest.raises(ValidationError, match="channel"):
        agency(channel="carrier-pigeon")
