"""A de-identified case summary for teaching, research or quality review.

``GET /reports/{case_id}/deidentified`` and ``uv run dutyflow export --deidentified CASE`` give the
case's content under the rules of `dutyflow.domain.deidentify`: no identifying field, ages as
bands, dates as months, names masked in free text, private content and psychotherapy notes never.
With it come what was removed, coarsened and masked (by field path) and the residual risks that
rules cannot remove. Every export is audited (``case-exported-deidentified``): who, which paths
were removed and masked, never a value.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import select

from dutyflow.contracts import Actor
from dutyflow.domain.audit import content_sha256
from dutyflow.domain.deidentify import deidentify
from dutyflow.store.case_file import load_case_file
from dutyflow.store.db import SessionFactory
from dutyflow.store.steps import record_step
from dutyflow.store.tables import CaseRecord

EXPORTED_STEP = "case-exported-deidentified"


class DeidentifiedExport(BaseModel):
    """A case as it may be shared for teaching, research or quality review."""

    kind: str
    jurisdiction: str
    policy_version: str
    exported_on: date
    content: dict[str, Any]
    removed: list[str]
    coarsened: list[str]
    masked: list[str]
    residual_risks: list[str]


def export_case(
    sessions: SessionFactory, case_id: str, *, actor: Actor, on: date | None = None
) -> DeidentifiedExport:
    """The de-identified export of the case, audited. Raises `CaseNotFound` for a case without
    documented grounds."""
    on = on or datetime.now(UTC).date()
    with sessions() as session:
        case_file = load_case_file(session, case_id)
        kind, jurisdiction, policy_version = session.exec(
            select(CaseRecord.kind, CaseRecord.jurisdiction, CaseRecord.policy_version).where(
                CaseRecord.case_id == case_id
            )
        ).one()
    view = deidentify(case_file.model_dump(mode="json", exclude_none=True), on=on)
    export = DeidentifiedExport(
        kind=kind,
        jurisdiction=jurisdiction,
        policy_version=policy_version,
        exported_on=on,
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
