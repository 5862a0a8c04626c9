"""Checking the policy library before it is trusted: every problem named by file, rule and words.

`check_policies` reads every policy file and calendar and reports, without stopping at the first:

* the schema (each rule cited, dated, with a source status; fields the case model has);
* rules that take effect after the policy that contains them, and placeholder citations;
* forms that do not exist, or that show a field the recipient's allow-list does not give it, or
  the reporter to a recipient the policy keeps them from, or a default-denied data class;
* working-day deadlines without a calendar covering the policy's year;
* agency recipients no agency of the directory fills (when a directory is given);
* two versions of one kind taking effect on the same day;

and, for every policy file, the share of its rules whose source was verified (`RuleCoverage`), so
a reviewer sees how much still awaits counsel.

Pure apart from reading the files it is pointed at; the ``dutyflow policy check`` command prints
the result.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML ships no type hints
from pydantic import ValidationError

from dutyflow.domain import yaml_text
from dutyflow.domain.agencies import AgencyDirectory, AgencyDirectoryError
from dutyflow.domain.calendars import CalendarError, CalendarLibrary, load_calendar_file
from dutyflow.domain.disclosure import protected_class_of
from dutyflow.domain.policy.loading import validation_problems
from dutyflow.domain.policy.recipients import RecipientRule
from dutyflow.domain.policy.schema import REPORT_KINDS, Policy
from dutyflow.domain.rendering import (
    TEMPLATES_DIR,
    FormLayoutError,
    layout_paths,
    load_form_layout,
    private_layout_paths,
    required_layout_paths,
)

PLACEHOLDER_CITATIONS = ("todo", "tbd", "xxx", "citation needed", "?")


@dataclass(frozen=True)
class PolicyProblem:
    file: Path
    rule: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file}: {self.rule}: {self.problem}"


@dataclass(frozen=True)
class RuleCoverage:
    """How many of one policy file's rules were verified against a public text."""

    file: Path
    jurisdiction: str
    kind: str
    version: str
    verified: int
    rules: int

    @property
    def share(self) -> float:
        return self.verified / self.rules if self.rules else 0.0

    def __str__(self) -> str:
        return (
            f"{self.jurisdiction} {self.kind} {self.version}: {self.verified} of {self.rules} "
            f"rules verified ({self.share:.0%})"
        )


def rule_coverage(path: Path, policy: Policy) -> RuleCoverage:
    statuses = [rule.source_status for _, rule in policy.rules()]
    return RuleCoverage(
        file=path,
        jurisdiction=policy.jurisdiction,
        kind=policy.kind,
        version=policy.version,
        verified=statuses.count("verified"),
        rules=len(statuses),
    )


def coverage_table(coverage: list[RuleCoverage]) -> str:
    """The coverage as a Markdown table (jurisdictions as columns), for the README."""
    jurisdictions = sorted({c.jurisdiction for c in coverage})
    kinds = sorted({c.kind for c in coverage})
    cell = {(c.jurisdiction, c.kind): c for c in coverage}  # the newest version read wins
    lines = [
        "| kind | " + " | ".join(jurisdictions) + " |",
        "|---|" + "---|" * len(jurisdictions),
    ]
    for kind in kinds:
        cells = [
            f"{c.verified}/{c.rules} ({c.share:.0%})" if (c := cell.get((j, kind))) else "no policy"
            for j in jurisdictions
        ]
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


@dataclass
class CheckResult:
    files_checked: int = 0
    problems: list[PolicyProblem] = field(default_factory=list)
    coverage: list[RuleCoverage] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _load_raw(path: Path) -> tuple[Any, str | None]:
    try:
        return yaml_text.safe_load(path.read_text(encoding="utf-8")), None
    except (OSError, yaml.YAMLError) as err:
        return None, f"cannot be read: {' '.join(str(err).split())}"


def check_policy(
    path: Path,
    policy: Policy,
    *,
    templates_dir: Path,
    calendars: CalendarLibrary,
    directory: AgencyDirectory | None,
) -> list[tuple[str, str]]:
    """Problems of one parsed policy beyond its schema, as (rule, problem) pairs."""
    problems: list[tuple[str, str]] = []
    expected = Path(policy.jurisdiction.lower()) / policy.kind / f"{policy.version}.yaml"
    if not path.as_posix().endswith(expected.as_posix()):
        problems.append(("(file)", f"must live at policies/{expected.as_posix()}"))
    if policy.kind not in REPORT_KINDS:
        problems.append(
            ("kind", f"'{policy.kind}' is not a report kind ({', '.join(REPORT_KINDS)})")
        )
    problems += _rule_problems(policy)
    for recipient in policy.recipients:
        problems += _recipient_problems(policy, recipient, templates_dir, directory)
    problems += _calendar_problems(policy, calendars)
    return problems


def _rule_problems(policy: Policy) -> list[tuple[str, str]]:
    """Rules that take effect after their policy, and placeholder citations."""
    problems: list[tuple[str, str]] = []
    for name, rule in policy.rules():
        if rule.effective_from > policy.effective_from:
            problems.append(
                (
                    f"{name}.effective_from",
                    (
                        f"takes effect on {rule.effective_from}, after the policy itself "
                        f"({policy.effective_from}): that needs a new policy version"
                    ),
                )
            )
        if rule.citation.strip().casefold() in PLACEHOLDER_CITATIONS:
            problems.append(
                (f"{name}.citation", f"'{rule.citation}' is a placeholder, not a citation")
            )
    return problems


