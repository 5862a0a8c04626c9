"""The clinic's notice to a client, before therapy starts, of the limits of confidentiality.

The wording is data, one file per jurisdiction and version
(``templates/privacy-notices/<jurisdiction>-<version>.yaml``), rendered for the client by the
generic ``notice.html.j2`` / ``notice.txt.j2``. Every notice names the exceptions the client must
know of (danger to self or others, suspected abuse of a child, of an elder or of a dependent
adult, a court order), each with its citation; a subpoena may be named within the court-order
exception or on its own. Each exception may say whether its rule was read in the law's text
(``source_status``), for counsel's review; the client never sees that. The client's
acknowledgement records the version given, so a later change of wording is a new version and
never rewrites what a client was told.

A notice is written in English; a translation of a version is a file of its own
(``<jurisdiction>-<version>.<language>.yaml``) that must say who translated and who checked it.
The notice is given in the client's language only where such a translation exists; otherwise
the English notice is given, saying above its text that it is not in the client's language
(`in_language`). No translation is shipped yet: none could be sourced, and none is invented.
Pure: loading and rendering only.
"""

from __future__ import annotations

import functools
import hashlib
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal, get_args

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel, ConfigDict, Field, model_validator

from dutyflow.domain import yaml_text

NOTICES = Path(__file__).resolve().parents[2] / "templates" / "privacy-notices"
# ``us-ca-2026.2.yaml`` (English, the notice as written) or ``us-ca-2026.2.es.yaml`` (a translation
# of that version, which must say who translated it).
_FILE = re.compile(
    r"^(?P<jurisdiction>[a-z]{2}-[a-z]{2,3})-(?P<version>\d{4}\.\d+)(\.(?P<language>[a-z]{2,3}))?\.yaml$"
)
WRITTEN_IN = "en"
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
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


class Translation(BaseModel):
    """Who translated a notice, from which version, and who checked it: a notice is offered in a
    language only when a person or body stands behind its translation (never a machine's)."""

    model_config = ConfigDict(extra="forbid")
    translated_by: str = Field(min_length=3)
    checked_by: str = Field(min_length=3)
    translated_on: date


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
    # The notice's own words around the exceptions, so that a translation carries them too.
    sharing_heading: str = "When I may or must share what you tell me without your permission"
    received_statement: str = "I received this notice and had the chance to ask about it."
    client_signature: str = "Client and date"
    therapist_signature: str = "Therapist and date"
    translation: Translation | None = None

    @model_validator(mode="after")
    def _translated_by_someone(self) -> Notice:
        if self.language.split("-")[0] != WRITTEN_IN and self.translation is None:
            raise ValueError("translation: a notice in another language must say who translated it")
        return self

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


def versions(jurisdiction: str, folder: Path = NOTICES, language: str = WRITTEN_IN) -> list[Notice]:
    """The notices written for ``jurisdiction`` (or their translations into ``language``),
    oldest first."""
    found = []
    for path in folder.glob("*.yaml"):
        match = _FILE.match(path.name)
        if (
            match
            and match["jurisdiction"] == jurisdiction.lower()
            and (match["language"] or WRITTEN_IN) == language
        ):
            found.append(_load(path))
    return sorted(found, key=lambda n: tuple(int(p) for p in n.version.split(".")))


def current(jurisdiction: str, on: date, folder: Path = NOTICES) -> Notice:
    """The notice in effect on ``on``."""
    known = [n for n in versions(jurisdiction, folder) if n.effective_from <= on]
    if not known:
        # The problem never repeats the value: it goes back to whoever sent it (never echoed).
        raise UnknownNotice("jurisdiction", "no privacy notice is in effect for this jurisdiction")
    return known[-1]


def languages(jurisdiction: str, version: str, folder: Path = NOTICES) -> list[str]:
    """The languages notice ``version`` of ``jurisdiction`` can be given in: English, and every
    language a checked translation of that version exists in."""
    found = {WRITTEN_IN}
    for path in folder.glob("*.yaml"):
        match = _FILE.match(path.name)
        if (
            match
            and match["language"]
            and match["jurisdiction"] == jurisdiction.lower()
            and match["version"] == version
        ):
            found.add(match["language"])
    return sorted(found)


class NoticeInLanguage(BaseModel):
    """The notice to give a client who reads ``asked``: its translation where one exists,
    otherwise the English notice, with ``fell_back`` saying so."""

    notice: Notice
    asked: str
    fell_back: bool


def in_language(
    jurisdiction: str, on: date, language: str | None, folder: Path = NOTICES
) -> NoticeInLanguage:
    """The notice in effect on ``on`` in the client's ``language`` (None: English). A language
    with no checked translation of that version gets the English notice, never an invented one."""
    written = current(jurisdiction, on, folder)
    asked = (language or WRITTEN_IN).lower()
    if not LANGUAGE_CODE.match(asked):
        raise UnknownNotice("language", "must be a language code like es or zh")
    if asked == WRITTEN_IN:
        return NoticeInLanguage(notice=written, asked=asked, fell_back=False)
    translated = [n for n in versions(jurisdiction, folder, asked) if n.version == written.version]
    if translated:
        return NoticeInLanguage(notice=translated[0], asked=asked, fell_back=False)
    return NoticeInLanguage(notice=written, asked=asked, fell_back=True)


def find(jurisdiction: str, version: str, folder: Path = NOTICES) -> Notice:
    for notice in versions(jurisdiction, folder):
        if notice.version == version:
            return notice
    raise UnknownNotice("notice_version", "no such notice version for this jurisdiction")


def render(
    notice: Notice,
    *,
    clinic_name: str,
    given_on: date,
    folder: Path = NOTICES,
    untranslated_into: str | None = None,
) -> RenderedNotice:
    """The notice as the client reads it: HTML (autoescaped) and text (to print or read aloud).
    ``untranslated_into``: the client's language, which this (English) notice has no checked
    translation into; the notice says so above its text."""
    environment = _environment(Path(folder))
    context = {
        "notice": notice,
        "clinic_name": clinic_name,
        "given_on": given_on.isoformat(),
        "version": notice.version,
        "untranslated_into": untranslated_into,
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


class LanguageChoice(BaseModel):
    """A language a clinician can say their client reads, and whether the notice has a checked
    translation into it."""

    code: str
    name: str
    translated: bool


def language_choices(notice: Notice, folder: Path = NOTICES) -> list[LanguageChoice]:
    """Every language of ``languages.yaml`` (English first), each saying whether ``notice``'s
    version can be given in it."""
    named: dict[str, str] = yaml_text.safe_load((folder / "languages.yaml").read_text())
    offered = set(languages(notice.jurisdiction, notice.version, folder))
    choices = [
        LanguageChoice(code=code, name=name, translated=code in offered)
        for code, name in named.items()
    ]
    return sorted(choices, key=lambda c: (c.code != WRITTEN_IN, c.name))


@functools.cache
def _environment(folder: Path) -> Environment:
    """One environment per notices folder: its templates are compiled once, not for every
    notice given (jinja2's ``auto_reload`` still compiles a template edited on disk again)."""
    return Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
