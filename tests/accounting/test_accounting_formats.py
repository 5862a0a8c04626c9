"""The accounting as a client or compliance officer receives it: CSV, JSON and a printable page."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest

from dutyflow.domain.accounting import (
    CLIENT_COLUMNS,
    COMPLIANCE_COLUMNS,
    AccountingStatement,
    Suspension,
    accounting_view,
    to_csv,
    to_html,
    to_json,
    to_text,
)
from tests.accounting.scripted import AS_OF, SHERIFF, WELFARE, entry, new_client

CLIENT = new_client()
ENTRIES = [
    entry(CLIENT, AS_OF - timedelta(days=300)),
    entry(CLIENT, AS_OF - timedelta(days=200), SHERIFF),
    entry(CLIENT, AS_OF - timedelta(days=100), recipient_name='=HYPERLINK("http://x")'),
]
SUSPENSION = Suspension(
    client_id=CLIENT,
    agency_id=SHERIFF[0],
    agency_or_official="Sgt. <b>Lee</b>",
    form="written",
    statement_summary="Written request of 2026-11-01",
    starts_at=AS_OF - timedelta(days=20),
    ends_at=AS_OF + timedelta(days=40),
)


def view(name: str) -> AccountingStatement:
    return accounting_view(ENTRIES, [SUSPENSION], as_of=AS_OF, view=name)  # type: ignore[arg-type]


def test_csv_has_the_client_facing_header_and_one_row_per_entry() -> None:
    rows = list(csv.reader(io.StringIO(to_csv(view("client")))))

    assert rows[0] == list(CLIENT_COLUMNS)
    assert rows[0] == [
        "Date",
        "Recipient",
        "Recipient address",
        "Information disclosed",
        "Purpose",
        "Legal basis",
    ]
    assert len(rows) == 1 + 2  # the sheriff's entry is suspended
    assert rows[1][1:] == [
        WELFARE[2],
        WELFARE[3],
        ENTRIES[0].information_disclosed,
        ENTRIES[0].purpose,
        ENTRIES[0].legal_basis,
    ]


def test_compliance_csv_adds_the_suspension_flag_and_the_references() -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(view("compliance")))))

    assert list(rows[0]) == list(COMPLIANCE_COLUMNS)
    assert len(rows) == 3
    assert [bool(row["Suspended until"]) for row in rows] == [False, True, False]
    assert [row["Entry"] for row in rows] == [e.entry_id for e in ENTRIES]


def test_csv_cells_cannot_run_as_spreadsheet_formulas() -> None:
    rows = list(csv.reader(io.StringIO(to_csv(view("client")))))

    assert rows[2][1] == '\'=HYPERLINK("http://x")'


def test_json_round_trips_in_both_views() -> None:
    for name in ("client", "compliance"):
        statement = view(name)
        assert AccountingStatement.model_validate_json(to_json(statement)) == statement


def test_client_json_carries_no_compliance_fields() -> None:
    data = json.loads(to_json(view("client")))

    assert set(data) == {"client_id", "view", "as_of", "period_start", "lines"}
    assert set(data["lines"][0]) == {
        "disclosed_at",
        "recipient_name",
        "recipient_address",
        "information_disclosed",
        "purpose",
        "legal_basis",
    }


def test_the_printable_page_escapes_a_script_in_a_recipient_name() -> None:
    hostile = entry(CLIENT, AS_OF - timedelta(days=1), recipient_name="<script>alert('x')</script>")

    page = to_html(accounting_view([hostile], [], as_of=AS_OF, view="client"))

    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page


def test_the_printable_page_is_self_contained_and_accessible() -> None:
    page = to_html(view("compliance"))

    assert '<html lang="en">' in page
    assert re.search(r"<title>Accounting of disclosures[^<]*</title>", page)
    assert page.count("<caption>") == 2  # the disclosures and the suspensions in force
    for column in COMPLIANCE_COLUMNS:
        assert f'<th scope="col">{column}</th>' in page
    assert '<th scope="row">' in page
    assert "Sgt. &lt;b&gt;Lee&lt;/b&gt;" in page
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b", page, re.IGNORECASE)
    assert not re.search(r"(src|href)=", page, re.IGNORECASE)
    assert "default-src 'none'" in page


def test_the_client_page_says_nothing_of_suspensions_or_of_what_they_hide() -> None:
    page = to_html(view("client"))

    assert "uspen" not in page
    assert SHERIFF[2].replace("'", "&#39;") not in page and SHERIFF[0] not in page
    assert "2 disclosures" in page


def test_an_empty_accounting_says_so() -> None:
    empty = accounting_view([], [], as_of=AS_OF, view="client", client_id=new_client())

    assert "No disclosures to account for in this period." in to_html(empty)
    assert "0 disclosures." in to_text(empty)
    assert to_csv(empty) == ",".join(CLIENT_COLUMNS) + "\r\n"


def test_the_text_accounting_lists_each_disclosure_with_its_labels() -> None:
    text = to_text(view("client"))

    assert text.count("Recipient address:") == 2
    assert WELFARE[3] in text and SHERIFF[2] not in text


def test_entries_of_two_clients_are_refused_rather_than_shown_together() -> None:
    mixed = [
        entry(CLIENT, AS_OF - timedelta(days=1)),
        entry(new_client(), AS_OF - timedelta(days=1)),
    ]

    with pytest.raises(ValueError, match="more than one client"):
        accounting_view(mixed, [], as_of=AS_OF, view="client")
    # Named, the client sees only their own.
    only = accounting_view(mixed, [], as_of=AS_OF, view="client", client_id=CLIENT)
    assert len(only.lines) == 1
