"""Activities that apply the case's policy: who must receive the report, by when, and which
fields each recipient may see."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from dutyflow.contracts import (
    SYSTEM,
    CaseRef,
    DeadlinePlan,
    DisclosureSummary,
    EscalationPoint,
    Obligation,
    ObligationSet,
    RecipientStep,
)
from dutyflow.domain.agencies import AgencyDirectory
from dutyflow.domain.audit import content_sha256
from dutyflow.domain.disclosure import limit_fields
from dutyflow.domain.policy import Policy, PolicyLibrary
from dutyflow.store.case_file import load_case, load_case_file, obligations_for
from dutyflow.store.db import SessionFactory
from dutyflow.store.steps import record_step
from dutyflow.store.tables import DisclosureRecord, ObligationRecord


def _as_obligation(row: ObligationRecord) -> Obligation:
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
    )


class ObligationActivities:
    def __init__(
        self,
        sessions: SessionFactory,
        policies: PolicyLibrary,
        directory: AgencyDirectory,
        acknowledgement_follow_up: timedelta = timedelta(hours=24),
    ) -> None:
        self._sessions = sessions
        self._policies = policies
        self._directory = directory
        self._follow_up = acknowledgement_follow_up

    def _plans(self, policy: Policy, formed_at: datetime) -> list[DeadlinePlan]:
        return [
            DeadlinePlan(
                deadline_id=deadline.id,
                due_at=formed_at + deadline.within,
                citation=deadline.citation,
                escalations=[
                    EscalationPoint(notify=step.notify, at=formed_at + deadline.within - step.before_due)
                    for step in deadline.escalation
                ],
            )
            for deadline in policy.deadlines
        ]

    def _obligation_set(self, policy: Policy, formed_at: datetime, rows: list[ObligationRecord]) -> ObligationSet:
        return ObligationSet(
            policy_version=policy.version,
            obligations=[_as_obligation(o) for o in rows],
            deadlines=self._plans(policy, formed_at),
            acknowledgement_follow_up=self._follow_up,
        )

    @activity.defn(name="determine_obligations")
    def determine_obligations(self, request: CaseRef) -> ObligationSet:
        with self._sessions() as session:
            case = load_case(session, request.case_id)
            existing = obligations_for(session, request.case_id)
            case_file = load_case_file(session, request.case_id)
        policy = self._policies.version(case.jurisdiction, case.kind, case.policy_version)
        formed_at = case_file.grounds.suspicion_formed_at
        if existing:
            return self._obligation_set(policy, formed_at, existing)
        if policy.recipient_selection.mode == "any-one":
            recipients = [policy.recipient(policy.recipient_selection.default)]
        else:
            recipients = list(policy.recipients)
        written_due = policy.due_at("written-report", formed_at)
        assert written_due is not None  # the policy schema requires a written-report deadline
        rows: list[ObligationRecord] = []
        for recipient in recipients:
            agency = self._directory.find(case.jurisdiction, case.county, recipient.agency_role)
            if agency is None:
                raise ApplicationError(
                    f"county: no {recipient.agency_role} agency in the directory for this county",
                    type="NoAgencyForRecipient",
                    non_retryable=True,
                )
            rows.append(
                ObligationRecord(
                    obligation_id=f"{case.case_id}/{recipient.id}",
                    case_id=case.case_id,
                    recipient_id=recipient.id,
                    agency_id=agency.id,
                    agency_name=agency.name,
                    agency_address=agency.address,
                    agency_phone=agency.phone,
                    intake_url=agency.intake_url,
                    form_id=recipient.form,
                    legal_basis=policy.legal_basis.hipaa_route,
                    purpose=recipient.purpose,
                    phone_report_due_at=policy.due_at("phone-report", formed_at),
                    written_report_due_at=written_due,
                    policy_version=policy.version,
                    citations=list(
                        dict.fromkeys(
                            [
                                recipient.citation,
                                recipient.allowed_fields_citation,
                                *(d.citation for d in policy.deadlines),
                            ]
                        )
                    ),
                )
            )

        def write(session: Session) -> None:
            session.add_all(rows)

        obligations = [_as_obligation(row) for row in rows]
        record_step(
            self._sessions,
            case_id=case.case_id,
            step="obligations-determined",
            actor=SYSTEM,
            content_sha256=content_sha256([o.model_dump(mode="json") for o in obligations]),
            details={
                "policy_version": policy.version,
                "recipients": [o.recipient_id for o in obligations],
                "agencies": [o.agency_id for o in obligations],
                "written_report_due_at": written_due.isoformat(),
            },
            write=write,
        )
        return self._obligation_set(policy, formed_at, rows)

    @activity.defn(name="limit_disclosure")
    def limit_disclosure(self, request: RecipientStep) -> DisclosureSummary:
        disclosure_id = f"{request.case_id}/{request.recipient_id}"
        with self._sessions() as session:
            existing = session.get(DisclosureRecord, disclosure_id)
            if existing is not None:
                return DisclosureSummary(
                    disclosure_id=disclosure_id,
                    recipient_id=existing.recipient_id,
                    disclosed_fields=existing.disclosed_fields,
                    withheld_fields=existing.withheld_fields,
                )
            case = load_case(session, request.case_id)
            obligation = session.get(ObligationRecord, f"{request.case_id}/{request.recipient_id}")
            case_file = load_case_file(session, request.case_id)
        if obligation is None:
            raise ApplicationError(
                "recipient_id: not among the case's obligations", type="RecipientNotAuthorised",
                non_retryable=True,
            )
        policy = self._policies.version(case.jurisdiction, case.kind, case.policy_version)
        limited = limit_fields(case_file, policy.recipient(request.recipient_id).allowed_fields)
        digest = content_sha256(limited.fields)

        def write(session: Session) -> None:
            session.add(
                DisclosureRecord(
                    disclosure_id=disclosure_id,
                    case_id=request.case_id,
                    recipient_id=request.recipient_id,
                    agency_id=obligation.agency_id,
                    fields=limited.fields,
                    disclosed_fields=limited.disclosed_paths,
                    withheld_fields=limited.withheld_paths,
                    content_sha256=digest,
                )
            )

        record_step(
            self._sessions,
            case_id=request.case_id,
            step="fields-limited",
            key_suffix=request.recipient_id,
            actor=SYSTEM,
            content_sha256=digest,
            details={
                "recipient_id": request.recipient_id,
                "policy_version": policy.version,
                "allow_list_citation": policy.recipient(request.recipient_id).allowed_fields_citation,
                "disclosed_fields": limited.disclosed_paths,
                "withheld_fields": limited.withheld_paths,
            },
            write=write,
        )
        return DisclosureSummary(
            disclosure_id=disclosure_id,
            recipient_id=request.recipient_id,
            disclosed_fields=limited.disclosed_paths,
            withheld_fields=limited.withheld_paths,
        )
