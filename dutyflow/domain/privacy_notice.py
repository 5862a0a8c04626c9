"""The clinic's notice to a client, before therapy starts, of the limits of confidentiality.

The wording is data, one file per jurisdiction and version
(``templates/privacy-notices/<jurisdiction>-<version>.yaml``), rendered for the client by the
generic ``notice.html.j2`` / ``notice.txt.j2``. Every notice names the exceptions the client must
know of (danger to self or others, suspected abuse of a child, of an elder or of a dependent
adult, a court order), each with its citation; a subpoena may be named within the court-order
exception or on its own. Each exception may say whether its rule was read in the law's text
(``source_status``), for counsel's review; the client never sees that. The client's
acknowledgement records the version given, so a later change of wording is a new version and
never rewrites what a client was told. Pure: loading and rendering only.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal, get_args

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel, ConfigDict, Field

from dutyflow.domain import yaml_text

NOTICES = Path(__file__).resolve().parents[2] / "templates" / "privacy-notices"
_FILE = re.compile(r"^(?P<jurisdiction>[a-z]{2}-[a-z]{2,3})-(?P<version>\d{4}\.\d+)\.yaml$")
Topic = Literal[
    "danger-to-self",
    "danger-to-others",
    "child-abuse",
    "elder-abuse",
    "dependent-adult-abuse",
    "court-order",
    "subpoena",
    "supervision-teaching-research",
]
# The exceptions every notice must name (a subpoena may be told within the court-order exception;
# supervision, teaching and research use is named from the 2026.2 notices on, issue 17).
OPTIONAL_TOPICS = ("subpoena", "supervision-teaching-research")
REQUIRED_TOPICS: tuple[Topic, ...] = tuple(t for t in get_args(Topic) if t not in OPTIONAL_TOPICS)


class UnknownNotice(LookupError):
    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class NoticeException(BaseModel):
    model_config = ConfigDict(extra="forbid")
    heading: str
    topics: list[Topic] = Field(min_length=1)
    text: str
    citation: str
    # Whether the rule told was read in the law's text ("verified") or awaits counsel
    # ("to-confirm"). For the reviewer, not rendered for the client.
    source_status: Literal["verified", "to-confirm"] | None = None


class Notice(BaseModel):
    model_config = ConfigDict(extra="forbid")
    jurisdiction: str
    version: str
    effective_from: date
    source_status: str
    language: str
    title: str
    introduction: str
    exceptions: list[NoticeException] = Field(min_length=1)
    what_is_shared: str
    your_rights: str

    @property
    def notice_id(self) -> str:
        return f"{self.jurisdiction.lower()}-{self.version}"

    def missing_topics(self) -> list[str]:
        """The required exceptions this notice does not name."""
        named = {topic for exception in self.exceptions for topic in exception.topics}
        return [topic for topic in REQUIRED_TOPICS if topic not in named]


class RenderedNotice(BaseModel):
    notice_id: str
    jurisdiction: str
    version: str
    html: str
    text: str
    sha256: str


@lru_cache(maxsize=32)
def _load(path: Path) -> Notice:
    return Notice.model_validate(yaml_text.safe_load(path.read_text()))


def versions(jurisdiction: str, folder: Path = NOTICES) -> list[Notice]:
    """The notices written for ``jurisdiction``, oldest first."""
    found = []
    for path in folder.glob("*.yaml"):
        match = _FILE.match(path.name)
        if match and match["jurisdiction"] == jurisdiction.lower():
            found.append(_load(path))
    return sorted(found, key=lambda n: tuple(int(p) for p in n.version.split(".")))


def current(jurisdiction: str, on: date, folder: Path = NOTICES) -> Notice:
    """The notice in effect on ``on``."""
    known = [n for n in versions(jurisdiction, folder) if n.effective_from <= on]
    if not known:
        # The problem never repeats the value: it goes back to whoever sent it (never echoed).
        raise UnknownNotice("jurisdiction", "no privacy notice is in effect for this jurisdiction")
    return known[-1]


def find(jurisdiction: str, version: str, folder: Path = NOTICES) -> Notice:
    for notice in versions(jurisdiction, folder):
        if notice.version == version:
            return notice
    raise UnknownNotice("notice_version", "no such notice version for this jurisdiction")


def render(
    notice: Notice, *, clinic_name: str, given_on: date, folder: Path = NOTICES
) -> RenderedNotice:
    """The notice as the client reads it: HTML (autoescaped) and text (to print or read aloud)."""
    environment = Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    context = {
        "notice": notice,
        "clinic_name": clinic_name,
        "given_on": given_on.isoformat(),
        "version": notice.version,
    }
    text = environment.get_template("notice.txt.j2").render(context)
    html = environment.get_template("notice.html.j2").render(context)
    digest = hashlib.sha256(text.encode() + b"\x00" + html.encode()).hexdigest()
    return RenderedNotice(
        notice_id=notice.notice_id,
        jurisdiction=notice.jurisdiction,
        version=notice.version,
        html=html,
        text=text,
        sha256=digest,
    )
