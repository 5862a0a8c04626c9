"""A user's e-mail address and notification preference, in their account: set through the API
(`/me/notifications`) and `dutyflow users notify`, an address refused by name without being
echoed, and a test message on request, received by a real SMTP server."""

from __future__ import annotations

import dataclasses

import pytest

from dutyflow.mail.transport import MailServer
from dutyflow.notifications.escalation import MailSettings
from tests.cli_in_process import in_process
from tests.conftest import Harness, serve_api
from tests.mail.servers import Inbox, local_authority, smtp_server
from tests.reporting import ok

pytestmark = pytest.mark.one_database


async def test_a_user_sets_their_address_and_receives_a_test_message(
    stack: Harness, callers, tmp_path
) -> None:
    authority = local_authority(tmp_path / "tls")
    inbox = Inbox()
    with smtp_server(inbox, starttls=authority.server_context) as port:
        server = MailServer("127.0.0.1", port, security="starttls", ca_file=authority.ca_file)
        mailed = dataclasses.replace(
            stack, mail=MailSettings(server, "Dutyflow <dutyflow@clinic.example>", stack.api_url)
        )
        async with serve_api(mailed) as _api:
            me = callers.new("supervisor").http
            assert ok(await me.get("/me/notifications")) == {
                "email": None,
                "notify_by_email": True,
            }
            refused = await me.put(
                "/me/notifications", json={"email": "not an <address>", "notify_by_email": True}
            )
            assert refused.status_code == 422
            assert [p["field"] for p in refused.json()["errors"]] == ["email"]
            assert "not an <address>" not in refused.text
            assert (await me.post("/me/notifications/test")).status_code == 422  # no address yet

            wanted = {"email": "lead@clinic.example", "notify_by_email": True}
            assert ok(await me.put("/me/notifications", json=wanted)) == wanted
            assert ok(await me.post("/me/notifications/test")) == {"sent": True}

    [message] = inbox.accepted
    assert message["To"] == "lead@clinic.example"
    assert message["Subject"] == "Dutyflow: your test message"


def test_users_notify_sets_the_address_and_refuses_a_bad_one_by_its_option(
    stack: Harness, database_url: str, key_environment, monkeypatch, capsys
) -> None:
    from tests.auth.helpers import new_user

    user, _token = new_user(stack.sessions, "compliance")
    monkeypatch.setenv("DUTYFLOW_DATABASE_URL", database_url)
    for name, value in key_environment.items():
        monkeypatch.setenv(name, value)
    run = in_process(monkeypatch, capsys)

    status, out, err = run("users", "notify", "--id", user.user_id, "--email", "a@b.example")
    assert (status, err) == (0, "")
    assert "a@b.example; e-mail on" in out

    status, out, err = run("users", "notify", "--id", user.user_id, "--off")
    assert (status, err) == (0, "")
    assert "a@b.example; e-mail off" in out

    status, _out, err = run("users", "notify", "--id", user.user_id, "--email", "nope")
    assert status == 2
    assert "--email: must be one e-mail address" in err and "nope" not in err
