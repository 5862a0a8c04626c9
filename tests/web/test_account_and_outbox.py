"""What a newcomer sees of Dutyflow's e-mail without a mail server: the account page's form sets
their address and preference (a bad address named, never echoed) and sends a test message, which
the development stack's local mail sink keeps and the outbox page (``/app/outbox``, the API's
``GET /me/outbox``) lists for that user only. With a real mail server there is no outbox."""

from __future__ import annotations

import dataclasses
import html
import re

import pytest

from dutyflow.mail.sink import MailSink
from dutyflow.mail.transport import MailServer
from dutyflow.notifications.escalation import MailSettings
from tests.conftest import Harness, serve_api
from tests.web.conftest import csrf_of, signed_in

pytestmark = pytest.mark.one_database


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


async def test_the_account_form_sets_the_address_and_the_outbox_shows_the_test_message(
    stack: Harness, web_users, tmp_path
) -> None:
    sink = MailSink(tmp_path / "mail", port=0)
    sink.start()
    try:
        mailed = dataclasses.replace(
            stack,
            mail=MailSettings(
                MailServer("127.0.0.1", sink.port, security="none"),
                "Dutyflow <dutyflow@clinic.example>",
                stack.api_url,
                local_outbox=sink.directory,
            ),
        )
        lead, colleague = web_users("supervisor"), web_users("supervisor")
        async with serve_api(mailed) as _api:
            async with signed_in(stack, lead) as pages:
                account = (await pages.get("/app/account")).text
                refused = await pages.post(
                    "/app/account/notifications",
                    data={"csrf": csrf_of(account), "email": "not an <address>"},
                )
                assert refused.status_code == 422
                assert "must be one e-mail address" in text_of(refused.text)
                assert (
                    "not an &lt;address&gt;"
                    not in refused.text.split("<main", 1)[1].split('name="email"', 1)[0]
                )  # named in the message, never echoed in it

                saved = await pages.post(
                    "/app/account/notifications",
                    data={
                        "csrf": csrf_of(account),
                        "email": "lead@clinic.example",
                        "notify_by_email": "yes",
                    },
                )
                assert (saved.status_code, saved.headers["location"]) == (
                    303,
                    "/app/account?done=saved",
                )
                shown = (await pages.get("/app/account?done=saved")).text
                assert 'value="lead@clinic.example"' in shown
                assert "Your notification settings are saved." in text_of(shown)

                sent = await pages.post(
                    "/app/account/notifications/test", data={"csrf": csrf_of(shown)}
                )
                assert sent.headers["location"] == "/app/account?done=test-sent"
                outbox = text_of((await pages.get("/app/outbox")).text)
                assert "Messages sent to you (1)" in outbox
                assert "Dutyflow: your test message" in outbox
                assert "To lead@clinic.example" in outbox

            async with signed_in(stack, colleague) as pages:
                # Nobody else's messages: the colleague has no address yet, and sees none.
                assert "Messages sent to you (0)" in text_of((await pages.get("/app/outbox")).text)
                account = (await pages.get("/app/account")).text
                unsent = await pages.post(
                    "/app/account/notifications/test", data={"csrf": csrf_of(account)}
                )
                assert unsent.status_code == 422
                assert "The test message was not sent: set your e-mail address first" in text_of(
                    unsent.text
                )
    finally:
        sink.stop()


async def test_with_a_real_mail_server_there_is_no_outbox(stack: Harness, callers) -> None:
    async with serve_api(stack) as _api:
        answer = await callers.new("practitioner").http.get("/me/outbox")
        assert answer.status_code == 404
        assert "no local mail sink" in answer.json()["detail"]


def test_the_sink_keeps_when_each_message_arrived_and_its_text(tmp_path) -> None:
    from dutyflow.mail.sink import kept_messages

    directory = tmp_path / "mail"
    directory.mkdir()
    (directory / "01764000000000000000-000000.eml").write_bytes(
        b"To: a@b.example\r\nSubject: s\r\n\r\nWho must do what, by when.\r\n"
    )
    [kept] = kept_messages(directory)
    assert kept.received_at.isoformat() == "2025-11-24T16:00:00+00:00"
    assert kept.body.strip() == "Who must do what, by when."
