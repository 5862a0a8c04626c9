"""Limiting a case file to what one recipient may receive.

A recipient's allow-list names leaf fields by dotted path (``victim.name``; ``guardians.address``
applies to every guardian). Only those leaves are copied; everything else is withheld, including
fields added to the case model later: a new field is never disclosed until a policy names it.

Two data classes are denied by default whatever an allow-list says: psychotherapy notes
(45 CFR 164.508(a)(2)) and substance-use treatment records (42 CFR Part 2). Only an exception the
case's policy names, with its conditions met, lets `limit_for_recipient` pass them; a court
order's or request's scope can only narrow an allow-list, never widen it.

Content the practitioner marks private (dreams and fantasies, impressions that could be
misunderstood) is never on an allow-list and no exception opens it. The one way out is a court
order that expressly names it; the caller records that it did.
"""

from __future__ import annotations

import functools
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
    """Every field path an allow-list may name, e.g. ``victim.name`` or ``grounds.observations``
    (never the content marked private, `NEVER_DISCLOSED`)."""
    return [p for p in _leaf_paths(model, prefix) if p not in NEVER_DISCLOSED]


@functools.cache
def _leaf_paths(model: type[BaseModel], prefix: str) -> tuple[str, ...]:
    # Models are classes, fixed once imported: the walk is done once per model.
    paths: list[str] = []
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        nested = _model_in(info.annotation)
        if nested is None:
            paths.append(path)
        else:
            paths.extend(_leaf_paths(nested, f"{path}."))
    return tuple(paths)


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
    """What one recipient receives (``fields``) and the audit's view of it (paths only, no
    values)."""

    fields: dict[str, Any]
    disclosed_paths: list[str] = field(default_factory=list)
    withheld_paths: list[str] = field(default_factory=list)


class UnknownFieldError(ValueError):
    """An allow-list names a field that the case model does not have."""


class NeverDisclosedError(UnknownFieldError):
    """An allow-list (or an exception, or a scope) names content marked private."""


# Content the practitioner marks private: in the case file, never in any disclosure by policy. No
# allow-list, exception or request can name it; it is not among the paths a policy may name. Only
# a court order's scope that names it expressly opens it (`limit_for_recipient`, ``court_order``).
NEVER_DISCLOSED: frozenset[str] = frozenset({"private_content"})


def check_allow_list(allowed: Iterable[str]) -> None:
    allowed = set(allowed)
    private = sorted(allowed & NEVER_DISCLOSED)
    if private:
        raise NeverDisclosedError(
            f"{', '.join(private)}: marked private by the practitioner; never disclosed"
        )
    known = set(_leaf_paths(CaseFile, ""))
    unknown = sorted(allowed - known)
    if unknown:
        raise UnknownFieldError(f"allow-list names unknown fields: {', '.join(unknown)}")


def limit_fields(case_file: CaseFile, allowed: Iterable[str]) -> LimitedDisclosure:
    """Copy only allow-listed leaves. Allowed leaves with no value stay present as ``None`` so a
    template can say 'unknown'; withheld leaves are absent, so a template naming one fails."""
    allowed_set = set(allowed)
    check_allow_list(allowed_set)
    return _limit(case_file, allowed_set)


def _limit(case_file: CaseFile, allowed_set: set[str]) -> LimitedDisclosure:
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


# --- protected data classes, scopes, and the paths a policy may name --------------------------

# Data classes denied by default. The paths are the case model's; which exceptions apply is law
# (the policy's ``protected_data``), so it lives in the policy files, not here.
PROTECTED_DATA_CLASSES: dict[str, tuple[str, ...]] = {
    "psychotherapy-notes": ("clinical_context.psychotherapy_notes",),
    "part2": ("clinical_context.substance_use_records",),
}


def protected_class_of(path: str) -> str | None:
    """The protected data class a field path belongs to, if any."""
    for data_class, paths in PROTECTED_DATA_CLASSES.items():
        if path in paths:
            return data_class
    return None


class ProtectedDataError(ValueError):
    """A disclosure would carry psychotherapy notes or Part 2 records without an exception."""


class OutsideScopeError(ValueError):
    """A court order's or request's scope names a field the recipient's allow-list does not."""


@functools.cache
def section_paths(model: type[BaseModel] = CaseFile, prefix: str = "") -> tuple[str, ...]:
    """Paths of the case file's sub-objects and lists of sub-objects, e.g. ``court_order``."""
    paths: list[str] = []
    for name, info in model.model_fields.items():
        nested = _model_in(info.annotation)
        if nested is not None:
            path = f"{prefix}{name}"
            paths.append(path)
            paths.extend(section_paths(nested, prefix=f"{path}."))
    return tuple(paths)


def known_paths() -> set[str]:
    """Every path a policy may name: leaf fields and the sections that hold them (never the
    content marked private)."""
    return (set(_leaf_paths(CaseFile, "")) | set(section_paths())) - NEVER_DISCLOSED


def limit_for_recipient(
    case_file: CaseFile,
    allowed: Iterable[str],
    *,
    permitted_classes: Iterable[str] = (),
    scope: Iterable[str] | None = None,
    additions: Iterable[str] = (),
    court_order: bool = False,
) -> LimitedDisclosure:
    """Limit a case file for one recipient, with the default-deny data classes enforced.

    * ``additions``: fields beyond the allow-list that carry a written justification and a second
      person's approval (the caller records both); there is no other way past the allow-list.
    * ``permitted_classes``: the protected classes an exception of the policy lets through for
      this recipient (the caller checks the exception's conditions against the policy). A
      protected field still has to be asked for, by ``additions`` or by ``scope``.
    * ``scope``: what a court order expressly authorises (or a request asks for). The disclosure
      is exactly the scope, which must fit within the allow-list and the additions (or a
      permitted class); a scope naming anything else is refused, never silently trimmed.
    * ``court_order``: the scope is a court order's (not a request's). Only such a scope may name
      the content marked private, and only by naming it expressly (`private_by_court_order`).
    """
    allowed_set = set(allowed)
    additions_set = set(additions)
    check_allow_list(allowed_set | additions_set)
    permitted = set(permitted_classes)
    unknown_classes = sorted(permitted - set(PROTECTED_DATA_CLASSES))
    if unknown_classes:
        raise ValueError(f"permitted_classes: unknown data class(es) {', '.join(unknown_classes)}")
    ceiling = allowed_set | additions_set
    requested = ceiling if scope is None else set(scope)
    ordered_private = requested & NEVER_DISCLOSED if scope is not None and court_order else set()
    check_allow_list(requested - ordered_private)
    # Default-deny first: a protected field is refused as such, whoever asks for it.
    for path in sorted(requested):
        data_class = protected_class_of(path)
        if data_class is not None and data_class not in permitted:
            raise ProtectedDataError(
                f"{path}: is {data_class} data, denied by default; no exception of the policy "
                f"applies to this disclosure"
            )
    if scope is not None:
        opened = {path for c in permitted for path in PROTECTED_DATA_CLASSES[c]}
        beyond = sorted(requested - ceiling - opened - ordered_private)
        if beyond:
            raise OutsideScopeError(
                f"scope names fields beyond the recipient's allow-list: {', '.join(beyond)}; "
                f"such a field needs a written justification and a second reviewer"
            )
    return _limit(case_file, requested)


def private_by_court_order(limited: LimitedDisclosure) -> list[str]:
    """The content marked private that a disclosure carries: only ever what a court order named."""
    return sorted(set(limited.disclosed_paths) & NEVER_DISCLOSED)
