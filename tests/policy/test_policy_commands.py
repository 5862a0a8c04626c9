"""`dutyflow policy check` and `dutyflow policy explain`, run in-process through the real parser.
A broken policy in a copy of the library is named by file, rule and problem, with exit status 1."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from dutyflow.settings import REPO_ROOT
from tests.cli_in_process import Run, in_process

CA_CHILD = Path("us-ca/child-abuse/2026.1.yaml")


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    return in_process(monkeypatch, capsys)


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A copy of the shipped policies (and calendars) to break."""
    target = tmp_path / "policies"
    shutil.copytree(REPO_ROOT / "policies", target)
    return target


def edit(library: Path, relative: Path, change: Callable[[str], str]) -> Path:
    path = library / relative
    source = path.read_text(encoding="utf-8")
    changed = change(source)
    assert changed != source, "the edit did not apply"
    path.write_text(changed, encoding="utf-8")
    return path


def replace(old: str, new: str) -> Callable[[str], str]:
    return lambda source: source.replace(old, new, 1)


def check(run: Run, library: Path) -> tuple[int, str, str]:
    return run(
        "policy",
        "check",
        "--policies-dir",
        str(library),
        "--agencies-dir",
        str(REPO_ROOT / "agencies"),
    )


def test_the_shipped_policies_pass(run: Run) -> None:
    status, out, _ = run("policy", "check")

    assert status == 0
    # 66 policy files (six kinds in each of eleven jurisdictions) and 10 calendars.
    assert "Policy check passed: 76 files checked." in out


@pytest.mark.parametrize(
    ("change", "rule", "problem"),
    [
        pytest.param(
            replace(
                "    citation: Cal. Penal Code 11166(a)(1)\n    effective_from: 2026-01-01\n"
                "    source_status: verified\n  - id: written-report",
                "    effective_from: 2026-01-01\n    source_status: verified\n"
                "  - id: written-report",
            ),
            "deadlines[phone-report].citation",
            "Field required",
            id="rule-without-citation",
        ),
        pytest.param(
            replace(
                "  citation: Cal. Penal Code 11166(a), 11165.7\n  effective_from: 2026-01-01",
                "  citation: Cal. Penal Code 11166(a), 11165.7\n  effective_from: 2027-01-01",
            ),
            "trigger.effective_from",
            "takes effect on 2027-01-01, after the policy itself",
            id="rule-dated-after-its-policy",
        ),
        pytest.param(
            replace("  citation: Cal. Penal Code 11166(a), 11165.7\n", "  citation: TODO\n"),
            "trigger.citation",
            "'TODO' is a placeholder",
            id="placeholder-citation",
        ),
        pytest.param(
            replace("- victim.name\n", "- victim.favourite_colour\n"),
            "recipients[county-child-welfare].allowed_fields",
            "allow-list names unknown fields: victim.favourite_colour",
            id="unknown-field",
        ),
        pytest.param(
            replace("answer: victim.present_location", "answer: victim.shoe_size"),
            "grounds_questions[child-location].answer",
            "'victim.shoe_size' is not a field of the case model",
            id="template-variable",
        ),
        pytest.param(
            lambda s: s.replace("    form: us-ca-ss8572", "    form: us-ca-ss9999").replace(
                "    form: us-ca-ss9999", "    form: us-ca-ss8572", 1
            ),
            "recipients[law-enforcement].form",
            "no layout for form_id 'us-ca-ss9999'",
            id="missing-form",
        ),
        pytest.param(
            replace("    allowed_fields: *ss8572_fields\n", ""),
            "recipients[law-enforcement].allowed_fields",
            "Field required",
            id="recipient-without-allow-list",
        ),
        pytest.param(
            replace("      - victim.school\n", ""),
            "recipients[county-child-welfare].allowed_fields",
            "form us-ca-ss8572 shows fields this recipient may not receive, so the report could "
            "not be rendered: victim.school",
            id="form-beyond-allow-list",
        ),
        pytest.param(
            replace(
                "  visible_to: [county-child-welfare, law-enforcement, county-probation]",
                "  visible_to: [county-child-welfare, county-probation]",
            ),
            "recipients[law-enforcement].allowed_fields",
            "names the reporter (reporter.name",
            id="reporter-identity-leak",
        ),
        pytest.param(
            replace(
                "      - victim.name\n",
                "      - victim.name\n      - clinical_context.psychotherapy_notes\n",
            ),
            "recipients[county-child-welfare].allowed_fields",
            "'clinical_context.psychotherapy_notes' is psychotherapy-notes data",
            id="notes-on-an-allow-list",
        ),
        pytest.param(
            replace("    agency_role: law-enforcement\n", "    agency_role: school-police\n"),
            "recipients[law-enforcement].agency_role",
            "no agency of the directory fills the role 'school-police' in US-CA",
            id="no-agency-for-the-role",
        ),
    ],
)
def test_a_broken_policy_is_named_by_file_rule_and_problem(
    run: Run, library: Path, change: Callable[[str], str], rule: str, problem: str
) -> None:
    path = edit(library, CA_CHILD, change)

    status, out, err = check(run, library)

    assert status == 1
    assert any(
        line.startswith(f"{path}: {rule}: ") and problem in line for line in out.splitlines()
    ), out
    assert "Policy check FAILED" in err


