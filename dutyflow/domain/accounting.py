"""Accounting of disclosures (45 CFR 164.528): what an entry says, in words a client reads.

An entry holds the date, the recipient's name and address, a brief description of the
information disclosed and the purpose. The description is built from the *names* of the disclosed
fields, grouped by what they are about, never from their values.

45 CFR 164.528(a)(1): a client may receive an accounting of the disclosures made in the six years
before the request. 164.528(a)(2): a health oversight agency or law-enforcement official may
suspend that right *for disclosures to that agency or official*: for the period a written
statement specifies or, on an oral statement (documented with the identity of the agency or
official), for no longer than 30 days from the statement unless a written one follows. While a
suspension is in force the client's accounting leaves out that agency's entries and says nothing
about them; compliance sees every entry, each flagged with the end of its suspension.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Literal, Protocol

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import BaseModel, Field

from dutyflow.domain.rendering import TEMPLATES_DIR, format_datetime
from dutyflow.domain.validation import OPAQUE_ID_PATTERN, SHORT_TEXT_LIMIT, FieldProblem

SECTION_DESCRIPTIONS = {
    "reporter": "the reporting clinician's name and professional contact details",
    "phone_report": "details of the earlier telephone report",
    "victim": "the identity, contact details and whereabouts of the person at risk",
    "guardians": "the identity and contact details of parents or guardians",
    "suspect": "the identity and contact details of the person suspected",
    "incident": "the date, time and place of the incident",
    "grounds": "the grounds for the report (what was observed or said, and when)",
    "clinical_context": "clinical information from the client's record",
}


def describe_disclosure(report_title: str, disclosed_fields: Iterable[str]) -> str:
    sections = []
    for path in disclosed_fields:
        section = path.split(".", 1)[0]
        if section not in sections:
            sections.append(section)
    described = [SECTION_DESCRIPTIONS.get(s, s.replace("_", " ")) for s in sections]
    return f"{report_title}: {'; '.join(described)}." if described else f"{report_title}."


LOOK_BACK_YEARS = 6
ORAL_SUSPENSION_LIMIT = timedelta(days=30)
HTML_TEMPLATE = "accounting.html.j2"

View = Literal["client", "compliance"]
SuspensionForm = Literal["written", "oral"]

CLIENT_COLUMNS = (
    "Date",
    "Recipient",
    "Recipient address",
    "Information disclosed",
    "Purpose",
    "Legal basis",
)
COMPLIANCE_COLUMNS = (
    *CLIENT_COLUMNS,
    "Suspended until",
    "Recipient agency",
    "Recipient role",
    "Case",
    "Entry",
    "Policy version",
)
# Fields a client-facing statement never carries (they stay None in the client view and are left
# out of its JSON), so nothing in it hints that an entry was held back.
COMPLIANCE_ONLY_LINE_FIELDS = frozenset(
    {
        "suspended_until",
        "recipient_agency_id",
        "recipient_role",
        "case_id",
        "entry_id",
        "policy_version",
    }
)


def as_utc(value: datetime) -> datetime:
    """Aware UTC. SQLite hands back naive datetimes for what was stored as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def end_of_day(day: date) -> datetime:
    """An accounting "as of" a date includes the whole of that day (UTC)."""
    return datetime.combine(day, time.max, tzinfo=UTC)


def look_back_start(as_of: datetime) -> datetime:
    """Six calendar years before ``as_of`` (29 February falls back to the 28th)."""
    try:
        return as_of.replace(year=as_of.year - LOOK_BACK_YEARS)
    except ValueError:
        return as_of.replace(year=as_of.year - LOOK_BACK_YEARS, day=28)


class Suspension(BaseModel):
    """A suspension of the client's right to an accounting of disclosures to one agency."""

    client_id: str
    agency_id: str
    agency_or_official: str = Field(description="the agency or official who asked, as documented")
    form: SuspensionForm
    statement_summary: str = Field(description="what the statement says, briefly; no case content")
    starts_at: datetime = Field(
        description="when the statement was made (or the written period begins)"
    )
    ends_at: datetime | None = Field(
        default=None,
        description="end of the suspension: the written period, or at most 30 days if oral",
    )

    def in_force(self, at: datetime) -> bool:
        return self.ends_at is not None and as_utc(self.starts_at) <= as_utc(at) < as_utc(
            self.ends_at
        )


