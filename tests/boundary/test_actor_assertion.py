"""The API's assertion of who takes a step is good for one Update of one case, for a short time,
and only as signed: anything else is refused, and the refusal never repeats the assertion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dutyflow.contracts import Actor
from dutyflow.crypto.actor_assertion import (
    LIFETIME,
    ActorNotAsserted,
    UpdateBinding,
    sign,
    verify,
)

KEY = b"k" * 32
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
SUPERVISOR = Actor(actor_id="supervisor-7", role="supervisor")
GROUNDS = UpdateBinding("case-a", "document_grounds", "update-1")


def test_an_assertion_names_the_actor_it_was_signed_for() -> None:
    assert verify(KEY, sign(KEY, GROUNDS, SUPERVISOR, NOW), GROUNDS, NOW) == SUPERVISOR


@pytest.mark.parametrize(
    "other",
    [
        UpdateBinding("case-b", "document_grounds", "update-1"),
        UpdateBinding("case-a", "record_phone_report", "update-1"),
        UpdateBinding("case-a", "document_grounds", "update-2"),
    ],
    ids=["another case", "another step", "another update id"],
)
def test_an_assertion_is_refused_for_any_other_update(other: UpdateBinding) -> None:
    with pytest.raises(ActorNotAsserted, match="not signed by Dutyflow's API"):
        verify(KEY, sign(KEY, GROUNDS, SUPERVISOR, NOW), other, NOW)


def test_an_assertion_signed_with_another_key_is_refused() -> None:
    with pytest.raises(ActorNotAsserted, match="not signed"):
        verify(KEY, sign(b"x" * 32, GROUNDS, SUPERVISOR, NOW), GROUNDS, NOW)


def test_an_assertion_whose_actor_was_changed_is_refused() -> None:
    signed = sign(KEY, GROUNDS, Actor(actor_id="practitioner-1", role="practitioner"), NOW)
    forged = sign(b"x" * 32, GROUNDS, SUPERVISOR, NOW).split(".")[0] + "." + signed.split(".")[1]
    with pytest.raises(ActorNotAsserted, match="not signed"):
        verify(KEY, forged, GROUNDS, NOW)


def test_an_assertion_expires_shortly_after_it_was_made() -> None:
    signed = sign(KEY, GROUNDS, SUPERVISOR, NOW)
    assert verify(KEY, signed, GROUNDS, NOW + LIFETIME - timedelta(seconds=1)) == SUPERVISOR
    with pytest.raises(ActorNotAsserted, match="expired"):
        verify(KEY, signed, GROUNDS, NOW + LIFETIME)


@pytest.mark.parametrize("assertion", [None, "", "no-dot", "%%%.abc", "e30.abc"])
def test_a_missing_or_malformed_assertion_is_refused_without_echoing_it(
    assertion: str | None,
) -> None:
    with pytest.raises(ActorNotAsserted) as refused:
        verify(KEY, assertion, GROUNDS, NOW)
    assert not assertion or assertion not in str(refused.value)
