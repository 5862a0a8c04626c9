"""Limiting a case file to what one recipient may receive.

A recipient's allow-list names leaf fields by dotted path (``victim.name``; ``guardians.address``
applies to every guardian). Only those leaves are copied; everything else is withheld, including
fields added to the case model later: a new field is never disclosed until a policy names it.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from dutyflow.domain.case import CaseFile


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation such as ``Suspect | None`` or ``list[Guardian]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def leaf_paths(model: type[BaseModel] = CaseFile, prefix: str = "") -> list[str]:
    """Every field path an allow-list may name, e.g. ``victim.name`` or ``grounds.observations``."""
    paths: list[str] = []
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        nested = _model_in(info.annotation)
        if nested is None:
            paths.append(path)
        else:
            paths.extend(leaf_paths(nested, prefix=f"{path}."))
    return paths


def _has_value(value: Any) -> bool:
    return value not in (None, "", [], {})


def _present_paths(value: Any, prefix: str = "") -> set[str]:
    """Leaf paths that carry a value somewhere in a dumped case file."""
    if isinstance(value, dict):
        found: set[str] = set()
        for key, item in value.items():
            found |= _present_paths(item, f"{prefix}{key}.")
        return found
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        found = set()
        for item in value:
            found |= _present_paths(item, prefix)
        return found
    return {prefix.rstrip(".")} if _has_value(value) else set()


def _copy_allowed(value: Any, allowed: set[str], prefix: str = "") -> Any:
    if isinstance(value, dict):
        copied: dict[str, Any] = {}
        for key, item in value.items():
            path = f"{prefix}{key}"
            has_allowed_children = any(a.startswith(f"{path}.") for a in allowed)
            if isinstance(item, dict) or (isinstance(item, list) and has_allowed_children):
                if has_allowed_children:
                    copied[key] = _copy_allowed(item, allowed, f"{path}.")
            elif path in allowed:
                copied[key] = item
        return copied
    if isinstance(value, list):
        return [_copy_allowed(item, allowed, prefix) for item in value]
    return value


@dataclass(frozen=True)
class LimitedDisclosure:
    """What one recipient receives (``fields``) and the audit's view of it (paths only, no values)."""

    fields: dict[str, Any]
    disclosed_paths: list[str] = field(default_factory=list)
    withheld_paths: list[str] = field(default_factory=list)


class UnknownFieldError(ValueError):
    """An allow-list names a field that the case model does not have."""


def check_allow_list(allowed: Iterable[str]) -> None:
    known = set(leaf_paths())
    unknown = sorted(set(allowed) - known)
    if unknown:
        raise UnknownFieldError(f"allow-list names unknown fields: {', '.join(unknown)}")


def limit_fields(case_file: CaseFile, allowed: Iterable[str]) -> LimitedDisclosure:
    """Copy only allow-listed leaves. Allowed leaves with no value stay present as ``None`` so a
    template can say 'unknown'; withheld leaves are absent, so a template naming one fails."""
    allowed_set = set(allowed)
    check_allow_list(allowed_set)
    dumped = case_file.model_dump(mode="json")
    present = _present_paths(dumped)
    limited = _copy_allowed(dumped, allowed_set)
    _fill_missing(limited, allowed_set)
    return LimitedDisclosure(
        fields=limited,
        disclosed_paths=sorted(present & allowed_set),
        withheld_paths=sorted(present - allowed_set),
    )


def _fill_missing(limited: dict[str, Any], allowed: set[str]) -> None:
    """Give allowed leaves of absent sub-objects (e.g. no suspect known) an explicit ``None``."""
    for path in sorted(allowed):
        head, _, rest = path.partition(".")
        if not rest:
            limited.setdefault(head, None)
            continue
        child = limited.get(head)
        if child is None:
            child = limited[head] = {}
        if isinstance(child, dict):
            _fill_missing(child, {rest})
        elif isinstance(child, list):
            for item in child:
                _fill_missing(item, {rest})
