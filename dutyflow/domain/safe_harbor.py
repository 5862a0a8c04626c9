"""HIPAA Safe Harbor de-identification (45 CFR 164.514(b)(2)) for teaching and research exports,
and the free-text rules the supervision view shares with it.

Safe Harbor asks that none of the 18 identifiers of the individual, their relatives, household
members or employers remains, in structured fields **and free text**: no geography below the
state; no element of a date but the year (ages over 89 grouped as 90 or older); no names,
numbers, addresses, record numbers; and no actual knowledge that what remains could identify
the person. `safe_harbor_export` applies `dutyflow.domain.deidentify` with years only, ages as
bands (90+), every place below the state removed, and the text rules below (ages, professions,
dates, months, record and phone numbers, e-mail and web addresses, named programmes, clinics and
places). Then `residual_identifiers` scans what is left for a number the rules did not
recognise (it could be an age, a day or a record number): if any remains the export is refused,
naming where and why, never the value. Rules cannot know every name a narrative may hold: the
export keeps saying so (residual risks), and the exporter attests to no actual knowledge.

The supervision view (`SUPERVISION_TEXT`) masks ages and professions in free text and shows a
life stage instead of an age band. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from dutyflow.domain.deidentify import AGE_KEYS, Coarsening, DeidentifiedView, deidentify

STANDARD = "HIPAA Safe Harbor, 45 CFR 164.514(b)(2)"

_MONTHS = (
    "January|February|March|April|June|July|August|September|October|November|December"
    "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_PROFESSIONS = (
    "nurse|nurses|doctor|doctors|physician|surgeon|paramedic|pharmacist|dentist|midwife"
    "|teacher|teachers|professor|lecturer|headteacher|principal|lawyer|attorney|solicitor"
    "|barrister|judge|police officer|policeman|policewoman|officer|detective|firefighter"
    "|soldier|sailor|pilot|engineer|accountant|banker|architect|electrician|plumber|mechanic"
    "|carpenter|builder|farmer|chef|cook|waiter|waitress|bartender|cashier|clerk|secretary"
    "|receptionist|driver|bus driver|taxi driver|truck driver|priest|pastor|minister|rabbi"
    "|imam|nun|social worker|psychologist|psychiatrist|therapist|counsellor|counselor"
    "|veterinarian|vet|journalist|firefighter|security guard|caretaker|janitor|cleaner"
)

# Ages, in any common spelling: "46-year-old", "46 years old", "aged 46", "age 46", "46 yo".
AGE_IN_TEXT = re.compile(
    r"\b\d{1,3}\s*(?:-|\s)?\s*(?:years?|yrs?|y/?o)(?:\s*-?\s*old)?\b"
    r"|\bage[ds]?\s*:?\s*\d{1,3}\b|\bin (?:his|her|their) (?:early |mid-?|late )?\d0s\b",
    re.IGNORECASE,
)
PROFESSION_IN_TEXT = re.compile(rf"\b(?:{_PROFESSIONS})s?\b", re.IGNORECASE)
DATE_IN_TEXT = re.compile(
    r"\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS}|May)\b\.?(?:,?\s*\d{{4}})?"
    rf"|\b(?:{_MONTHS}|May)\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s*\d{{4}})?"
)
# A month alone is an element of a date; "May" only where it reads as the month.
MONTH_IN_TEXT = re.compile(rf"\b(?:{_MONTHS})\b|\b(?:in|of|since|until|by) May\b")
CONTACT_IN_TEXT = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[A-Za-z]{2,})+|\bhttps?://\S+|\bwww\.\S+"
    r"|\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b|\b0\d{2,4}\s?\d{3}\s?\d{3,4}\b"
)
NUMBER_IN_TEXT = re.compile(
    r"\b[A-Z]{1,5}[-#]?\d[\w-]*\b|#\s?\d+\b|\b\d{5,}\b|\b\d{1,3}(?:\.\d{1,3}){3}\b"
)
# A named programme, clinic, centre, hospital, school or employer: capitalised words ending in
# one of these ("Riverside Methadone Programme", "St Anne's Hospital"), and a substance-use
# programme however it is named (42 CFR Part 2 programme names identify a patient as one).
NAMED_PLACE_IN_TEXT = re.compile(
    r"\b(?:[A-Z][\w'&.-]*\s+){1,6}(?:Program|Programme|Clinic|Centre|Center|Hospital|School"
    r"|Academy|College|University|Practice|Surgery|Service|Services|Trust|House|Home|Unit"
    r"|Ltd|Limited|Inc|LLC|LLP|Company|Corporation|Church)\b"
    r"|\b(?:methadone|opioid|suboxone|buprenorphine|detox|addiction|rehab)\w*\s+"
    r"(?:treatment\s+)?(?:program|programme|clinic|centre|center)\s+(?:at|called|named|in)\s+"
    r"[A-Z][\w'&-]*(?:\s+[A-Z][\w'&-]*)*",
)
PLACE_AFTER_PREPOSITION = re.compile(
    r"\b(in|at|from|near|to) (?!I\b)[A-Z][a-z]+(?:[\s-][A-Z][a-z]+)*"
)

SUPERVISION_TEXT: tuple[tuple[re.Pattern[str], str], ...] = (
    (AGE_IN_TEXT, "[age]"),
    (PROFESSION_IN_TEXT, "[profession]"),
)
SAFE_HARBOR_TEXT: tuple[tuple[re.Pattern[str], str], ...] = (
    (CONTACT_IN_TEXT, "[contact]"),
    (NAMED_PLACE_IN_TEXT, "[named place or programme]"),
    (DATE_IN_TEXT, "[date]"),
    (AGE_IN_TEXT, "[age]"),
    (NUMBER_IN_TEXT, "[number]"),
    (MONTH_IN_TEXT, "[month]"),
    (PROFESSION_IN_TEXT, "[profession]"),
    (PLACE_AFTER_PREPOSITION, r"\1 [place]"),  # the preposition stays
)
# Safe Harbor (b)(2)(i)(B): every geographic subdivision smaller than a state.
BELOW_STATE_KEYS = (
    ("place", "a place below state level"),
    ("county", "a county"),
    ("city", "a city"),
    ("zip", "a ZIP code"),
    ("postal_code", "a postcode"),
    ("location", "a location"),
)

SUPERVISION_COARSENING = Coarsening(dates="month", ages="life-stage", text_rules=SUPERVISION_TEXT)
SAFE_HARBOR_COARSENING = Coarsening(
    dates="year", ages="band", removed_keys=BELOW_STATE_KEYS, text_rules=SAFE_HARBOR_TEXT
)

_YEAR = re.compile(r"^(?:19|20)\d{2}$")
# Values that are the law's or the policy's words, not facts about a person: a statute cited as
# the grounds, case-file paths an order or request names.
NOT_ABOUT_A_PERSON = frozenset({"statutory_basis", "authorised_fields", "requested_fields"})
_RESIDUAL_NUMBER = re.compile(r"(?<!\d)\d+(?!\d)")


@dataclass(frozen=True)
class SafeHarborResult:
    """The export's content if it meets the standard, else ``refused`` with the reasons."""

    view: DeidentifiedView
    refused: list[str]

    @property
    def meets_standard(self) -> bool:
        return not self.refused