class SuspensionRefused(ValueError):
    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def suspension_problems(suspension: Suspension) -> list[FieldProblem]:
    """What stops a suspension from being recorded, naming the field (never the value)."""
    problems: list[FieldProblem] = []
    for name in ("client_id", "agency_id"):
        if not re.fullmatch(OPAQUE_ID_PATTERN, getattr(suspension, name)):
            problems.append(
                FieldProblem(
                    field=name,
                    problem=(
                        "must be an opaque id: letters, digits, '_', '.', ':' or '-', at most 64"
                    ),
                )
            )
    for name in ("agency_or_official", "statement_summary"):
        value: str = getattr(suspension, name)
        if not value.strip():
            problems.append(FieldProblem(field=name, problem="must not be empty"))
        elif len(value) > SHORT_TEXT_LIMIT:
            problems.append(
                FieldProblem(field=name, problem=f"is longer than {SHORT_TEXT_LIMIT} characters")
            )
        if "\x00" in value:
            problems.append(FieldProblem(field=name, problem="contains a NUL character"))
    aware = True
    for name in ("starts_at", "ends_at"):
        value_at: datetime | None = getattr(suspension, name)
        if value_at is not None and value_at.tzinfo is None:
            aware = False
            problems.append(
                FieldProblem(
                    field=name, problem="needs a time zone (e.g. 2026-11-24T14:30:00-08:00)"
                )
            )
    ends_at = suspension.ends_at
    if ends_at is None:
        problem = (
            "a written suspension must state the period it lasts: give its end"
            if suspension.form == "written"
            else "an oral suspension must state its end, at most 30 days after the oral statement"
        )
        problems.append(FieldProblem(field="ends_at", problem=problem))
    elif aware:
        if ends_at <= suspension.starts_at:
            problems.append(FieldProblem(field="ends_at", problem="must be after starts_at"))
        elif suspension.form == "oral" and ends_at - suspension.starts_at > ORAL_SUSPENSION_LIMIT:
            problems.append(
                FieldProblem(
                    field="ends_at",
                    problem=(
                        "an oral suspension lasts at most 30 days from the oral statement "
                        "(45 CFR 164.528(a)(2)(ii)); for longer, record the agency's written "
                        "statement"
                    ),
                )
            )
    return problems


class Disclosure(Protocol):
    """What `accounting_view` reads from an entry (the store's `AccountingEntry` has it)."""

    entry_id: str
    client_id: str
    case_id: str
    disclosed_at: datetime
    recipient_agency_id: str
    recipient_role: str
    recipient_name: str
    recipient_address: str | None
    information_disclosed: str
    purpose: str
    legal_basis: str
    policy_version: str


class AccountingLine(BaseModel):
    """One disclosure as an accounting shows it. Compliance-only fields are None for the client."""

    disclosed_at: datetime
    recipient_name: str
    recipient_address: str | None
    information_disclosed: str
    purpose: str
    legal_basis: str
    suspended_until: datetime | None = None
    recipient_agency_id: str | None = None
    recipient_role: str | None = None
    case_id: str | None = None
    entry_id: str | None = None
    policy_version: str | None = None


class AccountingStatement(BaseModel):
    client_id: str
    view: View
    as_of: datetime
    period_start: datetime
    lines: list[AccountingLine]
    suspensions_in_force: list[Suspension] = Field(
        default_factory=list, description="compliance view only"
    )


def accounting_view(
    entries: Iterable[Disclosure],
    suspensions: Iterable[Suspension],
    *,
    as_of: datetime,
    view: View,
    client_id: str | None = None,
) -> AccountingStatement:
    """The accounting of one client's disclosures in the six years up to ``as_of``.

    ``client_id`` names the client; without it every entry and suspension must be the same
    client's (a mix raises ValueError rather than showing one client another's disclosures).
    """
    if view not in ("client", "compliance"):
        raise ValueError("view must be 'client' or 'compliance'")
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    entries = list(entries)
    suspensions = list(suspensions)
    if client_id is None:
        clients = {e.client_id for e in entries} | {s.client_id for s in suspensions}
        if len(clients) > 1:
            raise ValueError("entries or suspensions of more than one client")
        if not clients:
            raise ValueError("client_id is needed when there are no entries or suspensions")
        client_id = clients.pop()
    as_of = as_utc(as_of)
    start = look_back_start(as_of)

    in_force = [s for s in suspensions if s.client_id == client_id and s.in_force(as_of)]
    suspended_until: dict[str, datetime] = {}
    for s in in_force:
        assert s.ends_at is not None
        end = as_utc(s.ends_at)
        suspended_until[s.agency_id] = max(end, suspended_until.get(s.agency_id, end))

    lines: list[AccountingLine] = []
    for entry in sorted(
        (e for e in entries if e.client_id == client_id),
        key=lambda e: (as_utc(e.disclosed_at), e.entry_id),
    ):
        disclosed_at = as_utc(entry.disclosed_at)
        if not start <= disclosed_at <= as_of:
            continue
        until = suspended_until.get(entry.recipient_agency_id)
        if view == "client" and until is not None:
            continue
        line = AccountingLine(
            disclosed_at=disclosed_at,
            recipient_name=entry.recipient_name,
            recipient_address=entry.recipient_address,
            information_disclosed=entry.information_disclosed,
            purpose=entry.purpose,
            legal_basis=entry.legal_basis,
        )
        if view == "compliance":
            line = line.model_copy(
                update={
                    "suspended_until": until,
                    "recipient_agency_id": entry.recipient_agency_id,
                    "recipient_role": entry.recipient_role,
                    "case_id": entry.case_id,
                    "entry_id": entry.entry_id,
                    "policy_version": entry.policy_version,
                }
            )
        lines.append(line)
    return AccountingStatement(
        client_id=client_id,
        view=view,
        as_of=as_of,
        period_start=start,
        lines=lines,
        suspensions_in_force=in_force if view == "compliance" else [],
    )


