"""De-identified views of a case, for supervision, teaching, research and quality review.

Therapists discuss cases by concealing who the client is. This module does it by rule, on the
case's content as a JSON-like tree (a `CaseFile` dumped in JSON mode):

- **Removed**: names, addresses, phone numbers, e-mail, schools, employers and professions,
  facility names, record numbers, reference and court case numbers, distinguishing features,
  ethnicity, the reporter's details, and anything the practitioner marked private
  (``PRIVATE_KEYS``), which only a court order expressly naming it can bring back (and not here).
- **Coarsened**: a date of birth or an age becomes an age band (``10-14``); every other date or
  time becomes its month (``2026-11``).
- **Masked in free text**: every name, address, phone number, school and employer found in the
  case is replaced wherever it appears in a narrative, whatever its letter case, with punctuation
  or a possessive around it, the full name or each part of it: ``Sam's`` becomes
  ``[victim]'s``. People keep their role (``[client]``, ``[victim]``, ``[guardian 1]``) so the
  story still reads.

The result says what was removed, coarsened and masked (by field path, never by value) and which
residual risks remain: de-identification by rule cannot see a rare combination of facts, and the
reader of a view is told so. Pure functions: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

# Keys whose values identify someone: removed wherever they appear.
IDENTIFYING_KEYS: dict[str, str] = {
    "name": "a name",
    "aliases": "a name",
    "address": "an address",
    "phone": "a phone number",
    "phone_number": "a phone number",
    "email": "an e-mail address",
    "school": "a school",
    "employer": "an employer",
    "profession": "a profession",
    "occupation": "a profession",
    "business_name": "an employer",
    "business_address": "an address",
    "facility_name": "a facility name",
    "facility_address": "an address",
    "directed_to_address": "an address",
    "requesting_party_address": "an address",
    "medical_record_number": "a record number",
    "reference_number": "a reference number",
    "case_number": "a court case number",
    "distinguishing_features": "distinguishing features",
    "physical_description": "distinguishing features",
    "ethnicity": "a quasi-identifier (ethnicity)",
    "official_name": "a name",
    "judge": "a name",
    "present_location": "a location",
    "client_id": "an identifier",
    "practitioner_id": "an identifier",
    "case_id": "an identifier",
}
# Whole sections that are about identities, not about the case's facts.
IDENTIFYING_SECTIONS: dict[str, str] = {
    "reporter": "the reporter's identity",
    "institution": "the reporter's institution and its staff",
}
# Content the practitioner marks private: never in a view or an export.
PRIVATE_KEYS: dict[str, str] = {
    "private_content": "marked private by the practitioner",
    "private_notes": "marked private by the practitioner",
    "psychotherapy_notes": "psychotherapy notes",
}
AGE_KEYS = ("birth_date", "approximate_age", "age")
# Person sections, and the label a person there keeps in masked text.
PERSON_ROLES: dict[str, str] = {
    "client": "client",
    "victim": "victim",
    "other_victims": "victim",
    "household_members": "household member",
    "guardians": "guardian",
    "suspect": "suspect",
    "potential_victims": "potential victim",
    "support_contacts": "contact",
    "reporter": "reporter",
}
# Values found anywhere in the case that are masked in free text.
MASKED_VALUE_KEYS = {
    "name": None,
    "aliases": None,  # each alias, separated by ";" or ",", is a name of its own
    "address": "address",
    "phone": "phone",
    "phone_number": "phone",
    "school": "school",
    "employer": "employer",
    "business_name": "employer",
    "business_address": "address",
    "facility_name": "facility",
    "facility_address": "address",
    "official_name": "person",
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ][0-9:.+\-Z]*)?$")
_MIN_NAME_PART = (
    3  # shorter parts ("Al", "Jo") would mask ordinary words; the full name still masks
)


@dataclass(frozen=True)
class Change:
    path: str
    what: str  # removed | coarsened | masked
    reason: str


@dataclass
class DeidentifiedView:
    content: dict[str, Any]
    changes: list[Change] = field(default_factory=list)
    residual_risks: list[str] = field(default_factory=list)

    def removed(self) -> list[str]:
        return [c.path for c in self.changes if c.what == "removed"]

    def masked(self) -> list[str]:
        return [c.path for c in self.changes if c.what == "masked"]


@dataclass(frozen=True)
class _Identifier:
    pattern: re.Pattern[str]
    label: str


def age_band(age: int) -> str:
    if age < 0:
        return "unknown"
    if age >= 90:
        return "90+"
    low = age // 5 * 5
    return f"{low}-{low + 4}"


def _age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _month(value: str) -> str:
    return value[:7]


def _name_pattern(name: str) -> list[str]:
    """The full name (any spacing) and each part long enough to mask safely."""
    parts = [p for p in re.split(r"[\s,]+", name.strip()) if p]
    parts = [p for p in parts if not re.fullmatch(r"(?i)(dr|mr|mrs|ms|mx|prof|rev)\.?", p)]
    if not parts:
        return []
    patterns = [r"\s+".join(re.escape(p) for p in parts)]
    patterns += [re.escape(p.strip(".")) for p in parts if len(p.strip(".")) >= _MIN_NAME_PART]
    return patterns


def _identifiers(case: dict[str, Any]) -> list[_Identifier]:
    """Everything in the case that must not be readable in its free text, longest first."""
    found: list[tuple[str, str]] = []
    counters: dict[str, int] = {}

    def person_label(role: str, many: bool) -> str:
        if not many:
            return role
        counters[role] = counters.get(role, 0) + 1
        return f"{role} {counters[role]}"

    def collect(node: Any, label: str | None) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in MASKED_VALUE_KEYS and isinstance(value, str) and value.strip():
                    kind = MASKED_VALUE_KEYS[key]
                    if kind is None:  # a name: the person's role
                        names = re.split(r"[;,]", value) if key == "aliases" else [value]
                        for pattern in (p for n in names for p in _name_pattern(n)):
                            found.append((pattern, label or "person"))
                    else:
                        found.append((r"\s+".join(re.escape(w) for w in value.split()), kind))
                elif key in PERSON_ROLES:
                    role = PERSON_ROLES[key]
                    if isinstance(value, list):
                        for item in value:
                            collect(item, person_label(role, True))
                    else:
                        collect(value, role)
                else:
                    collect(value, label)
        elif isinstance(node, list):
            for item in node:
                collect(item, label)

    collect(case, None)
    unique: dict[str, str] = {}
    for pattern, label in found:
        key = pattern.lower()
        # A part two people share (a family name) says only "a name", not whose.
        unique[key] = label if unique.get(key, label) == label else "name"
    ordered = sorted(unique.items(), key=lambda item: -len(item[0]))
    return [
        _Identifier(re.compile(rf"(?<![\w]){pattern}(?![\w])", re.IGNORECASE), f"[{label}]")
        for pattern, label in ordered
    ]


def mask_text(text: str, identifiers: list[_Identifier]) -> tuple[str, int]:
    """``text`` with every identifier replaced by its label; answers the number of replacements."""
    total = 0
    for identifier in identifiers:
        text, count = identifier.pattern.subn(identifier.label, text)
        total += count
    return text, total


@dataclass(frozen=True)
class Coarsening:
    """How far a view coarsens what it keeps: dates to their month (supervision) or year (Safe
    Harbor); ages to a five-year band or a life stage; ``removed_keys`` beyond the identifying
    ones (Safe Harbor: every place below the state); ``text_rules`` masking further identifiers
    in free text (ages, professions, dates, numbers, programme names)."""

    dates: str = "month"  # month | year
    ages: str = "band"  # band | life-stage
    removed_keys: tuple[tuple[str, str], ...] = ()
    text_rules: tuple[tuple[re.Pattern[str], str], ...] = ()


SUPERVISION = Coarsening()


def life_stage(age: int) -> str:
    """What a decision about a person needs of their age, without the age itself."""
    if age < 0:
        return "unknown"
    if age < 13:
        return "child"
    if age < 18:
        return "adolescent"
    if age < 65:
        return "adult"
    return "older adult"


def deidentify(
    case: dict[str, Any],
    *,
    on: date,
    reveal: frozenset[str] = frozenset(),
    coarsening: Coarsening = SUPERVISION,
) -> DeidentifiedView:
    """The de-identified view of ``case`` as of ``on`` (for ages). ``reveal``: field paths the
    practitioner chose to show (with a recorded reason, see the caller); private content is never
    revealed here."""
    identifiers = _identifiers(case) + [
        _Identifier(pattern, label) for pattern, label in coarsening.text_rules
    ]
    removed_keys = dict(coarsening.removed_keys)
    changes: list[Change] = []
    keep_date = (lambda v: v[:4]) if coarsening.dates == "year" else _month
    date_reason = f"a date shown as its {coarsening.dates}"

    def age_label(age: int) -> str:
        return life_stage(age) if coarsening.ages == "life-stage" else age_band(age)

    def walk(node: Any, path: str, key: str | None) -> Any:
        if key in PRIVATE_KEYS:
            changes.append(Change(path, "removed", PRIVATE_KEYS[key]))
            return _REMOVED
        if path in reveal:
            return node
        if key in IDENTIFYING_SECTIONS:
            changes.append(Change(path, "removed", IDENTIFYING_SECTIONS[key]))
            return _REMOVED
        if key in IDENTIFYING_KEYS and node not in (None, "", []):
            changes.append(Change(path, "removed", IDENTIFYING_KEYS[key]))
            return _REMOVED
        if key in removed_keys and node not in (None, "", []):
            changes.append(Change(path, "removed", removed_keys[key]))
            return _REMOVED
        if key in AGE_KEYS and node is not None:
            changes.append(
                Change(path, "coarsened", f"an age {coarsening.ages} instead of an exact age")
            )
            if isinstance(node, str):
                return age_label(_age_on(date.fromisoformat(node[:10]), on))
            return age_label(int(node))
        if isinstance(node, dict):
            result = {}
            for child_key, value in node.items():
                walked = walk(value, f"{path}.{child_key}" if path else child_key, child_key)
                if walked is not _REMOVED:
                    result[child_key] = walked
            return result
        if isinstance(node, list):
            return [
                w
                for i, item in enumerate(node)
                if (w := walk(item, f"{path}[{i}]", None)) is not _REMOVED
            ]
        if isinstance(node, (date, datetime)):
            changes.append(Change(path, "coarsened", date_reason))
            return keep_date(node.isoformat())
        if isinstance(node, str):
            if _DATE.match(node):
                changes.append(Change(path, "coarsened", date_reason))
                return keep_date(node)
            masked, count = mask_text(node, identifiers)
            if count:
                changes.append(Change(path, "masked", f"{count} identifier(s) in free text"))
            return masked
        return node

    content = walk(case, "", None)
    return DeidentifiedView(
        content=content, changes=changes, residual_risks=residual_risks(content)
    )


class _Removed:
    pass


_REMOVED = _Removed()

# Facts that are rare enough to point at a person when combined with the rest.
_RARE_FACTS = {
    "disabilities": "a disability is described",
    "in_foster_care": "foster care is mentioned",
    "out_of_home_care": "the out-of-home care is described",
    "incident_resulted_in_death": "a death is recorded",
    "primary_language": "the primary language is given",
    "long_term_care_facility": "a care setting is named",
    "residential_health_care_facility": "a care setting is named",
    "justice_center_setting": "a care setting is named",
    "county": "the county is given",
    "jurisdiction": "the jurisdiction is given",
}


def residual_risks(content: dict[str, Any]) -> list[str]:
    """What rules cannot remove: said plainly, for the reader of the view or export."""
    risks = [
        "Free-text narratives are masked for the names, addresses and numbers in the case, but may "
        "still describe events, places or relationships that identify someone to a reader who "
        "knows them.",
    ]
    present: list[str] = []

    def scan(node: Any, key: str | None) -> None:
        if isinstance(node, dict):
            for child_key, value in node.items():
                scan(value, child_key)
        elif isinstance(node, list):
            for item in node:
                scan(item, key)
        elif key in _RARE_FACTS and node not in (None, "", False):
            present.append(_RARE_FACTS[key])

    scan(content, None)
    if present:
        risks.append(
            "A rare combination of facts can identify a person even without names: "
            + "; ".join(sorted(set(present)))
            + ". Share it only where the readers are unlikely to know the people involved."
        )
    return risks
