"""The code's shape, as the README promises it: private helpers stay private, a function fits on
two screens, every module says what lives there. (Import cycles and the domain's purity are
import-linter's contracts, run by `.ci/run`.)"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT_PACKAGES = ("dutyflow", "workflows", "activities", "worker", "tests", "tools")
PRODUCT = ("dutyflow", "workflows", "activities")
LONGEST_FUNCTION = 120  # lines: two screens
HISTORY = "versions"  # migrations are history: never edited, so never reshaped either


def python_files(*roots: str) -> list[Path]:
    files = [p for root in roots for p in (ROOT / root).rglob("*.py")]
    if "worker" in roots or roots == PROJECT_PACKAGES:
        files.append(ROOT / "worker.py")
    return sorted(files)


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_there_is_code_to_check() -> None:
    assert len(python_files(*PRODUCT)) > 100


def test_no_module_imports_another_modules_private_name() -> None:
    found = []
    for path in python_files(*PROJECT_PACKAGES):
        for node in ast.walk(parsed(path)):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module.split(".")[0] not in PROJECT_PACKAGES:
                    continue
                found += [
                    f"{path.relative_to(ROOT)}: {node.module}.{alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_") and not alias.name.startswith("__")
                ]
    assert found == [], "give the helper a public name and home: " + "; ".join(found)


def test_every_product_function_fits_on_two_screens() -> None:
    too_long = []
    for path in python_files(*PRODUCT):
        if HISTORY in path.parts:
            continue
        for node in ast.walk(parsed(path)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > LONGEST_FUNCTION:
                    too_long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} {length}")
    assert too_long == [], "split where the ideas part: " + "; ".join(too_long)


@pytest.mark.parametrize("root", PRODUCT)
def test_every_product_module_says_what_lives_there(root: str) -> None:
    files = [p for p in python_files(root) if HISTORY not in p.parts]
    assert files
    undocumented = [str(p.relative_to(ROOT)) for p in files if not ast.get_docstring(parsed(p))]
    assert undocumented == []