# --- renderers -----------------------------------------------------------------------------------


def _cells(line: AccountingLine, view: View) -> list[str]:
    cells = [
        format_datetime(line.disclosed_at),
        line.recipient_name,
        line.recipient_address or "Not known",
        line.information_disclosed,
        line.purpose,
        line.legal_basis,
    ]
    if view == "compliance":
        cells += [
            format_datetime(line.suspended_until) if line.suspended_until else "",
            line.recipient_agency_id or "",
            line.recipient_role or "",
            line.case_id or "",
            line.entry_id or "",
            line.policy_version or "",
        ]
    return cells


def columns(view: View) -> tuple[str, ...]:
    return COMPLIANCE_COLUMNS if view == "compliance" else CLIENT_COLUMNS


def _spreadsheet_safe(cell: str) -> str:
    """Keep a spreadsheet from reading a cell as a formula (CSV injection)."""
    return f"'{cell}" if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def to_csv(statement: AccountingStatement) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns(statement.view))
    for line in statement.lines:
        writer.writerow([_spreadsheet_safe(c) for c in _cells(line, statement.view)])
    return out.getvalue()


def to_json(statement: AccountingStatement) -> str:
    """JSON that `AccountingStatement.model_validate_json` reads back to the same statement."""
    if statement.view == "client":
        data = statement.model_dump(
            mode="json",
            exclude={
                "suspensions_in_force": True,
                "lines": {"__all__": set(COMPLIANCE_ONLY_LINE_FIELDS)},
            },
        )
    else:
        data = statement.model_dump(mode="json")
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def to_text(statement: AccountingStatement) -> str:
    """A readable plain-text accounting, one block per disclosure."""
    heads = columns(statement.view)[1:]
    width = max(len(h) for h in heads) + 2
    out = [
        f"Accounting of disclosures for client {statement.client_id}",
        (
            f"Disclosures from {format_datetime(statement.period_start)} "
            f"to {format_datetime(statement.as_of)} (six years)"
        ),
    ]
    if statement.view == "compliance":
        out.append("COMPLIANCE VIEW: includes disclosures hidden from the client by a suspension.")
        for s in statement.suspensions_in_force:
            assert s.ends_at is not None
            out.append(
                f"  Suspended: {s.agency_id} ({s.agency_or_official}), {s.form}, "
                f"until {format_datetime(as_utc(s.ends_at))}"
            )
    count = len(statement.lines)
    out.append(f"{count} disclosure{'' if count == 1 else 's'}.")
    for number, line in enumerate(statement.lines, start=1):
        cells = _cells(line, statement.view)
        out += ["", f"{number}. {cells[0]}"]
        for head, cell in zip(heads, cells[1:], strict=True):
            if cell:
                out.append(f"   {head + ':':<{width}}{' '.join(cell.split())}")
    return "\n".join(out) + "\n"


@functools.cache
def _environment(templates_dir: Path) -> Environment:
    """One environment per templates folder: its templates are compiled once, not on every
    accounting (jinja2's ``auto_reload`` still compiles a template edited on disk again)."""
    return Environment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def to_html(statement: AccountingStatement, templates_dir: Path = TEMPLATES_DIR) -> str:
    """A printable page (``templates/accounting.html.j2``): autoescaped, no scripts or resources."""
    suspensions = []
    for s in statement.suspensions_in_force:
        assert s.ends_at is not None
        suspensions.append(
            {
                "agency_id": s.agency_id,
                "agency_or_official": s.agency_or_official,
                "form": s.form,
                "statement_summary": s.statement_summary,
                "starts_at": format_datetime(as_utc(s.starts_at)),
                "ends_at": format_datetime(as_utc(s.ends_at)),
            }
        )
    values = {
        "client_id": statement.client_id,
        "compliance": statement.view == "compliance",
        "period_start": format_datetime(statement.period_start),
        "as_of": format_datetime(statement.as_of),
        "columns": columns(statement.view),
        "rows": [_cells(line, statement.view) for line in statement.lines],
        "flagged": [line.suspended_until is not None for line in statement.lines],
        "suspensions": suspensions,
    }
    return _environment(Path(templates_dir)).get_template(HTML_TEMPLATE).render(values)


def render(statement: AccountingStatement, fmt: str) -> str:
    if fmt == "json":
        return to_json(statement)
    if fmt == "csv":
        return to_csv(statement)
    if fmt == "html":
        return to_html(statement)
    if fmt == "text":
        return to_text(statement)
    raise ValueError("format must be one of text, csv, json, html")
