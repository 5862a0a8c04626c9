"""The agency directory: which agency of a county fills a recipient role, how it is reached and
where its intake endpoint is. Deployment data (``agencies/<jurisdiction>.yaml``), kept apart from
the law (which recipients, by when: ``policies/``).

An agency serving the whole jurisdiction (e.g. New York's Statewide Central Register, the Texas
Abuse Hotline) has ``county: "*"``; a county's own agency of the same role is preferred.

An agency's ``channels`` say how it really accepts a report (telephone, online portal, fax,
e-mail, post, in person), each with the public source it was read in and whether that source was
the agency's own (``verified``) or only a secondary copy (``to-confirm``). A real agency with no
electronic intake Dutyflow can post to has no ``intake_url`` (empty): it is reached through its
channels. Which channel a report must use is the law's business, not the directory's.

An agency's ``channel`` says which path Dutyflow takes to deliver the written report to it (see
`DeliveryChannel`); its address comes from the agency's ``channels`` of that kind (the postal
address may be the agency's own ``address``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml  # type: ignore[import-untyped]  # PyYAML ships no type hints
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dutyflow.domain import yaml_text
from dutyflow.domain.e_mail import LONGEST_ADDRESS, ONE_ADDRESS

INTAKE_PLACEHOLDER = "{intake}"
STATEWIDE = "*"

ChannelKind = Literal["phone", "tty", "online", "fax", "email", "mail", "in-person"]
SourceStatus = Literal["verified", "to-confirm"]
# How Dutyflow delivers the written report to an agency: posted to its intake endpoint
# (``intake-api``), e-mailed to it (``email``), or taken there by the practitioner, who records
# it: entered into its web portal (``portal``), faxed (``fax``) or posted (``mail``); a
# telephone-only agency is told by the statutory call (``telephone``).
DeliveryChannel = Literal["intake-api", "portal", "fax", "mail", "email", "telephone"]
# The channels on which the practitioner takes the report to the agency and records it.
PRACTITIONER_CHANNELS: tuple[DeliveryChannel, ...] = ("portal", "fax", "mail")
# Which of the agency's ``channels`` gives a delivery channel's address.
_ADDRESS_KIND: dict[str, ChannelKind] = {
    "portal": "online",
    "fax": "fax",
    "mail": "mail",
    "email": "email",
    "telephone": "phone",
}
# A North American or international number as people write it: "+1 800 962 2873".
PHONE_NUMBER = re.compile(r"^\+?[0-9][0-9 ().-]{5,}[0-9]$")
WEB_ADDRESS = re.compile(r"^https://[^\s/]+\.[^\s]+$")
EMAIL_ADDRESS = re.compile(rf"^(?=.{{1,{LONGEST_ADDRESS}}}$){ONE_ADDRESS.pattern}$")
ADDRESS_FORMS: dict[str, tuple[re.Pattern[str], str]] = {
    "phone": (PHONE_NUMBER, "a telephone number like +1 800 962 2873"),
    "tty": (PHONE_NUMBER, "a telephone number like +1 800 955 8771"),
    "fax": (PHONE_NUMBER, "a telephone number like +1 800 914 0004"),
    "online": (WEB_ADDRESS, "an https:// web address"),
    "email": (EMAIL_ADDRESS, "an e-mail address"),
}


class AgencyChannel(BaseModel):
    """One way an agency accepts a report, as read in a public source.

    ``address`` is what the channel is reached at (a number, a web address, an e-mail address, a
    postal address). It may be left out only where the channel's existence was read but not its
    address; ``note`` then says what is to be confirmed."""

    model_config = ConfigDict(extra="forbid")

    kind: ChannelKind
    address: str | None = None
    hours: str | None = None
    note: str | None = None
    source: str = Field(min_length=8)
    source_status: SourceStatus

    @model_validator(mode="after")
    def _address_fits_the_kind(self) -> AgencyChannel:
        if self.address is None:
            if not self.note:
                raise ValueError(
                    f"{self.kind} channel without an address: 'note' must say what is to be "
                    f"confirmed"
                )
            return self
        expected = ADDRESS_FORMS.get(self.kind)
        if expected is not None and not expected[0].match(self.address):
            raise ValueError(f"address: a {self.kind} channel's address must be {expected[1]}")
        return self


class Agency(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    name: str
    role: str
    county: str
    address: str | None = None
    phone: str | None = None
    # Empty: the agency takes no electronic intake Dutyflow can post to (see ``channels``).
    intake_url: str = ""
    # Where this agency's intake puts its reference in a 2xx answer, when not under the
    # contract's ``reference_number`` (a name, or a dotted path such as ``result.caseNumber``).
    receipt_reference_field: str | None = Field(
        default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$"
    )
    channels: list[AgencyChannel] = Field(default_factory=list)
    # How Dutyflow delivers the written report to this agency.
    channel: DeliveryChannel = "intake-api"
    # A portal's own order of sections, as the form layout's section ids; sections not named
    # follow in the layout's order.
    portal_sections: list[str] = Field(default_factory=list)
    # An agency that reads S/MIME mail gives its certificate (PEM, an RSA key): the e-mailed
    # report is then sealed for it (`dutyflow.mail.smime`), body and attachment alike.
    smime_certificate: str | None = None
    note: str | None = None

    @field_validator("smime_certificate")
    @classmethod
    def _certificate_seals_mail(cls, pem: str | None) -> str | None:
        if pem is None:
            return None
        try:
            certificate = x509.load_pem_x509_certificate(pem.encode())
        except ValueError:
            raise ValueError("must be an X.509 certificate in PEM form") from None
        if not isinstance(certificate.public_key(), rsa.RSAPublicKey):
            raise ValueError("must hold an RSA key (S/MIME enveloping supports RSA only)")
        return pem

    @model_validator(mode="after")
    def _channel_has_an_address(self) -> Agency:
        if self.smime_certificate is not None and self.channel != "email":
            raise ValueError("smime_certificate: only an agency delivered by email uses one")
        if self.channel in ("intake-api", "telephone"):
            return self
        if self.delivery_address() is None:
            kind = _ADDRESS_KIND[self.channel]
            raise ValueError(
                f"channel: an agency delivered by {self.channel} needs a {kind} channel with "
                f"an address"
            )
        return self

    def delivery_address(self) -> str | None:
        """Where the report goes on the agency's ``channel``: the portal's web address, the fax
        number, the e-mail address, the postal address; None for the intake endpoint."""
        kind = _ADDRESS_KIND.get(self.channel)
        if kind is None:
            return None
        found = next((c.address for c in self.channels_of(kind) if c.address), None)
        if found is None and self.channel == "mail":
            return self.address
        if found is None and self.channel == "telephone":
            return self.phone
        return found

    def channels_of(self, kind: ChannelKind) -> list[AgencyChannel]:
        """The agency's channels of one kind (e.g. every ``online`` portal), in file order."""
        return [channel for channel in self.channels if channel.kind == kind]


class DirectoryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    jurisdiction: str
    agencies: list[Agency]


class AgencyDirectoryError(ValueError):
    pass


class AgencyDirectory:
    def __init__(self, agencies: list[tuple[str, Agency]]) -> None:
        self._agencies = agencies

    @classmethod
    def load(cls, folder: Path, intake_base_url: str) -> AgencyDirectory:
        entries: list[tuple[str, Agency]] = []
        for path in sorted(folder.glob("*.yaml")):
            try:
                parsed = DirectoryFile.model_validate(yaml_text.safe_load(path.read_text("utf-8")))
            except (OSError, yaml.YAMLError, ValidationError) as err:
                raise AgencyDirectoryError(f"{path}: {err}") from err
            for agency in parsed.agencies:
                url = agency.intake_url.replace(INTAKE_PLACEHOLDER, intake_base_url.rstrip("/"))
                entries.append((parsed.jurisdiction, agency.model_copy(update={"intake_url": url})))
        return cls(entries)

    def find(self, jurisdiction: str, county: str, role: str) -> Agency | None:
        wanted = county.strip().casefold()
        candidates = [
            agency
            for entry_jurisdiction, agency in self._agencies
            if entry_jurisdiction == jurisdiction and agency.role == role
        ]
        local = next((a for a in candidates if a.county.casefold() == wanted), None)
        if local is not None:
            return local
        return next((a for a in candidates if a.county == STATEWIDE), None)

    def roles(self, jurisdiction: str) -> set[str]:
        """The recipient roles some agency of this jurisdiction fills."""
        return {a.role for j, a in self._agencies if j == jurisdiction}

    def by_id(self, agency_id: str) -> Agency | None:
        return next((a for _, a in self._agencies if a.id == agency_id), None)

    def all(self) -> list[Agency]:
        return [agency for _, agency in self._agencies]
