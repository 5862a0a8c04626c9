"""The agency staff's pages: the inbox, one report, and the no-JavaScript decision form."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from dutyflow.domain.transmission import IDEMPOTENCY_HEADER, AgencyAcknowledgement
from tests.intake.conftest import DEMO_AGENCIES, CallbackReceiver
from tests.intake.test_intake_service import REPORTS, SECRET, transmission

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = pytest.mark.one_database

INBOX = "/agencies/demo-cws/inbox"
SCRIPT = "<script>alert('x')</script>"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def deliver(client: httpx.Client, body: dict[str, Any]) -> str:
    response = client.post(REPORTS, json=body, headers={IDEMPOTENCY_HEADER: body["report_id"]})
    assert response.status_code == 201
    return response.json()["reference_number"]


def wait_for_callback(client: httpx.Client, reference: str, status: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while True:
        report = client.get(f"{REPORTS}/{reference}").json()
        if report["callback_status"] == status:
            return report
        assert time.monotonic() < deadline, f"callback still {report['callback_status']}"
        time.sleep(0.05)


def test_inbox_lists_the_reports_accessibly(start_intake: Callable[..., str]) -> None:
    with httpx.Client(base_url=start_intake(DEMO_AGENCIES)) as client:
        first = deliver(client, transmission("rpt-a"))
        second = deliver(client, transmission("rpt-b", form="SS 8572A"))
        page = client.get(INBOX)
        other = client.get("/agencies/other-cws/inbox")
        unknown = client.get("/agencies/nowhere-cws/inbox")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src" not in page.headers["content-security-policy"]
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    assert '<html lang="en">' in html
    assert re.search(r"<title>[^<]+</title>", html)
    assert "<caption>" in html and '<th scope="col">Reference number</th>' in html
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert html.index(second) < html.index(first)  # newest first
    assert f'href="{INBOX}/{first}"' in html
    for text in ("SS 8572A", "CASE-2026-0007", "Accepted", "Not requested"):
        assert text in html
    assert SECRET not in html  # the document is only on the report's own page
    assert first not in other.text
    assert unknown.status_code == 404


def test_report_page_shows_the_document_escaped(start_intake: Callable[..., str]) -> None:
    text = f"Suspected physical abuse of {SECRET}.\n{SCRIPT}\nSecond line & more."
    with httpx.Client(base_url=start_intake(DEMO_AGENCIES)) as client:
        reference = deliver(client, transmission(html="<p>x</p>", text=text))
        page = client.get(f"{INBOX}/{reference}")
        missing = client.get(f"{INBOX}/DEMO-CWS-2026-999999")

    assert page.status_code == 200
    html = page.text
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    pre = re.search(r"<pre>(.*?)</pre>", html, re.DOTALL)
    assert pre and SECRET in pre.group(1) and "Second line &amp; more." in pre.group(1)
    assert reference in html and "Accepted" in html
    assert "<form" not in html  # already decided: nothing to decide
    assert missing.status_code == 404


def test_staff_screen_out_through_the_form_is_acknowledged(
    start_intake: Callable[..., str], callback_receiver: CallbackReceiver
) -> None:
    with httpx.Client(base_url=start_intake(DEMO_AGENCIES, auto_acknowledge=False)) as client:
        body = transmission(acknowledgement_url=callback_receiver.url)
        reference = deliver(client, body)
        page_url = f"{INBOX}/{reference}"
        undecided = client.get(page_url).text

        submitted = client.post(
            f"{page_url}/decision",
            content="decision=screened-out&note=Not+within+our+jurisdiction+%3Cb%3E",
            headers=FORM,
        )
        report = wait_for_callback(client, reference, "delivered")
        decided = client.get(page_url).text
        again = client.post(f"{page_url}/decision", content="decision=accepted", headers=FORM)

    assert f'action="{page_url}/decision"' in undecided and 'method="post"' in undecided
    assert 'name="decision" value="screened-out"' in undecided and 'name="note"' in undecided
    assert submitted.status_code == 303
    assert submitted.headers["location"] == page_url
    assert report["decision"] == "screened-out"
    assert "Screened out" in decided and "Not within our jurisdiction &lt;b&gt;" in decided
    assert 'action="' not in decided
    assert again.status_code == 409 and "already decided" in again.text
    [callback] = callback_receiver.requests()
    ack = AgencyAcknowledgement.model_validate_json(callback.body)
    assert (ack.reference_number, ack.decision) == (reference, "screened-out")
    assert ack.note == "Not within our jurisdiction <b>"


def test_form_without_a_valid_decision_is_shown_again_with_the_problem(
    start_intake: Callable[..., str],
) -> None:
    with httpx.Client(base_url=start_intake(DEMO_AGENCIES, auto_acknowledge=False)) as client:
        reference = deliver(client, transmission())
        decision_url = f"{INBOX}/{reference}/decision"
        missing = client.post(decision_url, content="note=hm", headers=FORM)
        as_json = client.post(decision_url, json={"decision": "accepted"})
        cross_site = client.post(
            decision_url,
            content="decision=accepted",
            headers={**FORM, "Origin": "https://elsewhere.example"},
        )
        after = client.get(f"{REPORTS}/{reference}").json()

    assert missing.status_code == 422
    assert 'role="alert"' in missing.text and "decision" in missing.text
    assert as_json.status_code == 415
    assert cross_site.status_code == 403
    assert after["decision"] is None
