"""Activity that renders the templated report for one recipient from its limited fields only."""

from __future__ import annotations

from datetime import UTC, datetime

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlmodel import Session, select
from temporalio import activity

from activities.supervision import approved_additions
from dutyflow import ids
from dutyflow.contracts import SYSTEM, DocumentSummary, PhoneTask, RecipientStep
from dutyflow.domain.audit import content_sha256
from dutyflow.domain.disclosure import limit_fields
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.domain.rendering import TEMPLATES_DIR, RenderContext, load_form_layout, render_report
from dutyflow.store import audit_log
from dutyflow.store.case_file import load_case, load_case_file
from dutyflow.store.db import SessionFactory, reading
from dutyflow.store.steps import record_step
from dutyflow.store.tables import (
    DeliveryRecord,
    DisclosureRecord,
    ObligationRecord,
    ReportDocument,
    SupplementalReport,
)
from dutyflow.timed_sections import RENDERING, timed_section

_PHONE_SCRIPT = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=False,
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


_KIND_WORDS = {
    "child-abuse": "suspected child abuse or neglect",
    "elder-abuse": "suspected elder or dependent-adult abuse",
}
_VICTIM_WORDS = {"child-abuse": "The child", "elder-abuse": "The adult"}


def _known(value: object) -> str:
    return "not known" if value in (None, "", []) else str(value)


def supplement_marking(session: Session, request: RecipientStep) -> tuple[str, list[str]]:
    """What a supplement's copy says about itself: the reference of the report the recipient
    received (the agency's, else Dutyflow's report id) and the paths the supplement changed."""
    original = session.exec(
        select(DeliveryRecord).where(
            DeliveryRecord.case_id == request.case_id,
            DeliveryRecord.recipient_id == request.recipient_id,
        )
    ).first()
    row = session.get(SupplementalReport, ids.supplement_id(request.case_id, request.supplement))
    if original is None or row is None:
        raise LookupError(f"case {request.case_id}: no delivered report to supplement")
    return original.reference_number or original.report_id, list(row.changed_fields)


def shown_changes(changed: list[str], disclosed: list[str]) -> list[str]:
    """The changed paths this recipient may see (a change to a withheld field is not named)."""
    return [
        path
        for path in changed
        if any(d == path or d.startswith(path + ".") or path.startswith(d + ".") for d in disclosed)
    ]


