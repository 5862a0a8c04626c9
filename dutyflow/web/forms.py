"""The web app's forms as data: which inputs a page shows, each with its kind, label and legal
reason for asking, and a case-file path as a person reads it. Pure functions, no I/O. How a
submitted form becomes the API's JSON is `dutyflow.web.submitted`; how a refused one is shown
again, `dutyflow.web.refusals`.

The guided report asks exactly the questions of the kind's policy (``grounds_questions``), each
with its citation, by case-file path (``grounds.observations``). The input's name is that path, so
the API's refusals (``{"field": "grounds.observations", ...}``) land next to the input they are
about. A question whose answer is a structure (its ``parts``: a person with their phone and
address) is a *group* of inputs; where its section is a list (``potential_victims``) the group
repeats, one item per person, and the items' inputs are named by index
(``potential_victims[1].phone``), as the API names its refusals. The type of each input comes
from the case models (`dutyflow.domain.case`): a yes/no, a date, a time, a choice, several
choices, lines or text.

Times are entered in the server's time zone (`dutyflow.web.times.zone_name`) and the label says
which.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel

from dutyflow.domain.case import GroundsSubmission, Reporter
from dutyflow.domain.policy import GroundsQuestion, Policy

InputKind = Literal[
    "text", "textarea", "datetime", "date", "yes-no", "choice", "choices", "lines", "group"
]

# Free text that may run to sentences gets a text area.
_LONG_TEXT = frozenset(
    {
        "observations",
        "statements",
        "past_incidents",
        "actions_taken",
        "source_description",
        "description",
        "reasons",
        "scope",
        "requested_records",
        "worker_safety_concerns",
        "others_with_knowledge",
        "other_relevant_information",
        "treatment_summary",
        "consent",
        "business_address",
        "address",
        "notes",
        "comments",
        "justification",
        "method",
    }
)
SUSPICION_FORMED_AT = "grounds.suspicion_formed_at"
STATUTORY_BASIS = "grounds.statutory_basis"


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class FormInput:
    """One input: its name (a case-file path), label, kind, whether required, and the legal
    reason for asking (the policy rule's citation).

    A ``group`` is one question answered by several inputs (``parts``, each named by its own
    path); a group that ``repeats`` is a list section, one item per person, and its parts'
    names are the paths without an index (``potential_victims.phone``): `items` gives each
    item's inputs, named by index."""

    name: str
    label: str
    kind: InputKind
    required: bool = False
    citation: str | None = None
    choices: tuple[Choice, ...] = ()
    hint: str | None = None
    parts: tuple[FormInput, ...] = ()
    repeats: bool = False
    each: str = ""

    @property
    def html_id(self) -> str:
        base = "f-" + self.name.replace(".", "-").replace("_", "-").replace("[", "-")
        # A group is named by its first part's path: its own id must not be that input's.
        return base.replace("]", "") + ("-group" if self.kind == "group" else "")

    @property
    def section(self) -> str:
        return self.name.split(".", 1)[0]

    def item(self, index: int) -> list[FormInput]:
        """The inputs of item ``index`` of a repeating group, named and labelled by its number."""
        return [
            replace(
                part,
                name=f"{self.section}[{index}].{part.name.split('.', 1)[1]}",
                label=f"{self.each} {index + 1}: {part.label.split(': ', 1)[-1].lower()}",
            )
            for part in self.parts
        ]

    def items(self, values: Mapping[str, list[str]]) -> list[tuple[int, list[FormInput]]]:
        """The items of a repeating group to show: one per index submitted (at least one)."""
        return [(index, self.item(index)) for index in item_indices(self.section, values)]

    def shown(self, values: Mapping[str, list[str]]) -> list[FormInput]:
        """Every input this question shows, given the submitted values (an input: itself)."""
        if self.kind != "group":
            return [self]
        if not self.repeats:
            return list(self.parts)
        return [part for _, inputs in self.items(values) for part in inputs]


_INDEXED = re.compile(r"^([a-z_]+)\[(\d+)\]\.")


def item_indices(section: str, values: Iterable[str]) -> list[int]:
    """The item numbers of a list section among submitted input names (``[0]`` if none)."""
    found = {
        int(match.group(2))
        for name in values
        if (match := _INDEXED.match(name)) and match.group(1) == section
    }
    return sorted(found) or [0]


def shown_inputs(inputs: Iterable[FormInput], values: Mapping[str, list[str]]) -> list[FormInput]:
    """Every input the questions show, groups expanded, given the submitted values."""
    return [shown for form_input in inputs for shown in form_input.shown(values)]


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """``(inner type, is_list)`` of ``X | None``, ``list[X]``."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(inner[0]) if len(inner) == 1 else (str, False)
    if origin is list:
        inner, _ = _unwrap(typing.get_args(annotation)[0])
        return inner, True
    return annotation, False


def section_model(section: str) -> tuple[type[BaseModel] | None, bool]:
    info = GroundsSubmission.model_fields.get(section)
    if info is None:
        return None, False
    inner, is_list = _unwrap(info.annotation)
    return (inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None), is_list


def field_type(path: str) -> tuple[Any, bool, bool]:
    """``(type, is_list_value, section_is_list)`` of a case-file path of a grounds submission."""
    section, _, name = path.partition(".")
    model, section_is_list = section_model(section)
    if model is None or name not in model.model_fields:
        return str, False, section_is_list
    inner, is_list = _unwrap(model.model_fields[name].annotation)
    return inner, is_list, section_is_list


def _humanise(value: str) -> str:
    return value.replace("-", " ").replace("_", " ").capitalize()


def input_for(
    path: str, label: str, *, required: bool, citation: str | None, zone: str
) -> FormInput:
    kind_of, is_list, _ = field_type(path)
    name = path.rsplit(".", 1)[-1]
    choices: tuple[Choice, ...] = ()
    hint = None
    kind: InputKind
    if isinstance(kind_of, type) and issubclass(kind_of, StrEnum):
        choices = tuple(Choice(m.value, _humanise(m.value)) for m in kind_of)
        kind = "choices" if is_list else "choice"
    elif is_list:
        kind, hint = "lines", "One per line."
    elif kind_of is bool:
        kind = "yes-no"
    elif kind_of is datetime:
        kind, hint = "datetime", f"Date and time, {zone}."
    elif kind_of is date:
        kind = "date"
    else:
        kind = "textarea" if name in _LONG_TEXT else "text"
    return FormInput(
        name=path,
        label=label,
        kind=kind,
        required=required,
        citation=citation,
        choices=choices,
        hint=hint,
    )


def grounds_inputs(policy: Policy, zone: str) -> list[FormInput]:
    """What the kind's policy asks, in its order; the legal basis the grounds cite comes first,
    and when the duty arose is always asked (every deadline runs from it)."""
    inputs = [
        FormInput(
            name=STATUTORY_BASIS,
            label="Under which provision do you report?",
            kind="choice",
            required=True,
            citation=", ".join(b.citation for b in policy.statutory_bases),
            choices=tuple(
                Choice(b.code, f"{b.code}: {b.description}") for b in policy.statutory_bases
            ),
        )
    ]
    asked = {q.answer for q in policy.grounds_questions}
    if SUSPICION_FORMED_AT not in asked:
        inputs.append(
            input_for(
                SUSPICION_FORMED_AT,
                "When did the duty arise (for an order or a subpoena: when you received it)?",
                required=True,
                citation=None,
                zone=zone,
            )
        )
    inputs += [question_input(q, zone) for q in policy.grounds_questions]
    return inputs


# What one part of a structured answer is called, by its field's name.
PART_LABELS = {
    "name": "name",
    "aliases": "other names they are known by (aliases), separated by semicolons",
    "phone": "telephone",
    "address": "address",
    "present_location": "where they are now",
    "relationship_to_client": "relationship to the client",
    "relationship": "relationship to the child or adult",
    "birth_date": "date of birth",
    "approximate_age": "age in years, if the date of birth is not known",
    "sex": "sex",
    "ethnicity": "ethnicity",
    "school": "school",
    "grade": "grade",
    "primary_language": "primary language",
    "disabilities": "disabilities",
    "in_foster_care": "in foster care?",
    "out_of_home_care": "if in out-of-home care when it happened: which (day care, foster home...)",
    "photos_taken": "were photographs taken?",
    "incident_resulted_in_death": "did the incident result in their death?",
    "relationship_to_suspect": "relationship to the person suspected",
    "distinguishing_features": "distinguishing features (non-clinical)",
    "other_relevant_information": "other relevant information",
    "physical_description": "physical description",
    "role": "sibling or other member of the household",
    "occurred_on": "date",
    "time_of_day": "time of day",
    "place": "place",
    "domestic_violence": "is there domestic violence?",
    "worker_safety_concerns": "anything a caseworker should know for their safety",
    "long_term_care_facility": "in a long-term care facility?",
    "facility_name": "the facility's name",
    "facility_address": "the facility's address",
    "institution_name": "the institution, school, facility or agency",
    "works_with_children": "do they work or volunteer with children?",
    "unable_to_protect_self": "because of those needs, unable to protect themselves?",
    "best_interests_reasons": "if they lack it: why the referral is in their best interests",
    "title": "title",
    "staff_with_direct_knowledge": (
        "every staff member believed to have direct knowledge (name, title, contact)"
    ),
    "alleged_abuser_has_diagnosed_dementia": (
        "is that resident's dementia diagnosed by a licensed physician?"
    ),
    "judge": "judge or officer who made it",
    "directed_to": "to whom the order directs the records",
    "court": "court",
    "case_number": "case number",
    "notice_allowed_objection": "did the notice give the client time to object?",
    "objection_period_expired": "has that time passed?",
    "objections_none_or_resolved": "no objection made, or every objection resolved?",
    "description": "what is threatened",
    "means": "the means (e.g. a weapon), if known",
    "communicated_at": "when the threat was made",
    "credible_report_source": "if a credible report: who made it",
    "responsible_for_care": "responsible for the person's care?",
    "decision": "your decision (share, or not)",
    "consent_not_sought_reason": "if consent was not sought: why not",
    "person_informed": "was the person told that it is shared?",
    "treatment_dates": "dates of treatment",
    "diagnosis": "diagnosis",
    "treatment_summary": "treatment summary",
}
# What the person a section holds is called, where the policy does not say (``each``).
SECTION_NOUNS = {
    "victim": "Victim",
    "suspect": "Person suspected",
    "client": "Client",
    "guardians": "Parent or guardian",
    "potential_victims": "Person at risk",
    "support_contacts": "Contact",
    "other_victims": "Another victim",
    "institution": "Institution",
    "household_members": "Household member",
}


def question_input(question: GroundsQuestion, zone: str) -> FormInput:
    """The input of one policy question: a group of inputs when its answer is a structure."""
    single = input_for(
        question.answer,
        question.asks,
        required=question.required,
        citation=question.citation,
        zone=zone,
    )
    if not question.parts:
        return single
    section, _, first = question.answer.rpartition(".")
    _, _, repeats = field_type(question.answer)
    noun = question.each or SECTION_NOUNS.get(section, _humanise(section))
    parts = tuple(
        replace(
            input_for(f"{section}.{name}", "", required=False, citation=None, zone=zone),
            label=f"{noun}: {PART_LABELS.get(name, _humanise(name).lower())}",
        )
        for name in (first, *question.parts)
    )
    return replace(single, kind="group", parts=parts, repeats=repeats, each=noun)


REPORTER_INPUTS: tuple[tuple[str, str, bool], ...] = (
    ("reporter.name", "Your name, as the report gives it", True),
    ("reporter.title", "Your professional title", True),
    ("reporter.mandated_reporter_category", "Your mandated-reporter category", True),
    ("reporter.business_name", "Your practice or clinic's name", True),
    ("reporter.business_address", "Your practice's address", True),
    ("reporter.phone", "Your telephone number", True),
    ("reporter.email", "Your e-mail address (some forms ask it, e.g. SOC 341)", False),
)


def opening_inputs() -> list[FormInput]:
    """The opening of a report besides kind and jurisdiction: where, whose record, who reports."""
    inputs = [
        FormInput(
            "county",
            "County (or local authority) where the case is",
            "text",
            required=True,
            hint="It decides which agency receives the report.",
        ),
        FormInput(
            "client_id",
            "The client's id in your clinic's records",
            "text",
            required=True,
            hint="An opaque id such as client-0007, never a name: the accounting of "
            "disclosures is kept under it.",
        ),
    ]
    for path, label, required in REPORTER_INPUTS:
        name = path.split(".", 1)[1]
        assert name in Reporter.model_fields
        inputs.append(
            FormInput(path, label, "textarea" if name in _LONG_TEXT else "text", required=required)
        )
    inputs.append(
        FormInput("reporter.witnessed_incident", "Did you witness the incident yourself?", "yes-no")
    )
    return inputs


# --- a case-file path as a person reads it -------------------------------------------------------


def field_label(path: str) -> str:
    """``guardians[0].phone`` as ``Guardian 1: phone``, ``victim.medical_record_number`` as
    ``Victim: medical record number``: the path's parts in words, a list's item by its number."""
    words: list[str] = []
    for part in path.split("."):
        name, _, index = part.partition("[")
        text, number = name.replace("_", " "), index.rstrip("]")
        if number.isdigit():
            text = f"{text.removesuffix('s')} {int(number) + 1}"
        words.append(text)
    return ": ".join([words[0].capitalize(), *words[1:]]) if words else path