def _recipient_problems(
    policy: Policy,
    recipient: RecipientRule,
    templates_dir: Path,
    directory: AgencyDirectory | None,
) -> list[tuple[str, str]]:
    """A recipient's form against its allow-list, and its agency role against the directory."""
    where = f"recipients[{recipient.id}]"
    try:
        layout = load_form_layout(recipient.form, templates_dir)
    except (FormLayoutError, ValueError) as err:
        return [(f"{where}.form", str(err))]
    problems: list[tuple[str, str]] = []
    needed = required_layout_paths(layout)
    if recipient.field_standard == "order-scope":
        scope = policy.order_scope or policy.satisfactory_assurance
        always = set(scope.always_disclosed) if scope is not None else set()
        unsure = sorted(needed - always)
        if unsure:
            problems.append(
                (
                    f"{where}.form",
                    (
                        f"form {layout.id} requires fields an order or request may not cover "
                        f"(mark them optional or always disclosed): {', '.join(unsure)}"
                    ),
                )
            )
    missing = sorted(needed - set(recipient.allowed_fields))
    if missing:
        problems.append(
            (
                f"{where}.allowed_fields",
                (
                    f"form {layout.id} shows fields this recipient may not receive, so the "
                    f"report could not be rendered: {', '.join(missing)}"
                ),
            )
        )
    shown = layout_paths(layout)
    if not policy.sees_reporter_identity(recipient.id):
        leaked = sorted(p for p in shown if p.startswith("reporter."))
        if leaked:
            problems.append(
                (
                    f"{where}.form",
                    (
                        f"form {layout.id} shows the reporter ({', '.join(leaked)}) to a "
                        f"recipient reporter_identity keeps them from"
                    ),
                )
            )
    private = sorted(private_layout_paths(layout))
    if private and not (
        recipient.field_standard == "order-scope" and policy.order_scope is not None
    ):
        problems.append(
            (
                f"{where}.form",
                (
                    f"form {layout.id} shows content marked private ({', '.join(private)}); "
                    f"only the response to a court order that names it may"
                ),
            )
        )
    denied = sorted(p for p in needed if protected_class_of(p) is not None)
    if denied:
        problems.append(
            (
                f"{where}.form",
                f"form {layout.id} requires default-denied data: {', '.join(denied)}",
            )
        )
    if recipient.recipient_type == "agency" and directory is not None:
        assert recipient.agency_role is not None
        if recipient.agency_role not in directory.roles(policy.jurisdiction):
            problems.append(
                (
                    f"{where}.agency_role",
                    (
                        f"no agency of the directory fills the role '{recipient.agency_role}' "
                        f"in {policy.jurisdiction}"
                    ),
                )
            )
    return problems


def _calendar_problems(policy: Policy, calendars: CalendarLibrary) -> list[tuple[str, str]]:
    """Working-day deadlines whose calendar is missing or does not cover the policy's year."""
    problems: list[tuple[str, str]] = []
    for deadline in policy.deadlines:
        if deadline.calendar is None:
            continue
        where = f"deadlines[{deadline.id}].calendar"
        try:
            calendar = calendars.get(deadline.calendar)
        except CalendarError as err:
            problems.append((where, str(err)))
            continue
        if not calendar.covers(policy.effective_from):
            problems.append(
                (
                    where,
                    (
                        f"calendar {calendar.id} has no holidays for {policy.effective_from.year}, "
                        f"when this policy takes effect"
                    ),
                )
            )
    return problems


def check_policies(
    policies_dir: Path,
    *,
    templates_dir: Path = TEMPLATES_DIR,
    agencies_dir: Path | None = None,
) -> CheckResult:
    """Check every policy file and calendar under ``policies_dir``."""
    result = CheckResult()
    calendars = CalendarLibrary(policies_dir / "calendars")
    directory: AgencyDirectory | None = None
    if agencies_dir is not None:
        try:
            directory = AgencyDirectory.load(agencies_dir, "http://intake.invalid")
        except AgencyDirectoryError as err:
            result.problems.append(PolicyProblem(agencies_dir, "(directory)", str(err)))

    for path in sorted((policies_dir / "calendars").glob("*.yaml")):
        result.files_checked += 1
        try:
            load_calendar_file(path)
        except CalendarError as err:
            message = str(err).removeprefix(f"{path}: ")
            result.problems.append(PolicyProblem(path, "(calendar)", message))

    effective_days: dict[tuple[str, str, str], list[Path]] = defaultdict(list)
    paths = sorted(p for p in policies_dir.glob("*/*/*.yaml") if p.parts[-3] != "calendars")
    if not paths:
        result.problems.append(PolicyProblem(policies_dir, "(directory)", "holds no policy files"))
    for path in paths:
        result.files_checked += 1
        raw, unreadable = _load_raw(path)
        if unreadable is not None:
            result.problems.append(PolicyProblem(path, "(file)", unreadable))
            continue
        try:
            policy = Policy.model_validate(raw)
        except ValidationError as err:
            result.problems.extend(
                PolicyProblem(path, rule, problem)
                for rule, problem in validation_problems(raw, err)
            )
            continue
        result.problems.extend(
            PolicyProblem(path, rule, problem)
            for rule, problem in check_policy(
                path, policy, templates_dir=templates_dir, calendars=calendars, directory=directory
            )
        )
        result.coverage.append(rule_coverage(path, policy))
        key = (policy.jurisdiction, policy.kind, policy.effective_from.isoformat())
        effective_days[key].append(path)
    for (jurisdiction, kind, day), same_day in effective_days.items():
        if len(same_day) > 1:
            for path in same_day:
                result.problems.append(
                    PolicyProblem(
                        path,
                        "effective_from",
                        (
                            f"{len(same_day)} versions of {jurisdiction} {kind} take effect on "
                            f"{day}: which one applies would be ambiguous"
                        ),
                    )
                )
    return result