class ReportActivities:
    def __init__(self, sessions: SessionFactory, policies: PolicyLibrary) -> None:
        self._sessions = sessions
        self._policies = policies

    @activity.defn(name="prepare_phone_task")
    def prepare_phone_task(self, request: RecipientStep) -> PhoneTask:
        """The call's script, from the recipient's allow-listed fields only."""
        with reading(self._sessions) as session:
            case = load_case(session, request.case_id)
            obligation = session.get(
                ObligationRecord, ids.obligation_id(request.case_id, request.recipient_id)
            )
            case_file = load_case_file(session, request.case_id)
        if obligation is None:
            raise LookupError(f"case {request.case_id}: no obligation for this recipient")
        policy = self._policies.version(case.jurisdiction, case.kind, case.policy_version)
        allowed = policy.recipient(obligation.rule_id).allowed_fields
        fields = limit_fields(case_file, allowed).fields

        def get(path: str) -> str:
            node: object = fields
            for part in path.split("."):
                if not isinstance(node, dict) or part not in node:
                    return "not disclosed"
                node = node[part]
            return _known(node)

        due = obligation.phone_report_due_at
        with timed_section(RENDERING):
            script = _PHONE_SCRIPT.get_template("phone-script.txt.j2").render(
                agency_name=obligation.agency_name,
                phone_number=obligation.agency_phone,
                due_at=f"{due:%Y-%m-%d %H:%M} UTC" if due else "immediately",
                report_kind=_KIND_WORDS.get(case.kind, case.kind.replace("-", " ")),
                victim_label=_VICTIM_WORDS.get(case.kind, "The person at risk"),
                reporter_name=get("reporter.name"),
                reporter_title=get("reporter.title"),
                reporter_category=get("reporter.mandated_reporter_category"),
                reporter_phone=get("reporter.phone"),
                statutory_basis=get("grounds.statutory_basis"),
                victim_name=get("victim.name"),
                victim_birth_date=get("victim.birth_date"),
                victim_location=get("victim.present_location"),
                observations=get("grounds.observations"),
                statements=get("grounds.statements"),
                source=get("grounds.source_of_information"),
                suspicion_formed_at=get("grounds.suspicion_formed_at"),
            )
        record_step(
            self._sessions,
            case_id=request.case_id,
            step="phone-task-prepared",
            key_suffix=request.recipient_id,
            actor=SYSTEM,
            content_sha256=content_sha256(script),
            details={"recipient_id": request.recipient_id, "agency_id": obligation.agency_id},
            ends_attempt=True,
        )
        return PhoneTask(
            recipient_id=request.recipient_id,
            agency_name=obligation.agency_name,
            phone_number=obligation.agency_phone,
            script=script,
            due_at=due,
        )

    @activity.defn(name="render_report")
    def render_report(self, request: RecipientStep) -> DocumentSummary:
        document_id = ids.document_id(request.case_id, request.copy_id)
        revision = request.additions_revision
        suffix = ids.additions_suffix(request.copy_id, revision)
        with reading(self._sessions) as session:
            existing = session.get(ReportDocument, document_id)
            if existing is not None and (
                not revision
                or audit_log.recorded_step(
                    session, ids.step_key(request.case_id, "report-rendered", suffix)
                )
            ):
                return DocumentSummary(
                    document_id=document_id,
                    recipient_id=existing.recipient_id,
                    form_id=existing.form_id,
                    sha256=existing.sha256,
                )
            case = load_case(session, request.case_id)
            disclosure = session.get(
                DisclosureRecord, ids.disclosure_id(request.case_id, request.copy_id)
            )
            obligation = session.get(
                ObligationRecord, ids.obligation_id(request.case_id, request.recipient_id)
            )
            additions = approved_additions(session, request.case_id, request.recipient_id)
            supplement = supplement_marking(session, request) if request.supplement else None
        if disclosure is None or obligation is None:
            raise LookupError(f"case {request.case_id}: fields not yet limited for this recipient")
        policy = self._policies.version(case.jurisdiction, case.kind, case.policy_version)
        recipient = policy.recipient(obligation.rule_id)
        layout = load_form_layout(recipient.form)
        # A person, a court or a requesting party is addressed by the contact the case file
        # gives (sealed with the obligation); an agency by the directory's name and address.
        contact = obligation.contact or {}
        with timed_section(RENDERING):
            rendered = render_report(
                layout,
                disclosure.fields,
                RenderContext(
                    form_code=layout.code,
                    form_title=f"{layout.title} (supplemental report)"
                    if supplement
                    else layout.title,
                    recipient_name=contact.get("name") or obligation.agency_name,
                    recipient_address=contact.get("address") or obligation.agency_address,
                    case_reference=case.case_id,
                    policy_version=f"{case.jurisdiction} {case.kind} {policy.version}",
                    policy_citation=recipient.allowed_fields_citation,
                    generated_at=datetime.now(UTC).replace(microsecond=0),
                    supplemental_to=supplement[0] if supplement else None,
                    changed_fields=(
                        tuple(shown_changes(supplement[1], disclosure.disclosed_fields))
                        if supplement
                        else ()
                    ),
                ),
                additions=additions,
            )

        def write(session: Session) -> None:
            stale = session.get(ReportDocument, document_id)
            if stale is not None:  # rendered again: the fields changed after an approved exception
                stale.html, stale.text, stale.sha256 = rendered.html, rendered.text, rendered.sha256
                stale.form_id = layout.id
                session.add(stale)
                return
            session.add(
                ReportDocument(
                    document_id=document_id,
                    case_id=request.case_id,
                    disclosure_id=disclosure.disclosure_id,
                    recipient_id=request.copy_id,
                    form_id=layout.id,
                    html=rendered.html,
                    text=rendered.text,
                    sha256=rendered.sha256,
                )
            )

        record_step(
            self._sessions,
            case_id=request.case_id,
            step="report-rendered",
            key_suffix=suffix,
            actor=SYSTEM,
            content_sha256=rendered.sha256,
            details={
                "recipient_id": request.recipient_id,
                "form": layout.code,
                **({"supplement": request.supplement} if request.supplement else {}),
            },
            write=write,
        )
        # Read back what was stored: if an earlier attempt won the race, its document stands.
        with reading(self._sessions) as session:
            stored = session.get(ReportDocument, document_id)
        assert stored is not None
        return DocumentSummary(
            document_id=document_id,
            recipient_id=request.recipient_id,
            form_id=stored.form_id,
            sha256=stored.sha256,
        )
