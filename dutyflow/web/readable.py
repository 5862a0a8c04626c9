"""A case file (or its de-identified view) as a person reads it: only what was answered and
what the report's kind is about (its policy's questions and recipients' allow-lists), each field
by its label, yes/no for a yes/no, times in the clinic's zone; no row of ``—`` for every field
some other kind of report would have, no raw ``False``, ``None`` or ISO time. Pure functions;
`present` gives the entries a template lays out as a definition list.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dutyflow.domain.policy import Policy
from dutyflow.web.times import when

_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")


@dataclass(frozen=True)
class Entry:
    """One answered field: its label, and its value as text or the entries it holds."""

    label: str
    text: str | None = None
    entries: list[Entry] = field(default_factory=list)


def words(key: str) -> str:
    """``present_location`` as ``Present location``."""
    return key.replace("_", " ").replace("-", " ").strip().capitalize()


def value_text(value: Any) -> str:
    """A single value in words: ``Yes``/``No``, a time in the clinic's zone, else as written."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, str) and _ISO_TIME.match(value):
        return when(value)
    if isinstance(value, str):
        return value.replace("-", " ") if re.fullmatch(r"[a-z]+(-[a-z]+)+", value) else value
    return str(value)


def relevant_paths(policy: Policy) -> frozenset[str]:
    """The case-file paths a report of the policy's kind is about: what its questions ask and
    what its recipients may receive (``guardians[].phone`` as ``guardians.phone``)."""
    paths = {q.answer for q in policy.grounds_questions}
    paths |= {f for r in policy.recipients for f in r.allowed_fields}
    return frozenset(re.sub(r"\[[^\]]*\]", "", p) for p in paths)


def _relevant(path: str, relevant: frozenset[str] | None) -> bool:
    """``path`` is asked or sent itself, holds what is (a section), or is part of what is."""
    if relevant is None:
        return True
    return any(p == path or p.startswith(path + ".") or path.startswith(p + ".") for p in relevant)


def _answered(value: Any) -> bool:
    if value is None or value == "" or value == [] or value == {}:
        return False
    if isinstance(value, Mapping):
        return any(_answered(v) for v in value.values())
    if isinstance(value, list):
        return any(_answered(v) for v in value)
    return True


def _entry(label: str, value: Any, path: str, relevant: frozenset[str] | None) -> Entry:
    if isinstance(value, Mapping):
        return Entry(label, entries=present(value, relevant, path))
    if isinstance(value, list):
        answered = [v for v in value if _answered(v)]
        if all(not isinstance(v, Mapping | list) for v in answered):
            return Entry(label, text=", ".join(value_text(v) for v in answered))
        singular = label.removesuffix("s")
        return Entry(
            label,
            entries=[
                _entry(f"{singular} {n}", v, path, relevant) for n, v in enumerate(answered, 1)
            ],
        )
    return Entry(label, text=value_text(value))


def present(
    content: Mapping[str, Any], relevant: frozenset[str] | None = None, within: str = ""
) -> list[Entry]:
    """The answered fields of ``content`` (of those in ``relevant``, when given), in its order,
    nested as it is nested."""
    entries = []
    for key, value in content.items():
        path = f"{within}.{key}" if within else key
        if _answered(value) and _relevant(path, relevant):
            entry = _entry(words(key), value, path, relevant)
            if entry.text is not None or entry.entries:
                entries.append(entry)
    return entries
