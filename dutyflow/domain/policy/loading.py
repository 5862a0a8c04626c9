"""Reading policy files: one ``<jurisdiction>/<kind>/<version>.yaml`` file parsed into a `Policy`
(every problem named by rule, the way a reviewer finds it), and the `PolicyLibrary` that picks
the version in effect on a date, or the version a case was opened under.

Pure apart from reading the files it is pointed at. Checking the whole library before it is
trusted (forms, calendars, the agency directory) is `check`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML ships no type hints
from pydantic import ValidationError

from dutyflow.domain import yaml_text
from dutyflow.domain.calendars import CalendarLibrary
from dutyflow.domain.policy.schema import JURISDICTION_PATTERN, KIND_PATTERN, Policy
from dutyflow.domain.reference_files import ParsedFiles


class PolicyError(ValueError):
    """A policy file is missing, unreadable or invalid; the message names the file and the rule."""


class NoPolicyError(LookupError):
    """No policy covers this jurisdiction and kind on this date."""


def _check_identifiers(jurisdiction: str, kind: str) -> None:
    if not JURISDICTION_PATTERN.match(jurisdiction):
        raise NoPolicyError(f"jurisdiction: '{jurisdiction}' is not a jurisdiction code like US-CA")
    if not KIND_PATTERN.match(kind):
        raise NoPolicyError(f"kind: '{kind}' is not a report kind like child-abuse")


def rule_name(raw: Any, loc: tuple[int | str, ...]) -> str:
    """A validation error's location as a reviewer reads it: list items by their id
    (``recipients[county-aps].citation``) rather than by position."""
    parts: list[str] = []
    node = raw
    for step in loc:
        if isinstance(step, int):
            item = node[step] if isinstance(node, list) and step < len(node) else None
            label = None
            if isinstance(item, dict):
                label = item.get("id") or item.get("data_class")
            parts[-1:] = [f"{parts[-1] if parts else ''}[{label if label is not None else step}]"]
            node = item
        else:
            parts.append(str(step))
            node = node.get(step) if isinstance(node, dict) else None
    return ".".join(parts) or "(file)"


def validation_problems(raw: Any, err: ValidationError) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for e in err.errors():
        loc = tuple(p for p in e["loc"] if not (isinstance(p, str) and "[" in p))
        message = str(e["msg"]).removeprefix("Value error, ")
        name = rule_name(raw, loc)
        # A policy-level consistency message already names its rules ("rule: problem; ...").
        if name == "(file)" and e["type"] == "value_error":
            for part in message.split("; "):
                rule, sep, problem = part.partition(": ")
                problems.append((rule, problem) if sep else ("(file)", part))
        else:
            problems.append((name, message))
    return problems


def load_policy_file(path: Path) -> Policy:
    try:
        raw = yaml_text.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise PolicyError(f"{path}: cannot be read: {err}") from err
    try:
        policy = Policy.model_validate(raw)
    except ValidationError as err:
        problems = "; ".join(
            f"{rule}: {problem}" for rule, problem in validation_problems(raw, err)
        )
        raise PolicyError(f"{path}: {problems}") from err
    expected = Path(policy.jurisdiction.lower()) / policy.kind / f"{policy.version}.yaml"
    if not path.as_posix().endswith(expected.as_posix()):
        raise PolicyError(f"{path}: must live at policies/{expected.as_posix()}")
    return policy


# Parsed once per file as it stands: most activities ask for their case's policy version.
_policy_files = ParsedFiles(load_policy_file)


class PolicyLibrary:
    """The policies in a directory laid out as ``<jurisdiction>/<kind>/<version>.yaml``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def versions(self, jurisdiction: str, kind: str) -> list[Policy]:
        _check_identifiers(jurisdiction, kind)
        folder = self.root / jurisdiction.lower() / kind
        if not folder.is_dir():
            return []
        return sorted(
            (_policy_files.get(path) for path in folder.glob("*.yaml")),
            key=lambda p: (p.effective_from, p.version),
        )

    def in_effect(self, jurisdiction: str, kind: str, on: date) -> Policy:
        candidates = [p for p in self.versions(jurisdiction, kind) if p.effective_from <= on]
        if not candidates:
            # A hard stop, never a fallback to another jurisdiction's or kind's law.
            raise NoPolicyError(
                f"jurisdiction/kind: no policy: call counsel. Dutyflow has no {kind} policy for "
                f"{jurisdiction} in effect on {on} and never applies another jurisdiction's law"
            )
        return candidates[-1]

    def version(self, jurisdiction: str, kind: str, version: str) -> Policy:
        for policy in self.versions(jurisdiction, kind):
            if policy.version == version:
                return policy
        raise NoPolicyError(f"policy_version: {jurisdiction} {kind} has no version {version}")

    def all_files(self) -> list[Path]:
        """Every policy file (``calendars/`` holds calendars, not policies)."""
        return sorted(p for p in self.root.glob("*/*/*.yaml") if p.parts[-3] != "calendars")

    @property
    def calendars(self) -> CalendarLibrary:
        return CalendarLibrary(self.root / "calendars")
