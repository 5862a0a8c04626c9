"""Properties over every policy and recipient: no rendered report and no delivered payload ever
contains the value of a field outside that recipient's allow-list (or, for a court order or a
request, outside its scope); and psychotherapy notes and Part 2 records never get out without an
exception of the policy, whatever scope or additions are asked for."""

from __future__ import annotations

import itertools
import json
import re
from datetime import UTC, date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dutyflow.domain.case import CaseFile
from dutyflow.domain.disclosure import (
    PROTECTED_DATA_CLASSES,
    OutsideScopeError,
    ProtectedDataError,
    leaf_paths,
    limit_for_recipient,
)
from dutyflow.domain.policy import Policy, PolicyLibrary, RecipientRule
from dutyflow.domain.rendering import RenderContext, load_form_layout, render_report
from dutyflow.domain.transmission import ReportTransmission, TransmittedDocument
from dutyflow.settings import REPO_ROOT
from tests.policy.cases import populated, string_leaves

LIBRARY = PolicyLibrary(REPO_ROOT / "policies")
POLICIES = [
    LIBRARY.in_effect(path.parts[-3].upper(), path.parts[-2], date(2026, 11, 26))
    for path in LIBRARY.all_files()
]
PAIRS = [(policy, recipient) for policy in POLICIES for recipient in policy.recipients]
MARKER = re.compile(r"LEAK\d{4}X")
PROTECTED = {p for paths in PROTECTED_DATA_CLASSES.values() for p in paths}

# Text that templates and escaping must survive: markup, template syntax, quotes, line breaks.
NOISE = st.lists(
    st.sampled_from([*"ab <>&\"'{}%#\n\t/é名", "{{", "}}", "{%", "<script>"]), max_size=8
).map("".join)


def marked_case(noise: str) -> tuple[CaseFile, dict[str, str]]:
    """A case with every text field set to a unique marker (plus noise): marker -> path."""
    markers: dict[str, str] = {}

    def text_for(path: str) -> str:
        marker = f"LEAK{len(markers):04d}X"
        markers[marker] = path.split("#")[0]
        return f"{marker}{noise}"

    return populated(CaseFile, "", text_for), markers


@st.composite
def disclosures(
    draw: st.DrawFn,
) -> tuple[Policy, RecipientRule, CaseFile, dict[str, str], list[str] | None]:
    policy, recipient = draw(st.sampled_from(PAIRS))
    case, markers = marked_case(draw(NOISE))
    scope: list[str] | None = None
    if recipient.field_standard == "order-scope":
        scope_rule = policy.order_scope or policy.satisfactory_assurance
        assert scope_rule is not None
        optional = sorted(set(recipient.allowed_fields) - set(scope_rule.always_disclosed))
        named = draw(st.lists(st.sampled_from(optional), unique=True))
        if policy.order_scope is not None:
            case.court_order.authorised_fields = named  # type: ignore[union-attr]
        else:
            case.subpoena.requested_fields = named  # type: ignore[union-attr]
        scope = policy.scope_for(recipient.id, case.model_dump(mode="json"))
    return policy, recipient, case, markers, scope


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(disclosures())
def test_no_report_or_payload_carries_a_field_outside_the_recipients_allow_list(
    disclosure: tuple[Policy, RecipientRule, CaseFile, dict[str, str], list[str] | None],
) -> None:
    policy, recipient, case, markers, scope = disclosure
    limited = limit_for_recipient(case, recipient.allowed_fields, scope=scope)
    layout = load_form_layout(recipient.form)
    report = render_report(
        layout,
        limited.fields,
        RenderContext(
            form_code=layout.code,
            form_title=layout.title,
            recipient_name="Recipient",
            recipient_address=None,
            case_reference="case-x",
            policy_version=f"{policy.jurisdiction} {policy.kind} {policy.version}",
            policy_citation=recipient.allowed_fields_citation,
            generated_at=datetime(2026, 11, 24, tzinfo=UTC),
        ),
    )
    payload = ReportTransmission(
        report_id="r",
        case_reference="case-x",
        recipient_id=recipient.id,
        form=layout.id,
        jurisdiction=policy.jurisdiction,
        kind=policy.kind,
        policy_version=policy.version,
        sent_at=datetime(2026, 11, 24, tzinfo=UTC),
        fields=limited.fields,
        document=TransmittedDocument(html=report.html, text=report.text, sha256=report.sha256),
    ).model_dump_json()
    may_see = set(recipient.allowed_fields) if scope is None else set(scope)
    assert may_see <= set(recipient.allowed_fields)

    seen = set(MARKER.findall(report.html)) | set(MARKER.findall(report.text))
    seen |= set(MARKER.findall(payload))
    leaked = sorted({markers[m] for m in seen} - may_see)
    assert not leaked, f"{policy.jurisdiction} {policy.kind} {recipient.id} received {leaked}"


def test_every_text_field_of_the_case_carries_a_marker() -> None:
    case, markers = marked_case("")
    texts = {
        path for path, text in string_leaves(case.model_dump(mode="json")) if MARKER.match(text)
    }

    assert texts == set(markers.values())
    assert texts >= PROTECTED


@settings(max_examples=200, deadline=None)
@given(
    pair=st.sampled_from(PAIRS),
    scope=st.none() | st.lists(st.sampled_from(leaf_paths()), unique=True, max_size=12),
    additions=st.lists(st.sampled_from(sorted(PROTECTED)), unique=True),
)
def test_notes_and_part2_never_leave_without_an_exception(
    pair: tuple[Policy, RecipientRule], scope: list[str] | None, additions: list[str]
) -> None:
    _, recipient = pair
    case, markers = marked_case("")
    try:
        limited = limit_for_recipient(
            case, recipient.allowed_fields, scope=scope, additions=additions
        )
    except (ProtectedDataError, OutsideScopeError):
        return
    out = set(MARKER.findall(json.dumps(limited.fields)))
    assert not {markers[m] for m in out} & PROTECTED


def test_every_recipient_of_every_policy_is_exercised() -> None:
    jurisdictions = {
        "GB-ENG",
        "US-CA",
        "US-FL",
        "US-GA",
        "US-IL",
        "US-MI",
        "US-NC",
        "US-NY",
        "US-OH",
        "US-PA",
        "US-TX",
    }
    kinds = {
        "child-abuse",
        "elder-abuse",
        "danger-to-others",
        "danger-to-self",
        "court-order",
        "subpoena",
    }
    assert {(p.jurisdiction, p.kind) for p in POLICIES} == set(
        itertools.product(jurisdictions, kinds)
    )
    assert len(PAIRS) == len(list(itertools.chain.from_iterable(p.recipients for p in POLICIES)))
