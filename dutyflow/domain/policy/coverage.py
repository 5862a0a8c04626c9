"""Which answers an agency's form shows that the policy never asks for: each such field is
rendered "Not known" for lack of a question (never for lack of an answer). Pure: the layouts are
given; `dutyflow.domain.rendering.load_form_layout` reads them.

"Every answer the agency's form needs is asked for, once": this lists what is still not, per
recipient rule, so that each gap is either asked (where the allow-list and the law support it,
with the citation) or left as a known gap for counsel to confirm.
"""

from __future__ import annotations

from collections.abc import Mapping

from dutyflow.domain.policy.schema import Policy
from dutyflow.domain.rendering import FormLayout

# Asked of every report whatever its policy: the provision the practitioner reports under and
# when the duty arose (`dutyflow.web.forms.grounds_inputs`); the reporter comes from the
# opening, the call from the phone report.
ALWAYS_ASKED = ("grounds.statutory_basis", "grounds.suspicion_formed_at")
ANSWERED_ELSEWHERE = ("reporter.", "phone_report.")


def asked_paths(policy: Policy) -> set[str]:
    """Every case-file path a question of the policy asks (a question's answer and its parts)."""
    asked = set(ALWAYS_ASKED)
    for question in policy.grounds_questions:
        section = question.answer.rpartition(".")[0]
        asked.add(question.answer)
        asked.update(f"{section}.{part}" for part in question.parts)
    return asked


def _covered(path: str, asked: set[str]) -> bool:
    if path.startswith(ANSWERED_ELSEWHERE):
        return True
    return any(path == a or path.startswith(a + ".") or a.startswith(path + ".") for a in asked)


def unasked_form_fields(policy: Policy, layouts: Mapping[str, FormLayout]) -> dict[str, list[str]]:
    """Per recipient rule with a form: the paths its layout shows on the recipient's allow-list
    that no question asks, in the layout's order (a path off the allow-list is never sent, so
    it is no gap)."""
    asked = asked_paths(policy)
    gaps: dict[str, list[str]] = {}
    for recipient in policy.recipients:
        layout = layouts.get(recipient.form) if recipient.form else None
        if layout is None:
            continue
        allowed = set(recipient.allowed_fields)
        missing = [
            f.path
            for section in layout.sections
            for f in section.fields
            if not _covered(f.path, asked)
            and (f.path in allowed or any(f.path.startswith(a + ".") for a in allowed))
        ]
        if missing:
            gaps[recipient.id] = missing
    return gaps


def unexplained_form_gaps(
    policy: Policy, layouts: Mapping[str, FormLayout]
) -> dict[str, list[str]]:
    """The unasked form fields that the policy does not list as a known gap (with its reason)
    for that recipient: each one a line of an agency's form that prints "Not known" for no
    decided reason."""
    known = {
        (recipient, path)
        for gap in policy.known_form_gaps
        for recipient in gap.recipients
        for path in gap.paths
    }
    left: dict[str, list[str]] = {}
    for recipient, paths in unasked_form_fields(policy, layouts).items():
        unexplained = [path for path in paths if (recipient, path) not in known]
        if unexplained:
            left[recipient] = unexplained
    return left
