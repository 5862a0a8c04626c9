"""YAML read safely and fast: the reference files (policies, calendars, agency directories, form
layouts, privacy notices) through libyaml's C parser when PyYAML was built with it, the pure-Python
parser otherwise. Both build the same safe values (plain mappings, lists, strings, numbers, dates);
the C parser takes about a tenth of the time, which every policy check, worker start and command
paid before."""

from __future__ import annotations

from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML ships no type hints

try:
    _SafeLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # PyYAML without libyaml
    _SafeLoader = yaml.SafeLoader


def safe_load(text: str) -> Any:
    """The value of the YAML document ``text``, with only YAML's safe types; raises
    `yaml.YAMLError` (naming the line and column) when it is not YAML."""
    return yaml.load(text, Loader=_SafeLoader)
