"""A policy in plain words, for a compliance officer: who receives what, by when, by which
channel, and why (the citation of every rule, and whether counsel has yet to confirm it).

Pure: it reads a parsed `Policy` (and, for form titles and calendar names, the layouts and
calendars it names) and returns text. The ``dutyflow policy explain`` command prints it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from dutyflow.domain.calendars import CalendarError, CalendarLibrary
from dutyflow.domain.duties import DECISION_CITATION, DECISION_LADDER_IN_WORDS
from dutyflow.domain.policy.deadlines import Deadline
from dutyflow.domain.policy.facts import Condition
from dutyflow.domain.policy.recipients import RecipientRule
from dutyflow.domain.policy.rules import OrderScope, Rule, SatisfactoryAssurance
from dutyflow.domain.policy.schema import Policy
from dutyflow.domain.rendering import TEMPLATES_DIR, FormLayoutError, load_form_layout

WIDTH = 96
_NOTIFY = {
    "practitioner": "the practitioner",
    "supervisor": "the supervisor",
    "compliance": "the compliance officer",
}
_CHANNEL = {
    "phone": "by telephone",
    "written": "in writing",
    "online": "online",
    "in-person": "in person",
}
_DEADLINE = {
    "phone-report": "Telephone report",
    "written-report": "Written report",
    "report": "Report",
    "notification": "Warning or notification",
    "referral": "Referral",
    "response": "Response",
    "inform-client": "Telling the client",
}
_STANDARD = {
    "required-by-law": "the statute's field set, nothing more",
    "minimum-necessary": "the minimum necessary",
    "order-scope": "only what the order or request names, within this list",
}


def duration(value: timedelta) -> str:
    """``PT36H`` as "36 hours", ``PT90M`` as "1 hour 30 minutes"."""
    seconds = int(value.total_seconds())
    if seconds == 0:
        return "no time"
    hours, rest = divmod(seconds, 3_600)
    minutes = rest // 60
    if hours >= 72 and hours % 24 == 0 and not minutes:
        return f"{hours // 24} days"
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' * (hours != 1)}")
    if minutes:
        parts.append(f"{minutes} minute{'s' * (minutes != 1)}")
    return " ".join(parts)


def _why(rule: Rule) -> str:
    status = "verified" if rule.source_status == "verified" else "to be confirmed by counsel"
    return f"Why: {rule.citation} [{status}; applies from {rule.effective_from}]"


def _para(text: str, indent: str = "  ") -> list[str]:
    """A wrapped paragraph; a bullet ("- ...") hangs its continuation lines under its text."""
    hang = indent + "  " if text.startswith("- ") else indent
    return textwrap.wrap(
        " ".join(text.split()), WIDTH, initial_indent=indent, subsequent_indent=hang
    ) or [indent.rstrip()]


def _condition(condition: Condition) -> str:
    return condition.describe()


def _conditions(conditions: Iterable[Condition]) -> str:
    return " and ".join(_condition(c) for c in conditions)


def _fields(paths: Iterable[str]) -> str:
    """``victim.name, victim.school, reporter.name`` as
    ``victim (name, school); reporter (name)``."""
    groups: dict[str, list[str]] = {}
    for path in paths:
        head, _, rest = path.partition(".")
        groups.setdefault(head, []).append(rest or head)
    return "; ".join(f"{head} ({', '.join(names)})" for head, names in groups.items())


def _deadline_when(deadline: Deadline, calendars: CalendarLibrary | None) -> str:
    start = (
        "the moment the suspicion was formed"
        if deadline.start_path == ("grounds.suspicion_formed_at")
        else f"{deadline.start_path}"
    )
    if deadline.clock == "working-days":
        name = deadline.calendar or "?"
        if calendars is not None and deadline.calendar is not None:
            try:
                name = calendars.get(deadline.calendar).title
            except CalendarError:
                name = f"{deadline.calendar} (calendar missing)"
        days = deadline.working_days
        return (
            f"within {days} working day{'s' * (days != 1)} of {start}, to the end of the "
            f"last day, counted on: {name}"
        )
    if deadline.clock == "as-ordered":
        extra = f" plus {duration(deadline.within)}" if deadline.within else ""
        return f"by the time recorded in {deadline.start_path}{extra}"
    assert deadline.within is not None
    when = f"within {duration(deadline.within)} of {start}"
    if deadline.clock == "immediately":
        return f"{when} (the law says immediately; Dutyflow treats it as late after that)"
    if deadline.clock == "as-soon-as-possible":
        return f"{when} (the law says as soon as possible; Dutyflow treats it as late after that)"
    return f"{when} (clock hours, nights and weekends included)"


def _recipient(
    policy: Policy, recipient: RecipientRule, number: int, templates_dir: Path
) -> list[str]:
    lines = [f"  {number}. {recipient.description} [{recipient.id}]"]
    must = policy.obligation_of(recipient.id) == "required"
    may = "It may be told: the practitioner decides, and the decision is recorded."
    mode = policy.recipient_selection.mode
    if mode == "any-one":
        role = (
            "A report to this recipient, or to any other one listed, discharges the duty."
            if must
            else may
        )
    elif mode == "routed":
        duty_on = [
            r.id
            for r in policy.recipient_selection.routes
            if r.obligation == "required" and recipient.id in r.recipients
        ]
        if duty_on and not must:
            may = f"It must be told on the route{'s' * (len(duty_on) > 1)} " + (
                f"{', '.join(duty_on)}; elsewhere the practitioner decides, and the decision "
                "is recorded."
            )
        role = "Receives the report when the case's facts lead to it (see above)." + (
            "" if must else " " + may
        )
    else:
        role = "Must be told, in every case." if must else may
    lines += _para(role, "     ")
    if recipient.recipient_type == "agency":
        lines += _para(f"Found in the agency directory as: {recipient.agency_role}.", "     ")
    else:
        lines += _para(f"Contact taken from the case: {recipient.contact_from}.", "     ")
    if recipient.channels:
        steps: list[str] = []
        previous: str | None = None
        for channel in recipient.channels:
            # Channels for the same deadline are alternatives; a new deadline is a next step.
            joiner = "" if not steps else ("; or " if channel.deadline == previous else "; then ")
            previous = channel.deadline
            step = joiner + _CHANNEL[channel.type]
            if channel.deadline:
                step += f" (deadline: {_DEADLINE.get(channel.deadline, channel.deadline).lower()})"
            if channel.note:
                step += f": {channel.note.rstrip('.')}"
            steps.append(step)
        lines += _para("How: " + "".join(steps) + ".", "     ")
    try:
        layout = load_form_layout(recipient.form, templates_dir)
        form = f"{layout.code}, {layout.title}"
    except (FormLayoutError, ValueError):
        form = f"{recipient.form} (layout missing)"
    lines += _para(f"Form: {form}.", "     ")
    lines += _para(
        (
            f"Receives {len(recipient.allowed_fields)} fields, "
            f"{_STANDARD[recipient.field_standard]}: {_fields(recipient.allowed_fields)}."
        ),
        "     ",
    )
    lines += _para(
        "Sees who reported: " + ("yes." if policy.sees_reporter_identity(recipient.id) else "no."),
        "     ",
    )
    if recipient.legal_basis is not None:
        lines += _para(f"Legal basis for this recipient: {recipient.legal_basis.summary}.", "     ")
    lines += _para(f"Purpose: {recipient.purpose}.", "     ")
    lines += _para(_why(recipient) + f"; fields: {recipient.allowed_fields_citation}", "     ")
    return lines


def explain_policy(
    policy: Policy,
    *,
    templates_dir: Path = TEMPLATES_DIR,
    calendars: CalendarLibrary | None = None,
) -> str:
    out: list[str] = [
        (
            f"{policy.jurisdiction} {policy.kind}, policy version {policy.version} "
            f"(in effect from {policy.effective_from})"
        ),
        policy.title,
        f"Reviewed by: {policy.reviewed_by}",
    ]
    sections: list[tuple[str, list[str]]] = [
        ("When it applies", _para(policy.trigger.description) + _para(_why(policy.trigger))),
        ("Required or permitted", _required_or_permitted(policy)),
        ("Legal basis", _legal_basis(policy)),
        ("Who receives what", _who_receives_what(policy, templates_dir)),
        ("By when", _by_when(policy, calendars)),
        ("The reporter's identity", _reporter_identity(policy)),
        ("Telling the client", _telling_the_client(policy)),
        ("Supervisor", _supervisor(policy)),
        ("What the practitioner is asked", _questions(policy)),
        ("Form lines not asked, on purpose", _known_form_gaps(policy)),
        ("Protected records", _protected_records(policy)),
    ]
    if policy.order_scope is not None:
        sections.append(("The court order", _court_order(policy.order_scope)))
    if policy.satisfactory_assurance is not None:
        sections.append(
            (
                "Before anything is sent (satisfactory assurance)",
                _satisfactory_assurance(policy.satisfactory_assurance),
            )
        )
    if policy.excluded_routes:
        never = [
            line
            for excluded in policy.excluded_routes
            for line in _para(f"- {excluded.route}: {excluded.description} {_why(excluded)}", "  ")
        ]
        sections.append(("Never offered", never))
    sections.append(("Review status", _review_status(policy)))
    for title, lines in sections:
        out += ["", title.upper(), *lines]
    return "\n".join(out) + "\n"


def _required_or_permitted(policy: Policy) -> list[str]:
    duty = policy.disclosure
    duty_routes = [r.id for r in policy.recipient_selection.routes if r.obligation == "required"]
    if duty.mode == "permitted" and duty_routes:
        verdict = (
            "Verdict: PERMITTED, NOT REQUIRED, except where the case's facts lead to a route the "
            f"law makes a duty ({', '.join(duty_routes)}: see who receives what)."
        )
    elif duty.mode == "permitted":
        verdict = (
            "Verdict: PERMITTED, NOT REQUIRED. The practitioner decides, and Dutyflow "
            "records the decision and the reasons either way."
        )
    elif duty.required_by == "guidance":
        verdict = (
            "Verdict: REQUIRED by statutory guidance and professional codes, not by a statute; "
            "Dutyflow treats it as a duty."
        )
    else:
        verdict = "Verdict: REQUIRED by law."
    return _para(verdict) + _para(policy.disclosure.description) + _para(_why(policy.disclosure))


def _legal_basis(policy: Policy) -> list[str]:
    out = _para(f"{policy.legal_basis.summary}. {policy.legal_basis.description}")
    out += _para(_why(policy.legal_basis))
    for basis in policy.statutory_bases:
        out += _para(f"Grounds may cite: {basis.code} ({basis.description}) {_why(basis)}")
    return out


def _who_receives_what(policy: Policy, templates_dir: Path) -> list[str]:
    out: list[str] = []
    selection = policy.recipient_selection
    if selection.mode == "all":
        out += _para("All of the recipients below. " + selection.description)
    elif selection.mode == "any-one":
        out += _para(
            f"Any one of the recipients below discharges the duty; Dutyflow proposes "
            f"'{selection.default}'. {selection.description}"
        )
    else:
        out += _para(f"It depends on the case. {selection.description}")
        for route in selection.routes:
            when = f"If {_conditions(route.when)}" if route.when else "Otherwise"
            who = (
                f"all of {', '.join(route.recipients)}"
                if route.mode == "all"
                else f"any one of {', '.join(route.recipients)} "
                f"(Dutyflow proposes '{route.default}')"
            )
            duty = {
                "required": " A duty on this route.",
                "permitted": " Permitted only on this route: the practitioner decides.",
            }.get(route.obligation or "", "")
            out += _para(f"- {when}: {who}.{duty} {route.description}", "    ")
            out += _para(_why(route), "      ")
    out += _para(_why(selection))
    if policy.phone_report_first.required:
        out += _para(f"Telephone first: {policy.phone_report_first.description}")
    out.append("")
    for number, recipient in enumerate(policy.recipients, start=1):
        out += _recipient(policy, recipient, number, templates_dir)
    return out


def _by_when(policy: Policy, calendars: CalendarLibrary | None) -> list[str]:
    out: list[str] = []
    if not policy.deadlines:
        out += _para("No deadline: the law sets none for a permitted disclosure.")
    for deadline in policy.deadlines:
        name = _DEADLINE.get(deadline.id, deadline.id)
        applies = f" (when {_conditions(deadline.applies_when)})" if deadline.applies_when else ""
        out += _para(f"- {name}{applies}: {_deadline_when(deadline, calendars)}.", "  ")
        out += _para(deadline.description, "    ")
        reminders = ", ".join(
            f"{_NOTIFY[step.notify]} {duration(step.before_due)} before"
            for step in deadline.escalation
        )
        out += _para(f"Reminders before it is due: {reminders}.", "    ")
        out += _para(_why(deadline), "    ")
    out += _para(f"- Decisions of a second person: {DECISION_LADDER_IN_WORDS}", "  ")
    out += _para(f"Why: {DECISION_CITATION}.", "    ")
    return out


def _reporter_identity(policy: Policy) -> list[str]:
    visible = policy.reporter_identity.visible_to
    who = "every recipient" if visible is None else (", ".join(visible) or "no recipient")
    kept = "Confidential" if policy.reporter_identity.confidential else "Not confidential"
    return _para(f"{kept}; shown to: {who}. {policy.reporter_identity.description}") + _para(
        _why(policy.reporter_identity)
    )


def _telling_the_client(policy: Policy) -> list[str]:
    inform = policy.inform_client
    told = "Required" if inform.required else "Not required"
    if inform.informs == "victim":
        told += "; who is told: the victim the report is about (the client only if the victim)"
    extra = []
    if inform.timing:
        extra.append(f"when: {inform.timing}")
    if inform.may_be_oral:
        extra.append("may be oral")
    out = _para(f"{told}{' (' + '; '.join(extra) + ')' if extra else ''}. {inform.description}")
    for exception in inform.exceptions:
        out += _para(
            f"- Exception '{exception.id}': {exception.description} {_why(exception)}", "    "
        )
    out += _para(_why(inform))
    return out


def _supervisor(policy: Policy) -> list[str]:
    consult = policy.supervisor_consultation
    out = _para(
        (
            "A supervisor is asked to approve or return with comments. "
            if consult.asked
            else "No supervisor approval is asked for. "
        )
        + "Imminent danger never waits on a supervisor. "
        + consult.description
    )
    out += _para(_why(consult))
    if policy.delegation is not None:
        out += _para(
            (
                "The report may be delegated. "
                if policy.delegation.allowed
                else "The report may not be delegated. "
            )
            + policy.delegation.description
        )
        out += _para(_why(policy.delegation))
    return out


def _questions(policy: Policy) -> list[str]:
    out: list[str] = []
    for question in policy.grounds_questions:
        need = "" if question.required else " (if known)"
        out += _para(f"- {question.asks}{need} -> {question.answer}. {_why(question)}", "  ")
    return out


def _known_form_gaps(policy: Policy) -> list[str]:
    if not policy.known_form_gaps:
        return ["  None: every line of the recipients' forms that they may receive is asked."]
    out: list[str] = []
    for gap in policy.known_form_gaps:
        where = ", ".join(gap.recipients)
        out += _para(f"- {', '.join(gap.paths)} ({where}): {gap.reason} {_why(gap)}", "  ")
    return out


_PROTECTED_NAMES = {
    "psychotherapy-notes": "Psychotherapy notes",
    "part2": "Substance-use treatment records (42 CFR Part 2)",
}


def _protected_records(policy: Policy) -> list[str]:
    out: list[str] = []
    for rule in policy.protected_data:
        out += _para(f"{_PROTECTED_NAMES[rule.data_class]}: denied by default. {rule.description}")
        out += _para(_why(rule))
        for allowed in rule.exceptions:
            how = (
                "with a written justification and a second person's approval, field by field"
                if allowed.route == "justified-addition"
                else "under a Part 2 court order"
            )
            cond = f" when {_conditions(allowed.requires)}" if allowed.requires else ""
            out += _para(
                (
                    f"- Exception '{allowed.id}': to {', '.join(allowed.recipients)}{cond}, {how}. "
                    f"{allowed.description} {_why(allowed)}"
                ),
                "    ",
            )
    return out


def _court_order(scope: OrderScope) -> list[str]:
    out = _para(scope.description)
    out += _para(
        f"Captured: {_fields(scope.captures)}. The order's fields are listed in "
        f"{scope.authorised_fields}."
    )
    out += _para(_why(scope))
    return out


def _satisfactory_assurance(assurance: SatisfactoryAssurance) -> list[str]:
    out = _para(assurance.description)
    for option in assurance.any_of:
        out += _para(
            f"- '{option.id}': {option.description} Needs: "
            f"{_conditions(option.requires)}. {_why(option)}",
            "    ",
        )
    out += _para("Otherwise: a hard stop, nothing is sent.")
    out += _para(_why(assurance))
    return out


def _review_status(policy: Policy) -> list[str]:
    rules = policy.rules()
    open_rules = [name for name, rule in rules if rule.source_status != "verified"]
    out = _para(
        f"{len(rules) - len(open_rules)} of {len(rules)} rules verified against a public text; "
        f"{len(open_rules)} to be confirmed by counsel"
        + (f": {', '.join(open_rules)}." if open_rules else ".")
    )
    out += _para("Nothing here is legal advice.")
    return out
