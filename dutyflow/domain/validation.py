"""The rules a clinician's input must meet, shared by the API and the workflow's Update validators.

Each check returns `FieldProblem`s naming the field and the problem in words a clinician can act
on. Messages never repeat the submitted value: they may end up in logs or error reports.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from dutyflow.domain.case import (
    BeliefBasis,
    CaseOpening,
    Confirmation,
    ConsultationChoice,
    ConsultationDecision,
    ContactAttempt,
    ContactOutcome,
    DisclosureDecision,
    DisclosureExceptionDecision,
    DisclosureExceptionRequest,
    GroundsSubmission,
    InformClientStep,
    PhoneReport,
    ReportKind,
    Threat,
)
from dutyflow.domain.disclosure import (
    NEVER_DISCLOSED,
    known_paths,
    leaf_paths,
    protected_class_of,
)
from dutyflow.domain.e_mail import E_MAIL_PROBLEM, is_one_address

CLOCK_SKEW = timedelta(minutes=2)
SHORT_TEXT_LIMIT = 500
NARRATIVE_LIMIT = 20_000
NARRATIVE_FIELDS = {
    "observations",
    "statements",
    "past_incidents",
    "other_relevant_information",
    "diagnosis",
    "psychotherapy_notes",
    "treatment_summary",
    "description",
    "reasons",
    "notes",
    "scope",
    "requested_records",
    "consent",
    "private_content",
    "comments",
    "justification",
    "reason",
    "note",
}
OPAQUE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"


class FieldProblem(BaseModel):
    field: str
    problem: str

    def __str__(self) -> str:
        return f"{self.field}: {self.problem}"


def describe(problems: list[FieldProblem]) -> str:
    return "; ".join(str(p) for p in problems)


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def _text_problems(model: BaseModel, prefix: str) -> list[FieldProblem]:
    """Length and character checks on every text field, however deeply nested."""
    problems: list[FieldProblem] = []

    def walk(value: Any, path: str, name: str) -> None:
        if isinstance(value, BaseModel):
            for key in type(value).model_fields:
                walk(getattr(value, key), f"{path}.{key}" if path else key, key)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{path}[{index}]", name)
        elif isinstance(value, str):
            limit = NARRATIVE_LIMIT if name in NARRATIVE_FIELDS else SHORT_TEXT_LIMIT
            if len(value) > limit:
                problems.append(
                    FieldProblem(field=path, problem=f"is longer than {limit} characters")
                )
            if "\x00" in value:
                problems.append(FieldProblem(field=path, problem="contains a NUL character"))

    walk(model, prefix, prefix)
    return problems


def _not_future(value: datetime, now: datetime, field: str) -> list[FieldProblem]:
    if value.tzinfo is None:
        return [
            FieldProblem(field=field, problem="needs a time zone (e.g. 2026-11-24T14:30:00-08:00)")
        ]
    if value > now + CLOCK_SKEW:
        return [FieldProblem(field=field, problem="is in the future")]
    return []


def e_mail_problems(field: str, value: str | None) -> list[FieldProblem]:
    """An e-mail address left empty, or one address (`dutyflow.domain.e_mail`), as a reporter gives
    theirs to an agency; never repeats the value."""
    if value is None or not value.strip():
        return []
    if not is_one_address(value.strip()):
        return [FieldProblem(field=field, problem=E_MAIL_PROBLEM)]
    return []


def opening_problems(opening: CaseOpening) -> list[FieldProblem]:
    problems = _text_problems(opening, "")
    for name in ("case_id", "clinic_id", "practitioner_id", "client_id"):
        if not re.fullmatch(OPAQUE_ID_PATTERN, getattr(opening, name)):
            problems.append(
                FieldProblem(
                    field=name,
                    problem=(
                        "must be an opaque id: letters, digits, '_', '.', ':' or '-', at most 64"
                    ),
                )
            )
    if _blank(opening.county):
        problems.append(FieldProblem(field="county", problem="must not be empty"))
    for name in ("name", "title", "mandated_reporter_category", "business_address", "phone"):
        if _blank(getattr(opening.reporter, name)):
            problems.append(FieldProblem(field=f"reporter.{name}", problem="must not be empty"))
    problems += e_mail_problems("reporter.email", opening.reporter.email)
    return problems


class RequiredAnswer(BaseModel):
    """A grounds question of the case's policy that must be answered, by case-file path."""

    question: str
    answer: str


