"""The web app's parts that stand alone: deadlines in words, refusals next to their inputs, and
the pages' addresses, each answered through the page route (so a sign-in redirect or a refusal
raised by a dependency is the answer, never a server error)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from fastapi.routing import iter_route_contexts

from dutyflow.web import WEB_ROUTER
from dutyflow.web.refusals import problems_of, state_from
from dutyflow.web.routing import PageRoute
from dutyflow.web.times import remaining

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
PAGES = {
    "GET /app/",
    "GET /app/sign-in",
    "POST /app/sign-in",
    "GET /app/set-up",
    "POST /app/set-up",
    "POST /app/sign-out",
    "GET /app/account",
    "POST /app/account/notifications",
    "POST /app/account/notifications/test",
    "GET /app/profile",
    "POST /app/profile",
    "GET /app/outbox",
    "GET /app/cases",
    "GET /app/reports/new",
    "POST /app/reports",
    "GET /app/cases/{case_id}",
    "POST /app/cases/{case_id}/grounds",
    "GET /app/cases/{case_id}/withdraw",
    "POST /app/cases/{case_id}/withdraw",
    "GET /app/cases/{case_id}/supplement",
    "POST /app/cases/{case_id}/supplement",
    "GET /app/cases/{case_id}/review",
    "GET /app/cases/{case_id}/sent/{report_id}",
    "POST /app/cases/{case_id}/phone-report",
    "POST /app/cases/{case_id}/confirm",
    "POST /app/cases/{case_id}/disclosure-decisions",
    "POST /app/cases/{case_id}/contact-attempts",
    "POST /app/cases/{case_id}/inform-client",
    "POST /app/cases/{case_id}/retry-delivery",
    "POST /app/cases/{case_id}/agency-reference",
    "GET /app/cases/{case_id}/channel/{recipient_id}/paper.pdf",
    "POST /app/cases/{case_id}/report-sent",
    "POST /app/cases/{case_id}/acknowledgement-received",
    "POST /app/cases/{case_id}/portal-receipt",
    "GET /app/cases/{case_id}/portal-receipts/{report_id}",
    "GET /app/assets/copy-buttons.js",
    "POST /app/cases/{case_id}/supervision-reveals",
    "POST /app/cases/{case_id}/exceptions",
    "POST /app/cases/{case_id}/exceptions/{exception_id}/decision",
    "GET /app/cases/{case_id}/privacy-notice",
    "POST /app/cases/{case_id}/privacy-notice-acknowledgement",
    "GET /app/tasks",
    "GET /app/supervision",
    "GET /app/supervision/{case_id}",
    "POST /app/supervision/{case_id}/decision",
    "GET /app/compliance",
    "GET /app/compliance/training",
    "GET /app/compliance/cases/{case_id}",
    "POST /app/compliance/accounting",
    "GET /app/policies",
    "GET /app/agency",
    "GET /app/agency/reports/{report_id}",
    "POST /app/agency/reports/{report_id}/acknowledgement",
}


def test_a_deadline_ahead_reads_as_the_time_left() -> None:
    assert remaining(NOW + timedelta(days=1, hours=2, minutes=5), NOW) == "due in 1 d 2 h 5 min"


def test_a_passed_deadline_reads_as_overdue() -> None:
    assert remaining((NOW - timedelta(minutes=3)).isoformat(), NOW) == "overdue by 3 min"


def test_a_refusal_shows_next_to_the_input_its_field_names() -> None:
    problems = [{"field": "guardians[0].name", "problem": "is required"}]

    state = state_from({"guardians.name": [""]}, problems, ["guardians.name", "victim.name"])

    assert state.errors == {"guardians.name": ["is required"]}
    assert state.general == []


def test_a_refusal_of_no_input_on_the_form_is_shown_on_its_own() -> None:
    problems = [{"field": "recipient_id", "problem": "is not an obligation of this case"}]

    state = state_from({}, problems, ["reasons"])

    assert state.general == ["Recipient id: is not an obligation of this case"]  # in words


def test_a_refusal_in_fastapis_words_still_names_its_field() -> None:
    answer = httpx.Response(409, json={"detail": "grounds: the case is not awaiting its grounds"})

    assert problems_of(answer) == [
        {"field": "grounds", "problem": "the case is not awaiting its grounds"}
    ]


def test_a_refusal_without_json_says_it_was_refused() -> None:
    assert problems_of(httpx.Response(502, text="Bad Gateway")) == [
        {"field": "", "problem": "the request was refused (502)"}
    ]


def test_every_page_keeps_its_address_and_answers_through_the_page_route() -> None:
    routes = list(iter_route_contexts(WEB_ROUTER.routes))

    assert {f"{m} {r.path}" for r in routes for m in r.methods or ()} == PAGES
    assert all(isinstance(r.original_route, PageRoute) for r in routes)
