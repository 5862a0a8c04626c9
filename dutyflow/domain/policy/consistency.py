"""Consistency checks across the rules of one policy: what the schema of each rule cannot see
on its own (a route naming no recipient, an allow-list naming a field the case model lacks or a
default-denied data class, a channel naming no deadline, a deadline without a fallback...).

`Policy` runs them when a file is parsed, so a policy that fails them never loads. Each problem
is a (rule, problem) pair naming the rule the way a reviewer finds it.

What lives elsewhere: the schema of each rule (`rules`, `recipients`, `deadlines`); checking the
whole library against forms, calendars and the agency directory (`check`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dutyflow.domain.disclosure import (
    PROTECTED_DATA_CLASSES,
    UnknownFieldError,
    check_allow_list,
    known_paths,
    protected_class_of,
)

if TYPE_CHECKING:  # the schema runs these checks: a type-only import, no cycle at run time
    from dutyflow.domain.policy.recipients import RecipientRule
    from dutyflow.domain.policy.schema import Policy

Problem = tuple[str, str]


def consistency_problems(policy: Policy) -> list[Problem]:
    """Problems that make a policy unusable, as (rule, problem) pairs."""
    known = known_paths()
    recipient_ids = {r.id for r in policy.recipients}
    deadline_ids: set[str] = {d.id for d in policy.deadlines}
    problems = _selection_problems(policy, known)
    for recipient in policy.recipients:
        problems += _recipient_problems(policy, recipient, deadline_ids, known)
    for name in policy.reporter_identity.visible_to or []:
        if name not in recipient_ids:
            problems.append(("reporter_identity.visible_to", f"names no recipient '{name}'"))
    problems += _deadline_problems(policy, known)
    if policy.jurisdiction.startswith("US-") and policy.legal_basis.hipaa_route is None:
        problems.append(("legal_basis.hipaa_route", "a US policy names its HIPAA route"))
    if policy.jurisdiction.startswith("GB") and policy.legal_basis.gdpr_article_6 is None:
        problems.append(("legal_basis.gdpr_article_6", "a UK policy names its GDPR basis"))
    problems += _question_problems(policy, known)
    problems += _protected_data_problems(policy, recipient_ids, known)
    problems += _scope_problems(policy, known)
    return problems


def _question_problems(policy: Policy, known: set[str]) -> list[Problem]:
    """Each question's answer and parts are fields of the case model, and every field is asked
    once: a part of one question is never another question's answer or part. A known form gap
    is a field of the model that no question asks, on a form of a recipient of this policy."""
    problems: list[Problem] = []
    asked: set[str] = set()
    for question in policy.grounds_questions:
        where = f"grounds_questions[{question.id}]"
        section = question.answer.rpartition(".")[0]
        paths = [question.answer, *(f"{section}.{part}" for part in question.parts)]
        for path in paths:
            if (problem := _path_problem(path, known)) is not None:
                problems.append(
                    (f"{where}.parts" if path != paths[0] else f"{where}.answer", problem)
                )
            elif path in asked:
                problems.append((where, f"'{path}' is asked twice"))
            asked.add(path)
    recipient_ids = {r.id for r in policy.recipients}
    for index, gap in enumerate(policy.known_form_gaps):
        where = f"known_form_gaps[{index}]"
        for path in gap.paths:
            if (problem := _path_problem(path, known)) is not None:
                problems.append((f"{where}.paths", problem))
            elif path in asked:
                problems.append((where, f"'{path}' is asked, so it is no gap"))
        for name in gap.recipients:
            if name not in recipient_ids:
                problems.append((f"{where}.recipients", f"names no recipient '{name}'"))
    return problems


def _path_problem(path: str, known: set[str]) -> str | None:
    return None if path in known else f"'{path}' is not a field of the case model"


def _selection_problems(policy: Policy, known: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    ids = [r.id for r in policy.recipients]
    id_set = set(ids)
    if len(id_set) != len(ids):
        problems.append(("recipients", "ids must be unique"))
    selection = policy.recipient_selection
    if selection.default not in id_set:
        problems.append(("recipient_selection.default", "names no recipient in this policy"))
    for route in selection.routes:
        for name in route.recipients:
            if name not in id_set:
                problems.append(
                    (f"recipient_selection.routes[{route.id}]", f"names no recipient '{name}'")
                )
        for condition in route.when:
            if (problem := _path_problem(condition.fact, known)) is not None:
                problems.append((f"recipient_selection.routes[{route.id}].when", problem))
    return problems


def _recipient_problems(
    policy: Policy, recipient: RecipientRule, deadline_ids: set[str], known: set[str]
) -> list[Problem]:
    problems: list[Problem] = []
    where = f"recipients[{recipient.id}]"
    try:
        check_allow_list(recipient.allowed_fields)
    except UnknownFieldError as err:
        problems.append((f"{where}.allowed_fields", str(err)))
    for path in recipient.allowed_fields:
        data_class = protected_class_of(path)
        if data_class is not None:
            problems.append(
                (
                    f"{where}.allowed_fields",
                    (
                        f"'{path}' is {data_class} data: denied by default, it may never be on "
                        f"an allow-list (an exception goes through justified addition)"
                    ),
                )
            )
    if not policy.sees_reporter_identity(recipient.id):
        leaked = [p for p in recipient.allowed_fields if p.startswith("reporter.")]
        if leaked:
            problems.append(
                (
                    f"{where}.allowed_fields",
                    (
                        f"names the reporter ({', '.join(leaked)}) but reporter_identity does "
                        f"not let this recipient see who reported"
                    ),
                )
            )
    if (
        recipient.contact_from is not None
        and (problem := _path_problem(recipient.contact_from, known)) is not None
    ):
        problems.append((f"{where}.contact_from", problem))
    for channel in recipient.channels:
        if channel.deadline is not None and channel.deadline not in deadline_ids:
            problems.append(
                (f"{where}.channels", f"names no deadline '{channel.deadline}' of this policy")
            )
    if recipient.field_standard == "order-scope":
        problems += _order_scope_recipient_problems(policy, recipient, where)
    return problems


def _order_scope_recipient_problems(
    policy: Policy, recipient: RecipientRule, where: str
) -> list[Problem]:
    """An order-scope recipient needs a scope to be limited by, and its allow-list must hold the
    fields that describe the response itself."""
    problems: list[Problem] = []
    if policy.order_scope is not None:
        always = policy.order_scope.always_disclosed
    elif (
        policy.satisfactory_assurance is not None
        and policy.satisfactory_assurance.requested_fields is not None
    ):
        always = policy.satisfactory_assurance.always_disclosed
    else:
        problems.append(
            (f"{where}.field_standard", "order-scope needs order_scope or requested_fields")
        )
        always = []
    outside = sorted(set(always) - set(recipient.allowed_fields))
    if outside:
        problems.append(
            (
                f"{where}.allowed_fields",
                f"lacks fields the response always discloses: {', '.join(outside)}",
            )
        )
    return problems


def _deadline_problems(policy: Policy, known: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    deadline_ids = {d.id for d in policy.deadlines}
    if policy.disclosure.mode == "required" and not policy.deadlines:
        problems.append(("deadlines", "a required disclosure needs at least one deadline"))
    seen_fallback: set[str] = set()
    for deadline in policy.deadlines:
        where = f"deadlines[{deadline.id}]"
        if deadline.id in seen_fallback:
            problems.append(
                (where, "comes after this id's unconditional deadline: it never applies")
            )
        if not deadline.applies_when:
            seen_fallback.add(deadline.id)
        for condition in deadline.applies_when:
            if (problem := _path_problem(condition.fact, known)) is not None:
                problems.append((f"{where}.applies_when", problem))
        if (problem := _path_problem(deadline.start_path, known)) is not None:
            problems.append((f"{where}.counted_from", problem))
    # A permitted disclosure runs no clock of its own: a deadline there may apply only where the
    # case's facts make a recipient's report a duty (New York's nursing-home route), so it needs
    # no fallback. A required disclosure always has one.
    without_fallback = deadline_ids - seen_fallback if policy.disclosure_required else set()
    for deadline_id in sorted(without_fallback):
        problems.append(
            (
                f"deadlines[{deadline_id}]",
                "needs one deadline without conditions, last, as fallback",
            )
        )
    if policy.phone_report_first.required and "phone-report" not in deadline_ids:
        problems.append(
            ("phone_report_first", "a phone report first needs a phone-report deadline")
        )
    return problems


def _protected_data_problems(
    policy: Policy, recipient_ids: set[str], known: set[str]
) -> list[Problem]:
    problems: list[Problem] = []
    classes: list[str] = [p.data_class for p in policy.protected_data]
    for data_class in PROTECTED_DATA_CLASSES:
        if classes.count(data_class) != 1:
            problems.append(("protected_data", f"says once what happens to {data_class} data"))
    for rule in policy.protected_data:
        for exception in rule.exceptions:
            where = f"protected_data[{rule.data_class}].exceptions[{exception.id}]"
            for name in exception.recipients:
                if name not in recipient_ids:
                    problems.append((where, f"names no recipient '{name}'"))
            for condition in exception.requires:
                if (problem := _path_problem(condition.fact, known)) is not None:
                    problems.append((f"{where}.requires", problem))
    return problems


def _scope_problems(policy: Policy, known: set[str]) -> list[Problem]:
    """A court order's scope and a request's satisfactory assurance name real case-file paths,
    and the kinds that need them have them."""
    problems: list[Problem] = []
    if policy.kind == "court-order" and policy.order_scope is None:
        problems.append(
            ("order_scope", "a court-order policy says how the order limits disclosure")
        )
    if policy.order_scope is not None:
        scope = policy.order_scope
        for path in [scope.authorised_fields, *scope.captures, *scope.always_disclosed]:
            if (problem := _path_problem(path, known)) is not None:
                problems.append(("order_scope", problem))
    if policy.kind == "subpoena" and policy.satisfactory_assurance is None:
        problems.append(
            ("satisfactory_assurance", "a subpoena policy says what assurance must come first")
        )
    if policy.satisfactory_assurance is not None:
        assurance = policy.satisfactory_assurance
        for path in [*filter(None, [assurance.requested_fields]), *assurance.always_disclosed]:
            if (problem := _path_problem(path, known)) is not None:
                problems.append(("satisfactory_assurance", problem))
        for option in assurance.any_of:
            for condition in option.requires:
                if (problem := _path_problem(condition.fact, known)) is not None:
                    problems.append((f"satisfactory_assurance.any_of[{option.id}]", problem))
    return problems
