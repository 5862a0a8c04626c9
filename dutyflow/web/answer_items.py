"""The items of a repeating answer (several people at risk, several parents) in a submitted form:
adding one, removing one, and dropping the empty ones before the form is sent, so that the items'
numbers in the form are the API's (``potential_victims[1].phone``). Pure functions on the
submitted values (input name to values), no I/O; works without JavaScript, as the "add another"
and "remove" buttons are submit buttons of the form itself.

What a group is lives in `dutyflow.web.forms`; how the values become JSON, `dutyflow.web.submitted`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from dutyflow.web.forms import FormInput, item_indices

Values = dict[str, list[str]]
ADD = "add-item"
REMOVE = "remove-item"

_ITEM = re.compile(r"^([a-z_]+)\[(\d+)\]\.(.+)$")


def _split(name: str) -> tuple[str, int, str] | None:
    match = _ITEM.match(name)
    return (match.group(1), int(match.group(2)), match.group(3)) if match else None


def _renumbered(values: Values, section: str, keep: list[int]) -> Values:
    """``values`` with the items of ``section`` kept in ``keep``'s order, numbered from 0."""
    new_number = {old: new for new, old in enumerate(keep)}
    result: Values = {}
    for name, submitted in values.items():
        parts = _split(name)
        if parts is None or parts[0] != section:
            result[name] = submitted
        elif parts[1] in new_number:
            result[f"{section}[{new_number[parts[1]]}].{parts[2]}"] = submitted
    return result


def _repeating(inputs: Iterable[FormInput]) -> list[str]:
    return [i.section for i in inputs if i.kind == "group" and i.repeats]


def _filled(values: Values, section: str, index: int) -> bool:
    prefix = f"{section}[{index}]."
    return any(
        name.startswith(prefix) and any(v.strip() for v in submitted)
        for name, submitted in values.items()
    )


def without_empty_items(inputs: Iterable[FormInput], values: Values) -> Values:
    """The values with every empty item of a repeating group dropped and the rest numbered from 0
    (as they will be in the JSON list the API reads)."""
    for section in _repeating(inputs):
        keep = [i for i in item_indices(section, values) if _filled(values, section, i)]
        values = _renumbered(values, section, keep)
    return values


def asked_to_change_items(values: Values) -> bool:
    """Whether the form was submitted by an "add another" or "remove" button."""
    return bool(values.get(ADD) or values.get(REMOVE))


def items_changed(inputs: Iterable[FormInput], values: Values) -> Values:
    """The values after the "add another" (``add-item=<section>``) or "remove"
    (``remove-item=<section>[<n>]``) button that submitted the form, every typed value kept."""
    sections = _repeating(inputs)
    result = {k: v for k, v in values.items() if k not in (ADD, REMOVE)}
    added = (values.get(ADD) or [""])[0]
    if added in sections:
        indices = item_indices(added, result)
        result[f"{added}[{max(indices) + 1}].name"] = [""]
    removed = _split((values.get(REMOVE) or [""])[0] + ".x")
    if removed is not None and removed[0] in sections:
        section, index, _ = removed
        keep = [i for i in item_indices(section, result) if i != index]
        result = _renumbered(result, section, keep)
    return result
