"""``dutyflow policy``: the reviewed policy data, checked and explained.

    dutyflow policy check [--policies-dir DIR] [--templates-dir DIR] [--agencies-dir DIR]
        validates every policy file and calendar: the schema, a citation and a date on every
        rule, case-model fields only, an allow-list and an existing form for every recipient,
        agencies for every agency recipient. Prints each problem as ``file: rule: problem`` and
        exits 1 if there is any.
    dutyflow policy explain --jurisdiction US-CA --kind child-abuse [--on DATE | --version V]
        prints who receives what, by when, by which channel, and why, in plain words.

Wire in with ``add_policy_commands(commands)`` from ``dutyflow.cli.build_parser``. The checking
and explaining are pure (``dutyflow.domain.policy.check``, ``dutyflow.domain.policy.explain``).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from dutyflow.cli import process


def _defaults() -> tuple[Path, Path]:
    """The policies and agency folders the settings name (repository defaults otherwise)."""
    from dutyflow.settings import REPO_ROOT, Settings

    try:
        settings = Settings()
    except ValidationError:
        return REPO_ROOT / "policies", REPO_ROOT / "agencies"
    return settings.policies_dir, settings.agency_directory


def add_policy_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    policy = subparsers.add_parser(
        "policy",
        help="check and explain the reviewed policy data",
        description="The policy files: check them all, or explain one in plain words.",
    ).add_subparsers(dest="policy_command", required=True, metavar="ACTION")

    check = policy.add_parser(
        "check",
        help="validate every policy file; non-zero exit naming file, rule and problem",
        description="Validate every policy file and calendar. Prints each problem as "
        "'file: rule: problem' and exits 1 if there is any, then the share of each file's "
        "rules whose source was verified.",
    )
    check.add_argument(
        "--policies-dir",
        type=Path,
        metavar="DIR",
        help="the policy library (default: the settings' policies folder)",
    )
    check.add_argument(
        "--templates-dir",
        type=Path,
        metavar="DIR",
        help="the templates folder holding forms/ (default: Dutyflow's)",
    )
    check.add_argument(
        "--agencies-dir",
        type=Path,
        metavar="DIR",
        help="the agency directory to check recipients against "
        "(default: the settings' agency directory)",
    )
    check.add_argument(
        "--coverage-table",
        action="store_true",
        help="also print the share of verified rules as the README's Markdown table",
    )
    check.set_defaults(run=cmd_policy_check)

    explain = policy.add_parser(
        "explain",
        help="who receives what, by when, by which channel, and why",
        description="Explain one policy in plain words, with the citation of every rule.",
    )
    explain.add_argument("--jurisdiction", required=True, metavar="CODE", help="e.g. US-CA")
    explain.add_argument("--kind", required=True, metavar="KIND", help="e.g. child-abuse")
    explain.add_argument(
        "--on", metavar="YYYY-MM-DD", help="the policy in effect on this date (default: today)"
    )
    explain.add_argument("--version", metavar="VERSION", help="a given version, e.g. 2026.1")
    explain.add_argument(
        "--policies-dir",
        type=Path,
        metavar="DIR",
        help="the policy library (default: the settings' policies folder)",
    )
    explain.set_defaults(run=cmd_policy_explain)


def cmd_policy_check(args: argparse.Namespace) -> None:
    from dutyflow.domain.policy.check import check_policies
    from dutyflow.domain.rendering import TEMPLATES_DIR

    policies_dir, agencies_dir = _defaults()
    policies_dir = args.policies_dir or policies_dir
    if not policies_dir.is_dir():
        print(
            f"dutyflow policy check: --policies-dir: {policies_dir} is not a folder",
            file=sys.stderr,
        )
        process.exit_now(2)
    result = check_policies(
        policies_dir,
        templates_dir=args.templates_dir or TEMPLATES_DIR,
        agencies_dir=args.agencies_dir or agencies_dir,
    )
    for problem in result.problems:
        print(problem)
    for coverage in result.coverage:
        print(coverage)
    if args.coverage_table:
        from dutyflow.domain.policy.check import coverage_table

        print(coverage_table(result.coverage))
    if result.ok:
        print(f"Policy check passed: {result.files_checked} files checked.")
        process.exit_now(0)
    print(
        f"Policy check FAILED: {len(result.problems)} problem(s) in "
        f"{len({p.file for p in result.problems})} file(s) "
        f"({result.files_checked} files checked).",
        file=sys.stderr,
    )
    process.exit_now(1)


def cmd_policy_explain(args: argparse.Namespace) -> None:
    from dutyflow.domain.policy import NoPolicyError, PolicyError, PolicyLibrary
    from dutyflow.domain.policy.explain import explain_policy

    policies_dir = args.policies_dir or _defaults()[0]
    library = PolicyLibrary(policies_dir)
    try:
        on = date.fromisoformat(args.on) if args.on else date.today()
    except ValueError:
        print("dutyflow policy explain: --on: expected a date like 2026-11-26", file=sys.stderr)
        process.exit_now(2)
        return
    try:
        if args.version:
            policy = library.version(args.jurisdiction, args.kind, args.version)
        else:
            policy = library.in_effect(args.jurisdiction, args.kind, on)
    except NoPolicyError as err:
        print(f"dutyflow policy explain: {err}", file=sys.stderr)
        process.exit_now(2)
        return
    except PolicyError as err:
        print(f"dutyflow policy explain: {err}", file=sys.stderr)
        process.exit_now(1)
        return
    print(explain_policy(policy, calendars=library.calendars), end="")
    process.exit_now(0)
