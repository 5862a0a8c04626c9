"""The API's refusals shown next to the fields they name.

`problems_of` reads a refusal as a list of ``{"field", "problem"}``, whatever shape the API
answered in (its ``{"errors": [...]}``, FastAPI's ``detail`` list or string, or no JSON at all);
`state_from` makes the `FormState` of the form shown again: the values as submitted, each problem
next to the input its field names (``guardians[0].name`` is the input ``guardians.name``).

Problems never echo a submitted value: they are the API's words, which never do either.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import httpx

from dutyflow.web.forms import field_label


@dataclass
class FormState:
    """What a re-shown form carries: the submitted values (by input name) and the problems."""

    values: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def value(self, name: str) -> str:
        return (self.values.get(name) or [""])[0]

    def selected(self, name: str) -> list[str]:
        return self.values.get(name, [])


def problems_of(answer: httpx.Response) -> list[dict[str, str]]:
    """The problems of a refused API call, each naming its field (``""`` when it names none)."""
    refused = [{"field": "", "problem": f"the request was refused ({answer.status_code})"}]
    try:
        body = answer.json()
    except ValueError:
        return refused
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        errors: list[dict[str, str]] = body["errors"]
        return errors
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, list) and all(isinstance(d, dict) and "problem" in d for d in detail):
        return [{"field": str(d.get("field", "")), "problem": str(d["problem"])} for d in detail]
    if isinstance(detail, str):
        named, sep, problem = detail.partition(": ")
        return [{"field": named, "problem": problem} if sep else {"field": "", "problem": detail}]
    return refused


def problems_text(answer: httpx.Response) -> str:
    """The problems of a refused API call in one line, for a refusal page."""
    return "; ".join(p.get("problem", "") for p in problems_of(answer))


def input_name(path: str) -> str:
    """The input an API problem's field names: ``guardians[0].name`` is ``guardians.name``."""
    name = path
    while "[" in name:
        start = name.index("[")
        end = name.index("]", start)
        name = name[:start] + name[end + 1 :]
    return name


def input_for_problem(field: str, names: set[str]) -> str | None:
    """The input of ``names`` a problem's field is about: the input of that name
    (``potential_victims[1].phone``), else of that name without item numbers
    (``guardians[0].name`` is ``guardians.name``), else the first item's (``potential_victims.name``
    is ``potential_victims[0].name``), else an input inside or around that path."""
    if field in names:
        return field
    bare = input_name(field)
    if bare in names:
        return bare
    section, _, rest = bare.partition(".")
    if rest and f"{section}[0].{rest}" in names:
        return f"{section}[0].{rest}"
    return next(
        (n for n in sorted(names) if n.startswith(bare + ".") or bare.startswith(n + ".")), None
    )


def state_from(
    form: dict[str, list[str]], errors: list[dict[str, str]], inputs: Iterable[str]
) -> FormState:
    """The form to show again: the values as submitted, each problem next to its input (of the
    names ``inputs``), and the problems of no input on their own, named in words."""
    state = FormState(values=form)
    names = set(inputs)
    for error in errors:
        field_name = str(error.get("field", ""))
        problem = str(error.get("problem", "is not valid"))
        target = input_for_problem(field_name, names) if field_name else None
        if target is None:
            state.general.append(f"{field_label(field_name)}: {problem}" if field_name else problem)
        else:
            state.errors.setdefault(target, []).append(problem)
    return state