def test_only_a_court_orders_response_may_show_the_content_marked_private(
    run: Run, library: Path
) -> None:
    path = edit(
        library,
        Path("us-ca/subpoena/2026.1.yaml"),
        replace("    form: subpoena-response", "    form: court-order-response"),
    )

    status, out, _ = check(run, library)

    assert status == 1
    assert (
        f"{path}: recipients[requesting-party].form: form court-order-response shows content "
        "marked private (private_content); only the response to a court order that names it may"
        in out
    )


def test_every_problem_is_reported_not_only_the_first(run: Run, library: Path) -> None:
    first = edit(library, CA_CHILD, replace("- victim.name\n", "- victim.favourite_colour\n"))
    second = edit(
        library,
        Path("us-tx/child-abuse/2026.1.yaml"),
        replace("    within: PT48H\n", "    within: PT48H\n    working_days: 2\n"),
    )

    status, out, err = check(run, library)

    assert status == 1
    assert f"{first}: recipients[county-child-welfare].allowed_fields:" in out
    assert f"{second}: deadlines[report]:" in out
    assert "in 2 file(s)" in err


def test_a_working_day_deadline_needs_a_calendar_that_exists(run: Run, library: Path) -> None:
    path = edit(
        library,
        Path("us-ca/elder-abuse/2026.1.yaml"),
        replace("    calendar: us-ca\n", "    calendar: us-zz\n"),
    )

    status, out, _ = check(run, library)

    assert status == 1
    assert f"{path}: deadlines[written-report].calendar: calendar: no calendar 'us-zz'" in out


def test_a_broken_calendar_is_named(run: Run, library: Path) -> None:
    path = edit(
        library,
        Path("calendars/us-ca.yaml"),
        replace("  - {date: 2026-01-01,", "  - {date: 2025-01-01,"),
    )

    status, out, _ = check(run, library)

    assert status == 1
    assert f"{path}: (calendar): holidays: 2025-01-01" in out


def test_unreadable_yaml_is_named(run: Run, library: Path) -> None:
    path = edit(library, CA_CHILD, replace("title: Suspected", "title: [Suspected"))

    status, out, _ = check(run, library)

    assert status == 1
    assert f"{path}: (file): cannot be read" in out


def test_two_versions_taking_effect_the_same_day_are_ambiguous(run: Run, library: Path) -> None:
    source = (library / CA_CHILD).read_text()
    (library / CA_CHILD).with_name("2026.2.yaml").write_text(
        source.replace('version: "2026.1"', 'version: "2026.2"')
    )

    status, out, _ = check(run, library)

    assert status == 1
    assert "2 versions of US-CA child-abuse take effect on 2026-01-01" in out


def test_a_missing_policies_folder_is_refused(run: Run, tmp_path: Path) -> None:
    status, _, err = run("policy", "check", "--policies-dir", str(tmp_path / "nowhere"))

    assert status == 2
    assert "--policies-dir" in err


# --- explain ------------------------------------------------------------------------------------


