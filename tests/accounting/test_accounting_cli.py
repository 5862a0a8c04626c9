"""`dutyflow accounting`: show a client's accounting, record a suspension. Run in-process through
the parser the lead wires into `dutyflow.cli.main`, with `exit_now` turned into SystemExit."""

from __future__ import annotations

import csv
import io
import json
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from dutyflow.domain.accounting import CLIENT_COLUMNS
from dutyflow.store.db import SessionFactory
from tests.accounting.scripted import AS_OF, SHERIFF, WELFARE, Disclosures, entry, new_client
from tests.cli_in_process import in_process

AS_OF_DAY = AS_OF.date().isoformat()


@pytest.fixture
def run_dutyflow(
    database_url: str,
    accounting_sessions: SessionFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):  # type: ignore[no-untyped-def]
    """Run ``dutyflow <argv>`` in-process against the test database: (status, stdout, stderr)."""
    monkeypatch.setenv("DUTYFLOW_DATABASE_URL", database_url)

    return in_process(monkeypatch, capsys)


def test_show_prints_the_clients_disclosures_as_a_readable_text(
    run_dutyflow, disclosures: Disclosures
) -> None:  # type: ignore[no-untyped-def]
    client = new_client()
    disclosures.add(
        entry(client, AS_OF - timedelta(days=3)),
        entry(new_client(), AS_OF - timedelta(days=3), SHERIFF),
    )

    status, out, err = run_dutyflow("accounting", "--client", client, "--as-of", AS_OF_DAY)

    assert (status, err) == (0, "")
    assert f"Accounting of disclosures for client {client}" in out
    assert "1 disclosure." in out
    assert f"Recipient:             {WELFARE[2]}" in out
    assert SHERIFF[2] not in out
    for argv in (
        ("accounting", "show", "--client", client, "--as-of", AS_OF_DAY),
        ("accounting", "--client", client, "--as-of", AS_OF_DAY, "show"),
    ):
        assert run_dutyflow(*argv) == (0, out, "")


def test_show_writes_csv_and_json_and_html(
    run_dutyflow, disclosures: Disclosures, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    client = new_client()
    disclosures.add(
        entry(client, AS_OF - timedelta(days=3)), entry(client, AS_OF - timedelta(days=2))
    )

    status, out, _ = run_dutyflow(
        "accounting", "--client", client, "--as-of", AS_OF_DAY, "--format", "csv"
    )
    assert status == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == list(CLIENT_COLUMNS) and len(rows) == 3

    status, out, _ = run_dutyflow(
        "accounting", "--client", client, "--as-of", AS_OF_DAY, "--format", "json"
    )
    assert status == 0 and len(json.loads(out)["lines"]) == 2

    page = tmp_path / "accounting.html"
    status, out, _ = run_dutyflow(
        "accounting",
        "show",
        "--client",
        client,
        "--format",
        "html",
        "--output",
        str(page),
        "--as-of",
        AS_OF_DAY,
    )
    assert status == 0
    assert f"Wrote 2 disclosures (client view) to {page}" in out
    assert page.read_text().startswith("<!DOCTYPE html>")
    assert stat.S_IMODE(page.stat().st_mode) == 0o600


def test_suspend_hides_the_agency_from_the_client_view_and_compliance_still_sees_it(
    run_dutyflow,
    disclosures: Disclosures,  # type: ignore[no-untyped-def]
) -> None:
    client = new_client()
    disclosures.add(
        entry(client, AS_OF - timedelta(days=30)),
        entry(client, AS_OF - timedelta(days=20), SHERIFF),
    )

    status, out, err = run_dutyflow(
        "accounting",
        "suspend",
        "--client",
        client,
        "--agency",
        SHERIFF[0],
        "--official",
        "Detective J. Rivera",
        "--form",
        "written",
        "--starts",
        (AS_OF - timedelta(days=5)).date().isoformat(),
        "--until",
        "2027-03-01",
        "--statement",
        "Letter: an accounting would impede an open investigation.",
        "--recorded-by",
        "compliance-007",
    )
    assert (status, err) == (0, ""), err
    assert "Recorded written suspension" in out

    _, client_view, _ = run_dutyflow(
        "accounting", "--client", client, "--as-of", AS_OF_DAY, "--format", "json"
    )
    assert [line["recipient_name"] for line in json.loads(client_view)["lines"]] == [WELFARE[2]]
    _, compliance, _ = run_dutyflow(
        "accounting",
        "--client",
        client,
        "--as-of",
        AS_OF_DAY,
        "--view",
        "compliance",
        "--format",
        "json",
    )
    lines = json.loads(compliance)["lines"]
    assert [line["suspended_until"] for line in lines] == [None, "2027-03-01T00:00:00Z"]
    _, later, _ = run_dutyflow(
        "accounting", "--client", client, "--as-of", "2027-03-01", "--format", "json"
    )
    assert len(json.loads(later)["lines"]) == 2


def test_an_oral_suspension_of_31_days_is_refused_naming_until(run_dutyflow) -> None:  # type: ignore[no-untyped-def]
    oral = (
        "accounting",
        "suspend",
        "--client",
        new_client(),
        "--agency",
        SHERIFF[0],
        "--official",
        "Sgt. Lee, by phone",
        "--form",
        "oral",
        "--starts",
        "2026-11-01",
        "--statement",
        "Phone call: investigation open.",
    )

    status, out, err = run_dutyflow(*oral, "--until", "2026-12-02")
    assert status == 2 and out == ""
    assert err.startswith("dutyflow accounting: --until: ")
    assert "30 days" in err

    status, out, err = run_dutyflow(*oral, "--until", "2026-12-01")
    assert (status, err) == (0, "")


def test_show_without_a_client_is_refused_naming_the_option(run_dutyflow) -> None:  # type: ignore[no-untyped-def]
    status, out, err = run_dutyflow("accounting", "--view", "compliance")

    assert status == 2 and out == ""
    assert "--client: is required" in err


def test_a_bad_date_is_refused_naming_the_option(run_dutyflow) -> None:  # type: ignore[no-untyped-def]
    status, _, err = run_dutyflow("accounting", "--client", new_client(), "--as-of", "24/11/2026")

    assert status == 2
    assert "--as-of" in err and "YYYY-MM-DD" in err
