"""Reference files (policies, calendars, form layouts) are parsed once per file as it stands: an
unchanged file is not parsed again, an edited one is, and a broken one is refused every time."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dutyflow.domain.reference_files import ParsedFiles

pytestmark = pytest.mark.one_database


class CountingParser:
    def __init__(self) -> None:
        self.parsed: list[Path] = []

    def __call__(self, path: Path) -> str:
        self.parsed.append(path)
        text = path.read_text(encoding="utf-8")
        if "broken" in text:
            raise ValueError(f"{path}: broken")
        return text


def test_an_unchanged_file_is_parsed_once(tmp_path: Path) -> None:
    policy = tmp_path / "2026.1.yaml"
    policy.write_text("version: 2026.1\n", encoding="utf-8")
    parse = CountingParser()
    files = ParsedFiles(parse)

    answers = [files.get(policy) for _ in range(3)]

    assert answers == ["version: 2026.1\n"] * 3
    assert parse.parsed == [policy]


def test_an_edited_file_is_parsed_again(tmp_path: Path) -> None:
    policy = tmp_path / "2026.1.yaml"
    policy.write_text("version: 2026.1\n", encoding="utf-8")
    files = ParsedFiles(CountingParser())
    files.get(policy)
    before = policy.stat().st_mtime_ns

    policy.write_text("version: 2026.1\nkind: x\n", encoding="utf-8")
    os.utime(policy, ns=(before + 1_000_000, before + 1_000_000))

    assert files.get(policy) == "version: 2026.1\nkind: x\n"


def test_a_broken_or_missing_file_is_refused_every_time(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("broken\n", encoding="utf-8")
    parse = CountingParser()
    files = ParsedFiles(parse)

    for _ in range(2):
        with pytest.raises(ValueError, match="broken"):
            files.get(broken)
        with pytest.raises(FileNotFoundError):
            files.get(tmp_path / "missing.yaml")

    assert parse.parsed.count(broken) == 2