def test_explain_says_who_receives_what_by_when_how_and_why(run: Run) -> None:
    status, out, _ = run("policy", "explain", "--jurisdiction", "US-CA", "--kind", "child-abuse")

    assert status == 0
    for words in [
        "US-CA child-abuse, policy version 2026.1",
        "Verdict: REQUIRED by law.",
        "County welfare department (child protective services) [county-child-welfare]",
        "Police or sheriff's department",
        "How: by telephone (deadline: telephone report)",
        "Form: SS 8572, Suspected Child Abuse Report.",
        "within 36 hours of the moment the suspicion was formed",
        "within 15 minutes of the moment the suspicion was formed",
        "Why: Cal. Penal Code 11165.9 [verified; applies from 2026-01-01]",
        "the practitioner 12 hours before",
        # Each ladder, Dutyflow's own for a second person's decision too, marked as not law.
        "Reminders before it is due: the practitioner 10 minutes before, the supervisor 5 "
        "minutes before, the compliance officer 1 minute before.",
        "Decisions of a second person: A consultation awaiting the supervisor",
        "the supervisor halfway there, the compliance officer three quarters of the way",
        "Why: Dutyflow operating policy (not law)",
        "Psychotherapy notes: denied by default.",
        "Nothing here is legal advice.",
    ]:
        assert words in " ".join(out.split()), words


def test_explain_says_when_a_disclosure_is_only_permitted(run: Run) -> None:
    status, out, _ = run(
        "policy", "explain", "--jurisdiction", "US-TX", "--kind", "danger-to-others"
    )

    assert status == 0
    assert "Verdict: PERMITTED, NOT REQUIRED." in out
    assert "It may be told: the practitioner decides" in out


def test_explain_shows_routes_and_working_days(run: Run) -> None:
    status, out, _ = run(
        "policy",
        "explain",
        "--jurisdiction",
        "US-CA",
        "--kind",
        "elder-abuse",
        "--on",
        "2026-11-26",
    )
    flat = " ".join(out.split())

    assert status == 0
    assert (
        "If care_setting.long_term_care_facility is yes and care_setting.serious_bodily_injury "
        "is yes: all of law-enforcement, ltc-ombudsman, ltc-licensing." in flat
    )
    assert (
        "within 2 working days of the moment the suspicion was formed, to the end of the last day, "
        "counted on: California state holidays" in flat
    )
    assert "Exception 'risk-of-serious-harm'" in flat


def test_explain_refuses_a_jurisdiction_without_policy(run: Run) -> None:
    status, _, err = run("policy", "explain", "--jurisdiction", "US-ZZ", "--kind", "child-abuse")

    assert status == 2
    assert "no child-abuse policy for US-ZZ" in err


def test_explain_refuses_a_date_before_the_policy(run: Run) -> None:
    status, _, err = run(
        "policy",
        "explain",
        "--jurisdiction",
        "US-CA",
        "--kind",
        "child-abuse",
        "--on",
        "2025-12-31",
    )

    assert status == 2
    assert "in effect on 2025-12-31" in err


def test_check_reports_the_share_of_verified_rules_of_every_file(run: Run, library: Path) -> None:
    status, out, _ = check(run, library)

    shares = [line for line in out.splitlines() if " rules verified (" in line]
    assert status == 0 and len(shares) == 66
    assert any(line.startswith("US-CA child-abuse 2026.1: ") for line in shares)


def test_a_rule_marked_to_confirm_lowers_its_files_verified_share(run: Run, library: Path) -> None:
    def share(out: str) -> str:
        [line] = [x for x in out.splitlines() if x.startswith("US-CA child-abuse 2026.1: ")]
        return line.split(": ", 1)[1]

    before = share(check(run, library)[1])
    edit(
        library,
        CA_CHILD,
        lambda text: text.replace("source_status: verified", "source_status: to-confirm"),
    )
    after = share(check(run, library)[1])

    assert before != after and after.startswith("0 of ") and after.endswith("(0%)")


def test_the_coverage_table_has_a_row_per_kind_and_a_column_per_jurisdiction(run: Run) -> None:
    status, out, _ = run("policy", "check", "--coverage-table")

    table = [line for line in out.splitlines() if line.startswith("|")]
    assert status == 0
    assert table[0] == (
        "| kind | GB-ENG | US-CA | US-FL | US-GA | US-IL | US-MI | US-NC | US-NY | US-OH | US-PA "
        "| US-TX |"
    )
    assert len(table) == 2 + 6
