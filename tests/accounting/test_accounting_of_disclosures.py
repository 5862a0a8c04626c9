"""A client's accounting of disclosures (45 CFR 164.528): exactly their disclosures, six years back,
with law-enforcement and oversight suspensions applied to the client's view and not to
compliance's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from dutyflow.contracts import Actor
from dutyflow.domain.accounting import (
    AccountingStatement,
    Suspension,
    SuspensionRefused,
    accounting_view,
    suspension_problems,
    to_json,
)
from dutyflow.store.accounting import (
    AccountingSuspension,
    audit_subject,
    entries_for_client,
    record_suspension,
    suspensions_for_client,
)
from dutyflow.store.db import SessionFactory
from dutyflow.store.tables import AuditEntry
from tests.accounting.scripted import (
    AS_OF,
    SHERIFF,
    WELFARE,
    Disclosures,
    entry,
    new_client,
    years_before,
)

COMPLIANCE_OFFICER = Actor(actor_id="compliance-007", role="compliance")


def statement(
    sessions: SessionFactory, client_id: str, *, view: str = "client", as_of: datetime = AS_OF
) -> AccountingStatement:
    with sessions() as session:
        entries = entries_for_client(session, client_id)
        suspensions = suspensions_for_client(session, client_id)
    return accounting_view(entries, suspensions, as_of=as_of, view=view, client_id=client_id)  # type: ignore[arg-type]


def sheriff_suspension(client_id: str, **changes: object) -> Suspension:
    values: dict[str, object] = {
        "client_id": client_id,
        "agency_id": SHERIFF[0],
        "agency_or_official": "Detective J. Rivera, Demo County Sheriff's Department",
        "form": "written",
        "statement_summary": (
            "Letter of 2026-10-01: an accounting would impede an open investigation."
        ),
        "starts_at": AS_OF - timedelta(days=30),
        "ends_at": AS_OF + timedelta(days=90),
    }
    values.update(changes)
    return Suspension.model_validate(values)


def test_the_accounting_holds_exactly_the_clients_disclosures_and_no_one_elses(
    disclosures: Disclosures, accounting_sessions: SessionFactory
) -> None:
    alice, bob, carol = new_client(), new_client(), new_client()
    alices = disclosures.add(
        entry(alice, AS_OF - timedelta(days=400)),
        entry(alice, AS_OF - timedelta(days=400, hours=-1), SHERIFF),
        entry(alice, AS_OF - timedelta(days=3)),
    )
    disclosures.add(
        entry(bob, AS_OF - timedelta(days=10)),
        entry(bob, AS_OF - timedelta(days=10), SHERIFF),
    )

    for view in ("client", "compliance"):
        lines = statement(accounting_sessions, alice, view=view).lines
        assert [line.disclosed_at for line in lines] == [e.disclosed_at for e in alices]
        assert [line.recipient_name for line in lines] == [WELFARE[2], SHERIFF[2], WELFARE[2]]
    compliance = statement(accounting_sessions, alice, view="compliance")
    assert {line.entry_id for line in compliance.lines} == {e.entry_id for e in alices}
    assert {line.case_id for line in compliance.lines} == {e.case_id for e in alices}
    assert statement(accounting_sessions, carol).lines == []


def test_each_line_gives_the_date_recipient_and_address_what_was_disclosed_purpose_and_basis(
    disclosures: Disclosures, accounting_sessions: SessionFactory
) -> None:
    client = new_client()
    (written,) = disclosures.add(entry(client, AS_OF - timedelta(days=1)))

    (line,) = statement(accounting_sessions, client).lines

    assert line.disclosed_at == written.disclosed_at
    assert line.recipient_name == WELFARE[2]
    assert line.recipient_address == WELFARE[3]
    assert line.information_disclosed == written.information_disclosed
    assert line.purpose == written.purpose
    assert line.legal_basis == written.legal_basis
    # The client's view carries nothing but what the accounting must say.
    assert line.suspended_until is None and line.case_id is None and line.entry_id is None


def test_six_year_look_back_excludes_a_seven_year_old_disclosure_and_includes_a_five_year_old_one(
    disclosures: Disclosures, accounting_sessions: SessionFactory
) -> None:
    client = new_client()
    seven, five, six, six_and_a_day, later = disclosures.add(
        entry(client, years_before(AS_OF, 7)),
        entry(client, years_before(AS_OF, 5)),
        entry(client, years_before(AS_OF, 6)),
        entry(client, years_before(AS_OF, 6) - timedelta(days=1)),
        entry(client, AS_OF + timedelta(days=1)),  # after the date asked about
    )

    result = statement(accounting_sessions, client, view="compliance")

    assert result.period_start == years_before(AS_OF, 6)
    shown = [line.entry_id for line in result.lines]
    assert five.entry_id in shown and seven.entry_id not in shown
    assert shown == [six.entry_id, five.entry_id]  # six years to the day is still inside
    assert six_and_a_day.entry_id not in shown and later.entry_id not in shown
    a_week_later = statement(
        accounting_sessions, client, view="compliance", as_of=AS_OF + timedelta(days=7)
    )
    assert [line.entry_id for line in a_week_later.lines] == [five.entry_id, later.entry_id]


def test_suspended_law_enforcement_disclosure_is_hidden_from_the_client_until_the_suspension_ends(
    disclosures: Disclosures, accounting_sessions: SessionFactory
) -> None:
    client = new_client()
    to_welfare, to_sheriff = disclosures.add(
        entry(client, AS_OF - timedelta(days=60)),
        entry(client, AS_OF - timedelta(days=60, minutes=-5), SHERIFF),
    )
    suspension = sheriff_suspension(client)
    record_suspension(accounting_sessions, suspension, COMPLIANCE_OFFICER)
    assert suspension.ends_at is not None

    during = statement(accounting_sessions, client)
    assert [line.recipient_name for line in during.lines] == [WELFARE[2]]
    client_json = to_json(during)
    assert SHERIFF[0] not in client_json and SHERIFF[2] not in client_json
    assert "suspen" not in client_json.lower()

    compliance = statement(accounting_sessions, client, view="compliance")
    flagged = {line.entry_id: line.suspended_until for line in compliance.lines}
    assert flagged == {to_welfare.entry_id: None, to_sheriff.entry_id: suspension.ends_at}
    assert [s.agency_id for s in compliance.suspensions_in_force] == [SHERIFF[0]]

    just_before_the_end = suspension.ends_at - timedelta(microseconds=1)
    assert len(statement(accounting_sessions, client, as_of=just_before_the_end).lines) == 1
    after = statement(accounting_sessions, client, as_of=suspension.ends_at)
    assert [line.recipient_name for line in after.lines] == [WELFARE[2], SHERIFF[2]]
    before = statement(
        accounting_sessions, client, as_of=suspension.starts_at - timedelta(seconds=1)
    )
    assert len(before.lines) == 2
    # Only that client's accounting is affected.
    other = new_client()
    disclosures.add(entry(other, AS_OF - timedelta(days=5), SHERIFF))
    assert len(statement(accounting_sessions, other).lines) == 1


def test_a_suspension_is_audited_without_the_officials_name_or_the_statement(
    accounting_sessions: SessionFactory,
) -> None:
    client = new_client()
    suspension = sheriff_suspension(client)

    row = record_suspension(accounting_sessions, suspension, COMPLIANCE_OFFICER)

    with accounting_sessions() as session:
        (audit,) = session.exec(
            select(AuditEntry).where(AuditEntry.case_id == audit_subject(client))
        ).all()
        stored = session.get(AccountingSuspension, row.suspension_id)
    assert audit.case_id == f"client:{client}"
    assert audit.step == "accounting-suspended"
    assert (audit.actor_id, audit.actor_role) == ("compliance-007", "compliance")
    assert audit.details["suspension_id"] == row.suspension_id
    assert audit.details["agency_id"] == SHERIFF[0]
    assert "Rivera" not in str(audit.details) and "investigation" not in str(audit.details)
    assert stored is not None and stored.as_suspension() == suspension


def test_an_oral_suspension_of_31_days_is_refused_naming_ends_at(
    accounting_sessions: SessionFactory,
) -> None:
    client = new_client()
    oral = sheriff_suspension(
        client, form="oral", ends_at=AS_OF - timedelta(days=30) + timedelta(days=31)
    )

    assert [p.field for p in suspension_problems(oral)] == ["ends_at"]
    with pytest.raises(SuspensionRefused) as refused:
        record_suspension(accounting_sessions, oral, COMPLIANCE_OFFICER)
    assert [p.field for p in refused.value.problems] == ["ends_at"]
    assert "30 days" in refused.value.problems[0].problem
    with accounting_sessions() as session:
        assert suspensions_for_client(session, client) == []
        assert (
            session.exec(
                select(AuditEntry).where(AuditEntry.case_id == audit_subject(client))
            ).all()
            == []
        )


def test_an_oral_suspension_of_30_days_is_accepted_and_hides_for_those_30_days(
    disclosures: Disclosures, accounting_sessions: SessionFactory
) -> None:
    client = new_client()
    disclosures.add(entry(client, AS_OF - timedelta(days=40), SHERIFF))
    spoken_at = AS_OF - timedelta(days=10)
    oral = sheriff_suspension(
        client, form="oral", starts_at=spoken_at, ends_at=spoken_at + timedelta(days=30)
    )

    assert suspension_problems(oral) == []
    record_suspension(accounting_sessions, oral, COMPLIANCE_OFFICER)

    assert statement(accounting_sessions, client).lines == []
    assert (
        len(statement(accounting_sessions, client, as_of=spoken_at + timedelta(days=30)).lines) == 1
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_at": None}, "ends_at"),  # a written statement states its period
        ({"form": "oral", "ends_at": None}, "ends_at"),
        ({"ends_at": AS_OF - timedelta(days=31)}, "ends_at"),  # ends before it starts
        ({"ends_at": datetime(2027, 1, 1)}, "ends_at"),  # no time zone
        ({"agency_or_official": "  "}, "agency_or_official"),
        ({"statement_summary": ""}, "statement_summary"),
        ({"agency_id": "not an id!"}, "agency_id"),
    ],
)
def test_a_suspension_that_does_not_say_who_or_for_how_long_is_refused_naming_the_field(
    changes: dict[str, object], field: str
) -> None:
    problems = suspension_problems(sheriff_suspension(new_client(), **changes))

    assert [p.field for p in problems] == [field]


def test_a_later_suspension_of_the_same_agency_extends_it_and_the_latest_end_is_shown(
    disclosures: Disclosures, accounting_sessions: SessionFactory
) -> None:
    client = new_client()
    disclosures.add(entry(client, AS_OF - timedelta(days=50), SHERIFF))
    spoken_at = AS_OF - timedelta(days=20)
    oral = sheriff_suspension(
        client, form="oral", starts_at=spoken_at, ends_at=spoken_at + timedelta(days=30)
    )
    written = sheriff_suspension(
        client, starts_at=AS_OF - timedelta(days=1), ends_at=datetime(2027, 6, 1, tzinfo=UTC)
    )
    record_suspension(accounting_sessions, oral, COMPLIANCE_OFFICER)
    record_suspension(accounting_sessions, written, COMPLIANCE_OFFICER)

    (line,) = statement(accounting_sessions, client, view="compliance").lines
    assert line.suspended_until == datetime(2027, 6, 1, tzinfo=UTC)
    assert statement(accounting_sessions, client, as_of=spoken_at + timedelta(days=31)).lines == []
