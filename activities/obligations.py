"""Activities that apply the case's policy: who must receive the report, by when, and which
fields each recipient may see."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.supervision import approved_additions
from dutyflow import ids
from dutyflow.contracts import (
    SYSTEM,
    DeadlinePlan,
    DisclosureSummary,
    EscalationPoint,
    HardStop,
    Obligation,
    ObligationSet,
    ObligationsRequest,
    RecipientStep,
)
from dutyflow.domain.agencies import AgencyDirectory
from dutyflow.domain.audit import content_sha256
from dutyflow.domain.disclosure import (
    NEVER_DISCLOSED,
    PROTECTED_DATA_CLASSES,
    NeverDisclosedError,
    OutsideScopeError,
    ProtectedDataError,
    limit_for_recipient,
    private_by_court_order,
)
from dutyflow.domain.policy import Deadline, Policy, PolicyLibrary, RecipientRule, fact_value
from dutyflow.store import audit_log
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
        recipient_rule=row.rule_id,
        recipient_type=row.recipient_type or "agency",
        delivery=row.delivery or "intake",
        obligation=row.obligation_mode or "required",
        deadline_ids=row.deadline_ids or [],
    )


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


# The case-file keys that say how to reach a person, a court or a requesting party.
_CONTACT_KEYS = {
    "name": ("name", "court", "requesting_party"),
    "address": ("address", "directed_to_address", "requesting_party_address"),
    "phone": ("phone",),
    "present_location": ("present_location",),
}


def _contact_of(section: dict[str, Any]) -> dict[str, Any]:
    return {
        key: next((section[k] for k in names if section.get(k)), None)
        for key, names in _CONTACT_KEYS.items()
    }


def _label(rule: RecipientRule, number: int | None) -> str:
    words = rule.id.replace("-", " ").capitalize()
    return f"{words} {number}" if number is not None else words


def _delivery(rule: RecipientRule, phone_task_rule: str | None) -> str:
    """How the duty to this recipient is met: an agency with a written or online channel gets
    the report at its intake endpoint; a telephone-only agency is told by the statutory call
    (when it is the call's recipient) or by a logged contact; people, courts and requesting
    parties are reached by the practitioner, every attempt logged."""
    types = {c.type for c in rule.channels}
    if rule.recipient_type == "agency":
        if types & {"written", "online"}:
            return "intake"
        return "phone-report" if rule.id == phone_task_rule else "contact"
    return "contact"


def _channel_deadlines(rule: RecipientRule, delivery: str) -> list[str]:
    """The deadlines that the channel meeting the duty must meet."""
    wanted = {
        "intake": {"written", "online"},
        "phone-report": {"phone"},
        "contact": {"phone", "in-person", "written"},
    }[delivery]
    named = [c.deadline for c in rule.channels if c.type in wanted and c.deadline]
    return list(dict.fromkeys(named))


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
    ) -> None:
        self._sessions = sessions
        self._policies = policies
        self._directory = directory
        self._follow_up = acknowledgement_follow_up

    def _due(self, policy: Policy, facts: dict[str, Any]) -> dict[str, tuple[Deadline, datetime]]:
        """Each deadline that applies to the case, and when it passes (a deadline whose start
        the case does not record, e.g. a request without a reply date, has none)."""
        due: dict[str, tuple[Deadline, datetime]] = {}
        for deadline in policy.deadlines_for(facts):
            start = _as_datetime(fact_value(facts, deadline.start_path))
            if start is not None:
                due[deadline.id] = (deadline, deadline.due_at(start, self._policies.calendars))
        return due

    def _plans(self, due: dict[str, tuple[Deadline, datetime]]) -> list[DeadlinePlan]:
        return [
            DeadlinePlan(
                deadline_id=deadline.id,
                due_at=due_at,
                citation=deadline.citation,
                escalations=[
                    EscalationPoint(notify=step.notify, at=due_at - step.before_due)
                    for step in deadline.escalation
                ],
            )
            for deadline, due_at in due.values()
        ]

    def _obligation_set(
        self, policy: Policy, facts: dict[str, Any], rows: list[ObligationRecord]
    ) -> ObligationSet:
        return ObligationSet(
            policy_version=policy.version,
            obligations=[_as_obligation(o) for o in rows],
            deadlines=self._plans(self._due(policy, facts)),
            acknowledgement_follow_up=self._follow_up,
        )

    def _hard_stop(self, policy: Policy, facts: dict[str, Any]) -> HardStop | None:
        if policy.satisfactory_assurance is None:
            return None
        assurance = policy.assurance(facts)
        if assurance.satisfied:
            return None
        return HardStop(
            rule="satisfactory_assurance",
            citation=policy.satisfactory_assurance.citation,
            missing=assurance.missing,
        )

    @activity.defn(name="determine_obligations")
    def determine_obligations(self, request: ObligationsRequest) -> ObligationSet:
        """``revision`` n (after the n-th revision of the grounds a supervisor returned): the
        obligations are determined afresh from the revised grounds; nothing was limited or
        sent under the earlier ones."""
        revision = getattr(request, "revision", 0)
        suffix = ids.revision_suffix(revision)
        with self._sessions() as session:
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
            return self._obligation_set(policy, facts, existing)
        stale = [row.obligation_id for row in existing]
        stop = self._hard_stop(policy, facts)
        if stop is not None:
            # A hard stop: nothing is disclosed. The audit names the rule and what is missing.
            def forget(session: Session) -> None:
                _delete_obligations(session, stale)

            record_step(
                self._sessions,
                case_id=case.case_id,
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
            )
            return ObligationSet(policy_version=policy.version, obligations=[], hard_stop=stop)

        due = self._due(policy, facts)
        phone_task_rule = None
        if policy.phone_report_first.required:
            phone_task_rule = next(
                (
                    r.id
                    for r in policy.recipients_for(facts)
                    if any(c.type == "phone" and c.deadline == "phone-report" for c in r.channels)
                ),
                None,
            )
        rows: list[ObligationRecord] = []
        for rule in policy.recipients_for(facts):
            delivery = _delivery(rule, phone_task_rule)
            deadline_ids = _channel_deadlines(rule, delivery)
            dues = [due[d][1] for d in deadline_ids if d in due]
            phone_due = (
                due["phone-report"][1]
                if rule.id == phone_task_rule and "phone-report" in due
                else None
            )
            legal_basis = policy.legal_basis_for(rule.id).summary
            citations = list(
                dict.fromkeys(
                    [
                        rule.citation,
                        rule.allowed_fields_citation,
                        *(due[d][0].citation for d in deadline_ids if d in due),
                    ]
                )
            )
            common = dict(
                case_id=case.case_id,
                form_id=rule.form,
                legal_basis=legal_basis,
                purpose=" ".join(rule.purpose.split()),
                phone_report_due_at=phone_due,
                written_report_due_at=min(dues) if dues else None,
                policy_version=policy.version,
                citations=citations,
                recipient_rule=rule.id,
                recipient_type=rule.recipient_type,
                delivery=delivery,
                obligation_mode=policy.obligation_of(rule.id),
                deadline_ids=list(
                    dict.fromkeys([*deadline_ids, *(["phone-report"] if phone_due else [])])
                ),
            )
            if rule.recipient_type == "agency":
                assert rule.agency_role is not None
                agency = self._directory.find(case.jurisdiction, case.county, rule.agency_role)
                if agency is None:
                    raise ApplicationError(
                        f"county: no {rule.agency_role} agency in the directory for this county",
                        type="NoAgencyForRecipient",
                        non_retryable=True,
                    )
                rows.append(
                    ObligationRecord(
                        obligation_id=ids.obligation_id(case.case_id, rule.id),
                        recipient_id=rule.id,
                        agency_id=agency.id,
                        agency_name=agency.name,
                        agency_address=agency.address,
                        agency_phone=agency.phone,
                        intake_url=agency.intake_url,
                        **common,
                    )
                )
                continue
            assert rule.contact_from is not None
            section = fact_value(facts, rule.contact_from)
            people = section if isinstance(section, list) else [section] if section else []
            numbered = isinstance(section, list)
            for number, person in enumerate(people, 1):
                recipient_id = f"{rule.id}-{number}" if numbered else rule.id
                rows.append(
                    ObligationRecord(
                        obligation_id=ids.obligation_id(case.case_id, recipient_id),
                        recipient_id=recipient_id,
                        agency_id=rule.recipient_type,
                        agency_name=_label(rule, number if numbered else None),
                        intake_url="",
                        contact=_contact_of(person),
                        **common,
                    )
                )

        def write(session: Session) -> None:
            _delete_obligations(session, stale)
            session.add_all(rows)

        obligations = [_as_obligation(row) for row in rows]
        written_due = [o.written_report_due_at for o in obligations if o.written_report_due_at]
        record_step(
            self._sessions,
            case_id=case.case_id,
            step="obligations-determined",
            key_suffix=suffix,
            actor=SYSTEM,
            content_sha256=content_sha256([o.model_dump(mode="json") for o in obligations]),
            details={
                "policy_version": policy.version,
                "route": (route.id if (route := policy.route_for(facts)) else None),
                "recipients": [o.recipient_id for o in obligations],
                "agencies": [o.agency_id for o in obligations],
                "obligations": {o.recipient_id: o.obligation for o in obligations},
                "deadlines": {d: due[d][1].isoformat() for d in due},
                "written_report_due_at": min(written_due).isoformat() if written_due else None,
                **({"revision": revision} if revision else {}),
            },
            write=write,
        )
        return self._obligation_set(policy, facts, rows)

    @activity.defn(name="limit_disclosure")
    def limit_disclosure(self, request: RecipientStep) -> DisclosureSummary:
        """The recipient's allow-list, plus only the fields of disclosure exceptions a second
        person approved (``additions_revision`` of them: limited again after each approval)."""
        disclosure_id = ids.disclosure_id(request.case_id, request.recipient_id)
        revision = request.additions_revision
        suffix = ids.additions_suffix(request.recipient_id, revision)
        with self._sessions() as session:
            existing = session.get(DisclosureRecord, disclosure_id)
            if existing is not None and (
                not revision
                or audit_log.recorded_step(
                    session, ids.step_key(request.case_id, "fields-limited", suffix)
                )
            ):
                return DisclosureSummary(
                    disclosure_id=disclosure_id,
                    recipient_id=existing.recipient_id,
                    disclosed_fields=existing.disclosed_fields,
                    withheld_fields=existing.withheld_fields,
                )
            case = load_case(session, request.case_id)
            obligation = session.get(
                ObligationRecord, ids.obligation_id(request.case_id, request.recipient_id)
            )
            case_file = load_case_file(session, request.case_id)
            additions = approved_additions(session, request.case_id, request.recipient_id)
        if obligation is None:
            raise ApplicationError(
                "recipient_id: not among the case's obligations",
                type="RecipientNotAuthorised",
                non_retryable=True,
            )
        policy = self._policies.version(case.jurisdiction, case.kind, case.policy_version)
        rule = policy.recipient(obligation.rule_id)
        facts = case_file.model_dump(mode="json")
        # A protected class opens only for a field a second person approved, and only where an
        # exception of the policy (justified-addition) gives it to this recipient.
        justified = [
            c
            for c in policy.permitted_classes(rule.id, facts, "justified-addition")
            if set(PROTECTED_DATA_CLASSES[c]) & set(additions)
        ]
        scope = policy.scope_for(rule.id, facts)
        try:
            limited = limit_for_recipient(
                case_file,
                rule.allowed_fields,
                scope=scope,
                permitted_classes=sorted(
                    {*policy.permitted_classes(rule.id, facts, "part2-court-order"), *justified}
                ),
                additions=additions,
                court_order=policy.order_scope is not None,
            )
        except ProtectedDataError as err:
            raise ApplicationError(
                str(err), type="ProtectedDataError", non_retryable=True
            ) from None
        except OutsideScopeError as err:
            raise ApplicationError(str(err), type="OutsideScopeError", non_retryable=True) from None
        except NeverDisclosedError as err:
            raise ApplicationError(
                str(err), type="NeverDisclosedError", non_retryable=True
            ) from None
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
            key_suffix=suffix,
            actor=SYSTEM,
            content_sha256=digest,
            details={
                "recipient_id": request.recipient_id,
                **({"approved_additions": additions} if additions else {}),
                # Content marked private leaves only when a court order names it: say so plainly.
                **(
                    {"private_content_by_court_order": private_by_court_order(limited)}
                    if scope is not None and set(scope) & NEVER_DISCLOSED
                    else {}
                ),
                "policy_version": policy.version,
                "recipient_rule": rule.id,
                "field_standard": rule.field_standard,
                "allow_list_citation": rule.allowed_fields_citation,
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