def _texts(node: Any, path: str = "") -> list[tuple[str, str]]:
    """Every text of the content with its path; an age band is the rule's own output, and a
    citation or a list of case-file paths is not about a person."""
    if isinstance(node, dict):
        return [
            t
            for k, v in node.items()
            if k not in AGE_KEYS and k not in NOT_ABOUT_A_PERSON
            for t in _texts(v, f"{path}.{k}" if path else k)
        ]
    if isinstance(node, list):
        return [t for i, v in enumerate(node) for t in _texts(v, f"{path}[{i}]")]
    return [(path, node)] if isinstance(node, str) else []


def residual_identifiers(content: dict[str, Any]) -> list[str]:
    """What still looks like an identifier after the rules, as "path: category" (never the
    value): a number that is not a year or a small count, which the text rules did not
    recognise ("she is 46", "room 12", "bed 4B"): it may be an age, a day or a record number."""
    found: list[str] = []
    for path, text in _texts(content):
        if _YEAR.match(text.strip()):
            continue
        for number in _RESIDUAL_NUMBER.findall(text):
            if not (_YEAR.match(number) or int(number) < 10):
                found.append(f"{path}: a number that may be an age, a date or a record number")
                break
    return found


def safe_harbor_export(case: dict[str, Any], *, on: date) -> SafeHarborResult:
    """The case under Safe Harbor, or refused where an identifier may remain."""
    view = deidentify(case, on=on, coarsening=SAFE_HARBOR_COARSENING)
    return SafeHarborResult(view=view, refused=residual_identifiers(view.content))
