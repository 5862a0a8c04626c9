"""The agency directory: which agency of a county fills a recipient role, and where its intake
endpoint is. Deployment data (``agencies/<jurisdiction>.yaml``), kept apart from the law.

An agency serving the whole jurisdiction (e.g. New York's Statewide Central Register, the Texas
Abuse Hotline) has ``county: "*"``; a county's own agency of the same role is preferred."""

from __future__ import annotations

from pathlib import Path

import yaml  # type: ignore[import-untyped]  # PyYAML ships no type hints
from pydantic import BaseModel, ConfigDict, Field, ValidationError

INTAKE_PLACEHOLDER = "{intake}"
STATEWIDE = "*"


class Agency(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    name: str
    role: str
    county: str
    address: str | None = None
    phone: str | None = None
    intake_url: str


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
                parsed = DirectoryFile.model_validate(yaml.safe_load(path.read_text("utf-8")))
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