class GroundsRules(BaseModel):
    """What the case's policy asks of the grounds: the kind, the statutory bases the grounds may
    cite, the questions that must be answered, and for a court order or a request, the fields
    the recipient's allow-list lets the order or request name (``scope_ceiling``)."""

    kind: str = ReportKind.CHILD_ABUSE.value
    statutory_bases: list[str] | None = None
    required_answers: list[RequiredAnswer] = []
    scope_ceiling: list[str] | None = None


def grounds_rules_for(policy: Any) -> GroundsRules:
    """The grounds rules of a `dutyflow.domain.policy.Policy`."""
    ceiling: list[str] | None = None
    scoped = [r for r in policy.recipients if r.field_standard == "order-scope"]
    if scoped:
        ceiling = sorted({path for r in scoped for path in r.allowed_fields})
    return GroundsRules(
        kind=policy.kind,
        statutory_bases=policy.statutory_basis_codes,
        required_answers=[
            RequiredAnswer(question=q.id, answer=q.answer)
            for q in policy.grounds_questions
            if q.required
        ],
        scope_ceiling=ceiling,
    )


def _recorded(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return value not in (None, [], {})


def _answer(dumped: dict[str, Any], path: str) -> Any:
    """The value at a dotted path; for a list of sections (``potential_victims.name``) the
    values of every item that has one."""
    node: Any = dumped
    for part in path.split("."):
        if isinstance(node, list):
            node = [
                item.get(part)
                for item in node
                if isinstance(item, dict) and _recorded(item.get(part))
            ]
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    return node


def grounds_problems(
    submission: GroundsSubmission,
    now: datetime,
    statutory_bases: list[str] | None,
    rules: GroundsRules | None = None,
) -> list[FieldProblem]:
    """``statutory_bases`` comes from the case's policy; None when not yet known. ``rules``: the
    policy's questions for the case's kind (None: a child-abuse case, questions not yet known)."""
    rules = rules or GroundsRules()
    bases = statutory_bases if statutory_bases is not None else rules.statutory_bases
    grounds = submission.grounds
    problems = _text_problems(submission, "")
    if _blank(grounds.statutory_basis):
        problems.append(FieldProblem(field="grounds.statutory_basis", problem="must not be empty"))
    elif bases is not None and grounds.statutory_basis not in bases:
        problems.append(
            FieldProblem(
                field="grounds.statutory_basis",
                problem=f"must be one of the case's policy: {', '.join(bases)}",
            )
        )
    problems += _not_future(grounds.suspicion_formed_at, now, "grounds.suspicion_formed_at")
    kind_checks = _KIND_CHECKS.get(rules.kind)
    if kind_checks is not None:
        problems += kind_checks(submission, now, rules)
    dumped = submission.model_dump(mode="json")
    named = {p.field for p in problems}
    for required in rules.required_answers:
        if required.answer in named or required.answer.split(".")[0] not in dumped:
            continue
        value = _answer(dumped, required.answer)
        if not _recorded(value) and not isinstance(value, bool):
            problems.append(
                FieldProblem(
                    field=required.answer, problem="must be answered for this kind of report"
                )
            )
            named.add(required.answer)
    dated = [
        ("victim.birth_date", submission.victim.birth_date if submission.victim else None),
        ("incident.occurred_on", submission.incident.occurred_on),
    ]
    for section, people in (
        ("other_victims", submission.other_victims),
        ("household_members", submission.household_members),
    ):
        dated += [(f"{section}[{i}].birth_date", p.birth_date) for i, p in enumerate(people)]
    for name, value in dated:
        if value is not None and value > now.date():
            problems.append(FieldProblem(field=name, problem="is in the future"))
    return problems + _further_people_problems(submission)


def _further_people_problems(submission: GroundsSubmission) -> list[FieldProblem]:
    """Every further victim is named or at least located; every household member is named."""
    problems = [
        FieldProblem(
            field=f"other_victims[{index}].name",
            problem="name this victim, or at least where they are now",
        )
        for index, victim in enumerate(submission.other_victims)
        if _blank(victim.name) and _blank(victim.present_location)
    ]
    problems += [
        FieldProblem(field=f"household_members[{index}].name", problem="name this person")
        for index, member in enumerate(submission.household_members)
        if _blank(member.name)
    ]
    return problems


def _child_abuse(
    submission: GroundsSubmission, now: datetime, rules: GroundsRules
) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    grounds = submission.grounds
    if _blank(grounds.observations):
        problems.append(
            FieldProblem(
                field="grounds.observations", problem="must describe what was observed or said"
            )
        )
    if grounds.source_of_information is None:
        problems.append(
            FieldProblem(
                field="grounds.source_of_information",
                problem="must say where the suspicion comes from",
            )
        )
    if not grounds.abuse_types:
        problems.append(
            FieldProblem(field="grounds.abuse_types", problem="must name at least one type")
        )
    victim = submission.victim
    if victim is None or (_blank(victim.name) and _blank(victim.present_location)):
        problems.append(
            FieldProblem(
                field="victim.name", problem="name the child, or at least where the child is now"
            )
        )
    return problems


def _elder_abuse(
    submission: GroundsSubmission, now: datetime, rules: GroundsRules
) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if _blank(submission.grounds.observations):
        problems.append(
            FieldProblem(
                field="grounds.observations", problem="must describe what was observed or said"
            )
        )
    victim = submission.victim
    if victim is None or (_blank(victim.name) and _blank(victim.present_location)):
        problems.append(
            FieldProblem(
                field="victim.name", problem="name the adult, or at least where they are now"
            )
        )
    return problems


def _threat(
    submission: GroundsSubmission, now: datetime, rules: GroundsRules
) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    threat = submission.threat or Threat()
    if _blank(threat.description):
        # Named, and the rest still checked: every problem is shown at once.
        problems.append(
            FieldProblem(field="threat.description", problem="must say what was threatened")
        )
    if threat.communicated_at is not None:
        problems += _not_future(threat.communicated_at, now, "threat.communicated_at")
    if threat.belief_basis == BeliefBasis.CREDIBLE_REPORT and _blank(threat.credible_report_source):
        problems.append(
            FieldProblem(
                field="threat.credible_report_source",
                problem="a belief resting on a credible report must say who made the report",
            )
        )
    for index, person in enumerate(submission.potential_victims):
        if _blank(person.name) and _blank(person.present_location):
            problems.append(
                FieldProblem(
                    field=f"potential_victims[{index}].name",
                    problem="name the person at risk, or at least where they can be found",
                )
            )
        elif _blank(person.phone) and _blank(person.address) and _blank(person.present_location):
            problems.append(
                FieldProblem(
                    field=f"potential_victims[{index}].phone",
                    problem="give a way to reach the person at risk (phone, address or location)",
                )
            )
    for index, contact in enumerate(submission.support_contacts):
        if _blank(contact.name) or (_blank(contact.phone) and _blank(contact.address)):
            problems.append(
                FieldProblem(
                    field=f"support_contacts[{index}].phone",
                    problem="name the contact and give a phone number or an address",
                )
            )
    return problems


def _scope_problems(
    fields: list[str], where: str, rules: GroundsRules, *, court_order: bool = False
) -> list[FieldProblem]:
    """What an order or request names must be fields of the case within the recipient's
    allow-list. Content marked private is outside every allow-list: only a court order that names
    it expressly may reach it, never a request."""
    private = [f for f in fields if f in NEVER_DISCLOSED]
    if private and not court_order:
        return [
            FieldProblem(
                field=where,
                problem=(
                    f"names content marked private by the practitioner ({', '.join(private)}); "
                    "only a court order that expressly names it may reach it"
                ),
            )
        ]
    fields = [f for f in fields if f not in NEVER_DISCLOSED]
    known = known_paths()
    unknown = [f for f in fields if f not in known]
    if unknown:
        return [
            FieldProblem(
                field=where,
                problem=f"names fields the case model does not have: {', '.join(unknown)}",
            )
        ]
    protected = [f for f in fields if protected_class_of(f) is not None]
    if protected:
        return [
            FieldProblem(
                field=where,
                problem=(
                    f"names protected records ({', '.join(protected)}): they are denied by default "
                    "and need the exception the law gives"
                ),
            )
        ]
    if rules.scope_ceiling is not None:
        beyond = [f for f in fields if f not in rules.scope_ceiling]
        if beyond:
            return [
                FieldProblem(
                    field=where,
                    problem=(
                        f"names fields beyond the recipient's allow-list ({', '.join(beyond)}); "
                        "such a field needs a written justification and a second reviewer"
                    ),
                )
            ]
    return []


def _court_order(
    submission: GroundsSubmission, now: datetime, rules: GroundsRules
) -> list[FieldProblem]:
    order = submission.court_order
    if order is None:
        return [
            FieldProblem(
                field="court_order",
                problem="must describe the order (court, case number, date, scope)",
            )
        ]
    problems: list[FieldProblem] = []
    if order.issued_on is not None and order.issued_on > now.date():
        problems.append(FieldProblem(field="court_order.issued_on", problem="is in the future"))
    if order.comply_by is not None and order.comply_by.tzinfo is None:
        problems.append(
            FieldProblem(
                field="court_order.comply_by",
                problem="needs a time zone (e.g. 2026-11-24T14:30:00-08:00)",
            )
        )
    problems += _scope_problems(
        order.authorised_fields, "court_order.authorised_fields", rules, court_order=True
    )
    return problems


def _subpoena(
    submission: GroundsSubmission, now: datetime, rules: GroundsRules
) -> list[FieldProblem]:
    request = submission.subpoena
    if request is None:
        return [
            FieldProblem(
                field="subpoena", problem="must describe the request (who asks, for what, by when)"
            )
        ]
    problems: list[FieldProblem] = []
    if request.respond_by is not None and request.respond_by.tzinfo is None:
        problems.append(
            FieldProblem(
                field="subpoena.respond_by",
                problem="needs a time zone (e.g. 2026-11-24T14:30:00-08:00)",
            )
        )
    if request.written_notice_given_on is not None and request.written_notice_given_on > now.date():
        problems.append(
            FieldProblem(field="subpoena.written_notice_given_on", problem="is in the future")
        )
    problems += _scope_problems(request.requested_fields, "subpoena.requested_fields", rules)
    return problems


_KIND_CHECKS = {
    ReportKind.CHILD_ABUSE.value: _child_abuse,
    ReportKind.ELDER_ABUSE.value: _elder_abuse,
    ReportKind.DANGER_TO_OTHERS.value: _threat,
    ReportKind.DANGER_TO_SELF.value: _threat,
    ReportKind.COURT_ORDER.value: _court_order,
    ReportKind.SUBPOENA.value: _subpoena,
}


def phone_report_problems(
    report: PhoneReport, now: datetime, suspicion_formed_at: datetime | None
) -> list[FieldProblem]:
    problems = _text_problems(report, "phone_report")
    for name in ("agency_name", "official_name", "phone_number"):
        if _blank(getattr(report, name)):
            problems.append(FieldProblem(field=f"phone_report.{name}", problem="must not be empty"))
    problems += _not_future(report.made_at, now, "phone_report.made_at")
    if (
        suspicion_formed_at is not None
        and report.made_at.tzinfo is not None
        and report.made_at < suspicion_formed_at
    ):
        problems.append(
            FieldProblem(field="phone_report.made_at", problem="is before the suspicion was formed")
        )
    return problems


def confirmation_problems(
    confirmation: Confirmation, review_sha256: str | None, practitioner_id: str
) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if confirmation.practitioner_id != practitioner_id:
        problems.append(
            FieldProblem(
                field="practitioner_id", problem="only the case's practitioner may confirm"
            )
        )
    if review_sha256 is None:
        problems.append(
            FieldProblem(field="review_sha256", problem="there is no report to confirm yet")
        )
    elif confirmation.review_sha256 != review_sha256:
        problems.append(
            FieldProblem(
                field="review_sha256",
                problem="does not match the report under review; review it again before confirming",
            )
        )
    return problems


def _own_step(practitioner_id: str, expected: str) -> list[FieldProblem]:
    if practitioner_id != expected:
        return [
            FieldProblem(
                field="practitioner_id", problem="only the case's practitioner may take this step"
            )
        ]
    return []


def disclosure_decision_problems(
    decision: DisclosureDecision, practitioner_id: str, undecided: set[str]
) -> list[FieldProblem]:
    """``undecided``: the recipients the law permits (not requires) and nobody has decided yet."""
    problems = _own_step(decision.practitioner_id, practitioner_id)
    problems += _text_problems(decision, "")
    if decision.recipient_id not in undecided:
        problems.append(
            FieldProblem(
                field="recipient_id", problem="is not a permitted recipient awaiting a decision"
            )
        )
    if _blank(decision.reasons):
        problems.append(
            FieldProblem(field="reasons", problem="must say why, also when you decline")
        )
    return problems


def inform_client_problems(
    step: InformClientStep, now: datetime, practitioner_id: str, exceptions: list[str]
) -> list[FieldProblem]:
    """``exceptions``: the ids of the policy's exceptions to the duty to inform."""
    problems = _own_step(step.practitioner_id, practitioner_id)
    problems += _text_problems(step, "")
    if step.informed:
        if step.informed_at is None:
            problems.append(
                FieldProblem(field="informed_at", problem="say when the client was told")
            )
        else:
            problems += _not_future(step.informed_at, now, "informed_at")
        if _blank(step.method):
            problems.append(FieldProblem(field="method", problem="say how the client was told"))
        if step.exception is not None:
            problems.append(
                FieldProblem(field="exception", problem="applies only when the client is not told")
            )
    else:
        if step.exception is None and exceptions:
            problems.append(
                FieldProblem(
                    field="exception",
                    problem=f"name the exception that applies: {', '.join(exceptions)}",
                )
            )
        elif step.exception is not None and step.exception not in exceptions:
            problems.append(
                FieldProblem(
                    field="exception",
                    problem=(
                        f"must be one of the policy's exceptions: {', '.join(exceptions)}"
                        if exceptions
                        else "this policy names no exceptions: say in reasons why the client is "
                        "not told"
                    ),
                )
            )
        if _blank(step.reasons):
            problems.append(
                FieldProblem(field="reasons", problem="must say why the client is not told")
            )
    return problems


def contact_attempt_problems(
    attempt: ContactAttempt,
    now: datetime,
    practitioner_id: str,
    open_recipients: set[str],
    not_before: datetime | None,
) -> list[FieldProblem]:
    """``open_recipients``: recipients reached by contact whose duty is not yet discharged."""
    problems = _own_step(attempt.practitioner_id, practitioner_id)
    problems += _text_problems(attempt, "")
    if attempt.recipient_id not in open_recipients:
        problems.append(
            FieldProblem(field="recipient_id", problem="has no contact outstanding in this case")
        )
    problems += _not_future(attempt.attempted_at, now, "attempted_at")
    if (
        not_before is not None
        and attempt.attempted_at.tzinfo is not None
        and attempt.attempted_at < not_before
    ):
        problems.append(
            FieldProblem(field="attempted_at", problem="is before the case's grounds arose")
        )
    if attempt.efforts_exhausted and attempt.outcome != ContactOutcome.NOT_REACHED:
        problems.append(
            FieldProblem(
                field="efforts_exhausted",
                problem="applies only to an attempt that did not reach them",
            )
        )
    if attempt.efforts_exhausted and _blank(attempt.notes):
        problems.append(
            FieldProblem(
                field="notes", problem="describe the reasonable efforts made before giving up"
            )
        )
    return problems


# --- supervision and disclosure exceptions ------------------------------------------------------


def consultation_decision_problems(decision: ConsultationDecision) -> list[FieldProblem]:
    """A supervisor approves, or returns the case with comments the practitioner can act on."""
    problems = _text_problems(decision, "")
    if decision.decision == ConsultationChoice.RETURN and _blank(decision.comments):
        problems.append(
            FieldProblem(field="comments", problem="must say what the practitioner should revise")
        )
    return problems


def exception_request_problems(request: DisclosureExceptionRequest) -> list[FieldProblem]:
    """The shape of a request for fields beyond a recipient's allow-list; whether the policy lets
    each field go is `exception_field_problems`."""
    problems = _text_problems(request, "")
    if _blank(request.justification):
        problems.append(
            FieldProblem(
                field="justification", problem="must say in writing why the recipient needs it"
            )
        )
    if not request.fields:
        problems.append(FieldProblem(field="fields", problem="must name at least one field"))
    if len(set(request.fields)) != len(request.fields):
        problems.append(FieldProblem(field="fields", problem="names a field twice"))
    known = set(leaf_paths())
    for path in request.fields:
        if path in NEVER_DISCLOSED:
            problems.append(
                FieldProblem(
                    field="fields", problem=f"{path} is marked private and is never disclosed"
                )
            )
        elif path not in known:
            problems.append(
                FieldProblem(field="fields", problem=f"{path} is not a field of the case file")
            )
    return problems


def exception_field_problems(
    fields: list[str],
    *,
    allowed_fields: list[str],
    field_standard: str | None,
    justified_classes: list[str],
) -> list[FieldProblem]:
    """Whether the policy lets these fields go to the recipient by a justified addition:
    ``allowed_fields`` is the recipient's allow-list, ``justified_classes`` the protected data
    classes an exception of the policy (``route: justified-addition``) opens to this recipient
    given the case's facts. A court order's scope is never widened by an exception."""
    problems: list[FieldProblem] = []
    if field_standard == "order-scope":
        return [
            FieldProblem(
                field="recipient_id",
                problem="receives exactly what the order authorises (or the request asks for); "
                "an exception cannot widen it",
            )
        ]
    for path in fields:
        data_class = protected_class_of(path)
        if path in allowed_fields:
            problems.append(
                FieldProblem(field="fields", problem=f"{path} is already on the allow-list")
            )
        elif data_class is not None and data_class not in justified_classes:
            problems.append(
                FieldProblem(
                    field="fields",
                    problem=f"{path} is {data_class} data: no exception of the policy lets it go "
                    "to this recipient",
                )
            )
    return problems


def exception_decision_problems(
    decision: DisclosureExceptionDecision, requested_by: str | None, state: str | None
) -> list[FieldProblem]:
    """``requested_by`` and ``state``: of the exception named (None when there is none)."""
    problems = _text_problems(decision, "")
    if requested_by is None:
        return [
            FieldProblem(field="exception_id", problem="no such disclosure exception in this case")
        ]
    if state != "pending":
        problems.append(FieldProblem(field="exception_id", problem=f"is already {state}"))
    if decision.decided_by == requested_by:
        problems.append(
            FieldProblem(
                field="decided_by",
                problem=(
                    "must be a second person: whoever asked for the exception cannot approve it"
                ),
            )
        )
    if decision.decided_role not in ("supervisor", "compliance"):
        problems.append(
            FieldProblem(
                field="decided_by", problem="must be a supervisor of the clinic or compliance"
            )
        )
    return problems
