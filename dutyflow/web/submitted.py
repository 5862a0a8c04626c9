"""From a submitted form to the JSON body the API expects: each input's value as its kind wants
it (a yes/no as a boolean, a time as an aware ISO time, lines as a list), nested by case-file path
(``victim.name`` into ``{"victim": {"name": ...}}``). Pure functions, no I/O.

A value that cannot be read (a time that is not one) is passed on as typed: the API refuses it
and names the field, so the refusal shows next to the input (`dutyflow.web.refusals`).
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from dutyflow.web.forms import FormInput, field_type, shown_inputs
from dutyflow.web.times import local_zone


def to_instant(value: str, zone: tzinfo | None = None) -> str | None:
    """A ``datetime-local`` value (or a full ISO time) as an aware ISO time; None if unreadable
    (the value is then passed on as typed, and the API names the field)."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone or local_zone())
    return parsed.isoformat()


def first_value(form: dict[str, list[str]], name: str) -> str:
    """The first value submitted under ``name``, stripped; ``""`` if none."""
    return (form.get(name) or [""])[0].strip()


def optional_value(form: dict[str, list[str]], name: str) -> str | None:
    """The first value submitted under ``name``; None if left empty."""
    return first_value(form, name) or None


def instant_value(form: dict[str, list[str]], name: str) -> str | None:
    """The time submitted under ``name`` as an aware ISO time (as typed if unreadable: the API
    names the field); None if left empty."""
    value = first_value(form, name)
    return (to_instant(value) or value) if value else None


def chosen_values(form: dict[str, list[str]], name: str) -> list[str]:
    """Every non-empty value submitted under ``name`` (the ticked boxes), stripped."""
    return [v.strip() for v in form.get(name, []) if v.strip()]


def convert(form_input: FormInput, values: list[str]) -> Any:
    """The submitted value of one input, as the API's JSON wants it; None when left empty."""
    present = [v.strip() for v in values if v.strip()]
    if form_input.kind == "choices":
        return present or None
    if form_input.kind == "lines":
        lines = [line.strip() for v in present for line in v.splitlines() if line.strip()]
        return lines or None
    if not present:
        return None
    value = present[0]
    if form_input.kind == "yes-no":
        return {"yes": True, "no": False}.get(value, value)
    if form_input.kind == "datetime":
        return to_instant(value) or value
    return value


def nest(inputs: list[FormInput], form: dict[str, list[str]]) -> dict[str, Any]:
    """The JSON body of the submitted inputs: ``victim.name`` into ``{"victim": {"name": ...}}``,
    an item of a repeating group (``potential_victims[1].phone``) into that item of the list, and
    a list section asked by a single input (``guardians.name``) into a list of one. Items left
    empty are left out (`dutyflow.web.answer_items.without_empty_items` numbers the rest)."""
    body: dict[str, Any] = {}
    items: dict[str, dict[int, dict[str, Any]]] = {}
    for form_input in shown_inputs(inputs, form):
        value = convert(form_input, form.get(form_input.name, []))
        if value is None:
            continue
        section, _, name = form_input.name.partition(".")
        if not name:
            body[section] = value
            continue
        if "[" in section:
            list_name, _, index = section.partition("[")
            items.setdefault(list_name, {}).setdefault(int(index.rstrip("]")), {})[name] = value
            continue
        _, _, section_is_list = field_type(form_input.name)
        if section_is_list:
            items.setdefault(section, {}).setdefault(0, {})[name] = value
        else:
            body.setdefault(section, {})[name] = value
    for section, numbered in items.items():
        body[section] = [numbered[i] for i in sorted(numbered)]
    return body
