"""A de-identified case summary for teaching, research or quality review.

``GET /reports/{case_id}/deidentified`` and ``uv run dutyflow export --deidentified CASE`` give the
case's content under HIPAA Safe Harbor (`dutyflow.domain.safe_harbor`, 45 CFR 164.514(b)(2)): no
identifying field, no place below the state, years only, ages as bands (90+), names, ages,
professions, dates, numbers and named programmes masked in free text, private content and
psychotherapy notes never. The export names the standard it meets, or is refused
(`ExportRefused`) saying where an identifier may remain. Research use records its basis: the
client's permission to publish, or a 45 CFR 164.512(i) waiver. With the content come what was
removed, coarsened and masked (by field path) and the residual risks that rules cannot remove.
Every export is audited (``case-exported-deidentified``): who, the purpose and basis, which paths
were removed and masked, never a value.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlmodel import select

from dutyflow.contracts import Actor
from dutyflow.domain.audit import content_sha256
from dutyflow.domain.safe_harbor import STANDARD, safe_harbor_export
from dutyflow.store.case_file import load_case_file
from dutyflow.store.db import SessionFactory
from dutyflow.store.steps import record_step
from dutyflow.store.tables import CaseRecord

EXPORTED_STEP = "case-exported-deidentified"

Purpose = Literal["teaching", "research", "quality-review"]
# What lets a case be used for research (issue 17): the client's written permission, or an IRB
# or privacy board's waiver of authorisation (45 CFR 164.512(i)).
ResearchBasis = Literal["client-permission", "waiver-164.512(i)"]


class ExportRefused(ValueError):
    """The export cannot meet its standard, or lacks what its purpose needs: the problems name
    fields and categories, never values."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {p}" for f, p in problems))
        self.problems = problems


class DeidentifiedExport(BaseModel):
    """A case as it may be shared for teaching, research or quality review."""

    kind: str
    jurisdiction: str
    policy_version: str
    exported_on: date
    standard: str
    purpose: Purpose
    research_basis: ResearchBasis | None = None
    content: dict[str, Any]
    removed: list[str]
    coarsened: list[str]
    masked: list[str]
    residual_risks: list[str]


def export_case(
    sessions: SessionFactory,
    case_id: str,
    *,
    actor: Actor,
    on: date | None = None,
    purpose: Purpose = "teaching",
    research_basis: ResearchBasis | None = None,
) -> DeidentifiedExport:
    """The de-identified export of the case, audited. Raises `CaseNotFound` for a case without
    documented grounds, `ExportRefused` for research without a basis or where an identifier may
    remain (nothing is exported then, and nothing recorded)."""
    on = on or datetime.now(UTC).date()
    if purpose == "research" and research_basis is None:
        raise ExportRefused(
            [
                (
                    "research_basis",
                    "research use needs its basis: client-permission or waiver-164.512(i)",
                )
            ]
        )
    with sessions() as session:
        case_file = load_case_file(session, case_id)
        kind, jurisdiction, policy_version = session.exec(
            select(CaseRecord.kind, CaseRecord.jurisdiction, CaseRecord.policy_version).where(
                CaseRecord.case_id == case_id
            )
        ).one()
    result = safe_harbor_export(case_file.model_dump(mode="json", exclude_none=True), on=on)
    if not result.meets_standard:
        raise ExportRefused(
            [
                (path, f"{why}; it would not meet {STANDARD}")
                for path, _, why in (r.partition(": ") for r in result.refused)
            ]
        )
    view = result.view
    export = DeidentifiedExport(
        kind=kind,
        jurisdiction=jurisdiction,
        policy_version=policy_version,
        exported_on=on,
        standard=STANDARD,
        purpose=purpose,
        research_basis=research_basis,
        content=view.content,
        removed=[c.path for c in view.changes if c.what == "removed"],
        coarsened=[c.path for c in view.changes if c.what == "coarsened"],
        masked=[c.path for c in view.changes if c.what == "masked"],
        residual_risks=view.residual_risks,
    )
    record_step(
        sessions,
        case_id=case_id,
        step=EXPORTED_STEP,
        key_suffix=uuid.uuid4().hex,  # every export is an event of its own
        actor=actor,
        content_sha256=content_sha256(export.model_dump(mode="json")),
        details={
            "standard": export.standard,
            "purpose": export.purpose,
            "research_basis": export.research_basis,
            "removed": export.removed,
            "masked": export.masked,
            "coarsened": len(export.coarsened),
        },
    )
    return export


def export_text(export: DeidentifiedExport) -> str:
    """The export for a reader: the content, then what was changed and what risk remains."""
    import json

    lines = [
        f"De-identified case summary ({export.kind}, {export.jurisdiction}, "
        f"policy {export.policy_version}), "
        f"exported {export.exported_on.isoformat()}",
        f"Meets: {export.standard}. Purpose: {export.purpose}"
        + (f" (basis: {export.research_basis})" if export.research_basis else "")
        + ".",
        "",
        json.dumps(export.content, indent=2, ensure_ascii=False),
        "",
        f"Removed ({len(export.removed)}): " + (", ".join(export.removed) or "nothing"),
        f"Coarsened ({len(export.coarsened)}): " + (", ".join(export.coarsened) or "nothing"),
        f"Masked in free text ({len(export.masked)}): " + (", ".join(export.masked) or "nothing"),
        "",
        "Residual risk:",
        *(f"- {risk}" for risk in export.residual_risks),
    ]
    return "\n".join(lines)
