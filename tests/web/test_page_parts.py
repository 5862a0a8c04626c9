"""The web app's parts that stand alone: deadlines in words, refusals next to their inputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from dutyflow.web.refusals import problems_of, state_from
from dutyflow.web.times import remaining

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


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

    assert state.general == ["recipient_id: is not an obligation of this case"]


def test_a_refusal_in_fastapis_words_still_names_its_field() -> None:
    answer = httpx.Response(409, json={"detail": "grounds: the case is not awaiting its grounds"})

    assert problems_of(answer) == [
        {"field": "grounds", "problem": "the case is not awaiting its grounds"}
    ]


def test_a_refusal_without_json_says_it_was_refused() -> None:
    assert problems_of(httpx.Response(502, text="Bad Gateway")) == [
        {"field": "", "problem": "the request was refused (502)"}
    ]
