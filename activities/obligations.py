"""Activities that apply the case's policy: who must receive the report, by when, and which
fields each recipient may see.

Thin: each loads the case, its policy version and the agency directory, asks the domain
(`dutyflow.domain.obligations.find_obligations`, `dutyflow.domain.recipient_fields`) and records
the rows with their audit entry in one transaction, at most once (a retry finds its own entry).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.supervision import approved_additions
from dutyflow import ids
from dutyflow.contracts import (
    SYSTEM,
    DisclosureSummary,
    Obligation,
    ObligationSet,
    ObligationsRequest,
    RecipientStep,
)
from dutyflow.domain.agencies import AgencyDirectory
from dutyflow.domain.audit import content_sha256
from dutyflow.domain.disclosure import NeverDisclosedError, OutsideScopeError, ProtectedDataError
from dutyflow.domain.obligations import (
    CaseObligations,
    HardStop,
    NoAgencyForRecipient,
    ObligationToRecipient,
    deadline_plans,
    find_obligations,
)
from dutyflow.domain.policy import Policy, PolicyLibrary
from dutyflow.domain.recipient_fields import RecipientFields, fields_for_recipient
from dutyflow.store import audit_log
from dutyflow.store.case_file import load_case, load_case_file, obligations_for
from dutyflow.store.db import SessionFactory, reading
from dutyflow.store.steps import record_step
from dutyflow.store.tables import DisclosureRecord, ObligationRecord

# The domain's refusals to limit a recipient's fields, as the workflow's error types.
_LIMIT_REFUSALS: tuple[type[ValueError], ...] = (
    ProtectedDataError,
    OutsideScopeError,
    NeverDisclosedError,
)


def _as_obligation(
    row: ObligationRecord, directory: AgencyDirectory, fax_provider: bool = False
) -> Obligation:
    agency = directory.by_id(row.agency_id) if (row.delivery or "intake") == "intake" else None
    channel = agency.channel if agency is not None else "intake-api"
    return Obligation(
        recipient_id=row.recipient_id,
        agency_id=row.agency_id,
        agency_name=row.agency_name,
        agency_phone=row.agency_phone,
        form_id=row.form_id,
        legal_basis=row.legal_basis,
        phone_report_due_at=row.phone_report_due_at,
        written_report_due_at=row.written_report_due_at,
        citations=row.citations,
        recipient_rule=row.rule_id,
        recipient_type=row.recipient_type or "agency",
        delivery=row.delivery or "intake",
        obligation=row.obligation_mode or "required",
        deadline_ids=row.deadline_ids or [],
        channel=channel,
        fax_by_provider=fax_provider and channel == "fax",
    )


def _as_record(case_id: str, policy_version: str, found: ObligationToRecipient) -> ObligationRecord:
    return ObligationRecord(
        obligation_id=ids.obligation_id(case_id, found.recipient_id),
        case_id=case_id,
        recipient_id=found.recipient_id,
        agency_id=found.agency_id,
        agency_name=found.agency_name,
        agency_address=found.agency_address,
        agency_phone=found.agency_phone,
        intake_url=found.intake_url,
        contact=found.contact,
        form_id=found.form_id,
        legal_basis=found.legal_basis,
        purpose=found.purpose,
        phone_report_due_at=found.phone_report_due_at,
        written_report_due_at=found.written_report_due_at,
        policy_version=policy_version,
        citations=found.citations,
        recipient_rule=found.recipient_rule,
        recipient_type=found.recipient_type,
        delivery=found.delivery,
        obligation_mode=found.obligation,
        deadline_ids=found.deadline_ids,
    )


def _delete_obligations(session: Session, obligation_ids: list[str]) -> None:
    """Obligations determined under grounds since revised: nothing was limited or sent under
    them (the consultation comes first), so they give way to the new ones."""
    for obligation_id in obligation_ids:
        row = session.get(ObligationRecord, obligation_id)
        if row is not None:
            session.delete(row)
    session.flush()


class ObligationActivities:
    def __init__(
        self,
        sessions: SessionFactory,
        policies: PolicyLibrary,
        directory: AgencyDirectory,
        acknowledgement_follow_up: timedelta = timedelta(hours=24),
        fax_provider: bool = False,
    ) -> None:
        """``fax_provider``: the deployment sends faxes through a provider's API (otherwise
        the practitioner faxes)."""
        self._sessions = sessions
        self._policies = policies
        self._directory = directory
        self._follow_up = acknowledgement_follow_up
        self._fax_provider = fax_provider

    @activity.defn(name="determine_obligations")
    def determine_obligations(self, request: ObligationsRequest) -> ObligationSet:
        """``revision`` n (after the n-th revision of the grounds a supervisor returned): the
        obligations are determined afresh from the revised grounds; nothing was limited or
        sent under the earlier ones."""
        revision = request.revision
        suffix = ids.revision_suffix(revision)
        with reading(self._sessions) as session:
            case = load_case(session, request.case_id)
            existing = obligations_for(session, request.case_id)
            case_file = load_case_file(session, request.case_id)
            done = revision and any(
                audit_log.recorded_step(session, ids.step_key(request.case_id, step, suffix))
                for step in ("obligations-determined", "disclosure-stopped")
            )
        policy = self._policies.version(case.jurisdiction, case.kind, case.policy_version)
        facts = case_file.model_dump(mode="json")
        if existing and (not revision or done):
            return ObligationSet(
                policy_version=policy.version,
                obligations=[
                    _as_obligation(row, self._directory, self._fax_provider) for row in existing
                ],
                deadlines=deadline_plans(policy, facts, self._policies.calendars),
                acknowledgement_follow_up=self._follow_up,
            )
        try:
            found = find_obligations(
                policy,
                facts,
                county=case.county,
                directory=self._directory,
                calendars=self._policies.calendars,
            )
        except NoAgencyForRecipient as err:
            raise ApplicationError(
                str(err), type="NoAgencyForRecipient", non_retryable=True
            ) from None
        stale = [row.obligation_id for row in existing]
        if found.hard_stop is not None:
            self._record_hard_stop(case.case_id, suffix, policy, found.hard_stop, stale)
            return ObligationSet(
                policy_version=policy.version, obligations=[], hard_stop=found.hard_stop
            )
        rows = [_as_record(case.case_id, policy.version, o) for o in found.obligations]
        self._record_obligations(case.case_id, revision, found, rows, stale)
        return ObligationSet(
            policy_version=policy.version,
            obligations=[_as_obligation(row, self._directory, self._fax_provider) for row in rows],
            deadlines=found.deadlines,
            acknowledgement_follow_up=self._follow_up,
        )

    def _record_hard_stop(
        self, case_id: str, suffix: str, policy: Policy, stop: HardStop, stale: list[str]
    ) -> None:
        """Nothing is disclosed: the audit names the rule and what is missing."""

        def forget(session: Session) -> None:
            _delete_obligations(session, stale)

        record_step(
            self._sessions,
            case_id=case_id,
            step="disclosure-stopped",
            key_suffix=suffix,
            actor=SYSTEM,
            content_sha256=content_sha256(stop.model_dump(mode="json")),
            details={
                "policy_version": policy.version,
                "rule": stop.rule,
                "citation": stop.citation,
                "missing": stop.missing,
            },
            write=forget,
            ends_attempt=True,
        )

    def _record_obligations(
        self,
        case_id: str,
        revision: int,
        found: CaseObligations,
        rows: list[ObligationRecord],
        stale: list[str],
    ) -> None:
        def write(session: Session) -> None:
            _delete_obligations(session, stale)
            session.add_all(rows)

        obligations = [_as_obligation(row, self._directory, self._fax_provider) for row in rows]
        written_due = [o.written_report_due_at for o in obligations if o.written_report_due_at]
        record_step(
            self._sessions,
            case_id=case_id,
            step="obligations-determined",
            key_suffix=ids.revision_suffix(revision),
            actor=SYSTEM,
            content_sha256=content_sha256([o.model_dump(mode="json") for o in obligations]),
            details={
                "policy_version": found.policy_version,
                "route": found.route_id,
                "recipients": [o.recipient_id for o in obligations],
                "agencies": [o.agency_id for o in obligations],
                "obligations": {o.recipient_id: o.obligation for o in obligations},
                "deadlines": {d.deadline_id: d.due_at.isoformat() for d in found.deadlines},
                "written_report_due_at": min(written_due).isoformat() if written_due else None,
                **({"revision": revision} if revision else {}),
            },
            write=write,
            ends_attempt=True,
        )

    @activity.defn(name="limit_disclosure")
    def limit_disclosure(self, request: RecipientStep) -> DisclosureSummary:
        """The recipient's allow-list, plus only the fields of disclosure exceptions a second
        person approved (``additions_revision`` of them: limited again after each approval)."""
        disclosure_id = ids.disclosure_id(request.case_id, request.copy_id)
        revision = request.additions_revision
        suffix = ids.additions_suffix(request.copy_id, revision)
        with reading(self._sessions) as session:
            existing = session.get(DisclosureRecord, disclosure_id)
            if existing is not None and (
                not revision
                or audit_log.recorded_step(
                    session, ids.step_key(request.case_id, "fields-limited", suffix)
                )
            ):
                return DisclosureSummary(
                    disclosure_id=disclosure_id,
                    recipient_id=request.recipient_id,
                    disclosed_fields=existing.disclosed_fields,
                    withheld_fields=existing.withheld_fields,
                )
            case = load_case(session, request.case_id)
            obligation = session.get(
                ObligationRecord, ids.obligation_id(request.case_id, request.recipient_id)
            )
            # A supplement is limited from the grounds as it has them, by the same allow-list.
            case_file = load_case_file(session, request.case_id, request.supplement)
            additions = approved_additions(session, request.case_id, request.recipient_id)
        if obligation is None:
            raise ApplicationError(
                "recipient_id: not among the case's obligations",
                type="RecipientNotAuthorised",
                non_retryable=True,
            )
        policy = self._policies.version(case.jurisdiction, case.kind, case.policy_version)
        try:
            fields = fields_for_recipient(policy, obligation.rule_id, case_file, additions)
        except _LIMIT_REFUSALS as err:
            raise ApplicationError(str(err), type=type(err).__name__, non_retryable=True) from None
        self._record_limited(request, policy, obligation, fields, additions)
        return DisclosureSummary(
            disclosure_id=disclosure_id,
            recipient_id=request.recipient_id,
            disclosed_fields=fields.limited.disclosed_paths,
            withheld_fields=fields.limited.withheld_paths,
        )

    def _record_limited(
        self,
        request: RecipientStep,
        policy: Policy,
        obligation: ObligationRecord,
        fields: RecipientFields,
        additions: list[str],
    ) -> None:
        disclosure_id = ids.disclosure_id(request.case_id, request.copy_id)
        limited, rule = fields.limited, fields.rule
        digest = content_sha256(limited.fields)

        def write(session: Session) -> None:
            stale = session.get(DisclosureRecord, disclosure_id)
            if stale is not None:  # limited again after an approved exception
                stale.fields = limited.fields
                stale.disclosed_fields = limited.disclosed_paths
                stale.withheld_fields = limited.withheld_paths
                stale.content_sha256 = digest
                session.add(stale)
                return
            session.add(
                DisclosureRecord(
                    disclosure_id=disclosure_id,
                    case_id=request.case_id,
                    recipient_id=request.copy_id,
                    agency_id=obligation.agency_id,
                    fields=limited.fields,
                    disclosed_fields=limited.disclosed_paths,
                    withheld_fields=limited.withheld_paths,
                    content_sha256=digest,
                )
            )

        details: dict[str, Any] = {
            "recipient_id": request.recipient_id,
            **({"supplement": request.supplement} if request.supplement else {}),
            **({"approved_additions": additions} if additions else {}),
            # Content marked private leaves only when a court order names it: say so plainly.
            **(
                {"private_content_by_court_order": fields.private_by_court_order}
                if fields.private_by_court_order is not None
                else {}
            ),
            "policy_version": policy.version,
            "recipient_rule": rule.id,
            "field_standard": rule.field_standard,
            "allow_list_citation": rule.allowed_fields_citation,
            "disclosed_fields": limited.disclosed_paths,
            "withheld_fields": limited.withheld_paths,
        }
        record_step(
            self._sessions,
            case_id=request.case_id,
            step="fields-limited",
            key_suffix=ids.additions_suffix(request.copy_id, request.additions_revision),
            actor=SYSTEM,
            content_sha256=digest,
            details=details,
            write=write,
            ends_attempt=True,
        )
