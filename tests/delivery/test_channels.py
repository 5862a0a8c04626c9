"""Agencies without an intake API get the report the way they really take it (the agency
directory's ``channel``), and every channel ends in one delivery record and one 164.528
accounting entry: a portal the practitioner fills in from the allow-listed sections, a fax or
letter from the PDF, an e-mail over TLS with the report attached. Acknowledgements that come by
phone or letter are recorded by the practitioner."""

from __future__ import annotations

import asyncio
import dataclasses
import email
import email.policy
import io
import re
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pypdf
from cryptography.hazmat.primitives.serialization import pkcs7
from temporalio.testing import ActivityEnvironment

from activities.channels import ChannelActivities
from dutyflow.auth.store import set_password
from dutyflow.contracts import RecipientStep
from dutyflow.mail.transport import MailServer
from dutyflow.notifications.escalation import MailSettings
from dutyflow.store import audit_log
from dutyflow.store.delivery_tasks import open_delivery_tasks
from tests.conftest import serve_api
from tests.delivery.agencies import directory_on_channel
from tests.delivery.test_agency_receipts import deliveries_and_accounting
from tests.mail.servers import Inbox, local_authority, mail_recipient_key, smtp_server
from tests.reporting import PRACTITIONER, ok, submit_report, wait_for_stage
from tests.web.conftest import WebUser, csrf_of, signed_in

# Values of the scenario's case file that no agency receives, and one that this one does.
WITHHELD = ("MRN-0000-DEMO", "Adjustment disorder", "Session notes that no agency receives")
DISCLOSED = "Sam Example"
PORTAL = "https://portal.example.org/report"
FAX = "+1 555 0101"


async def channel_task(api: httpx.AsyncClient, case_id: str) -> dict[str, Any]:
    """The case's task to take the report to the agency, once Dutyflow has prepared it."""
    async with asyncio.timeout(60):
        while True:
            status = ok(await api.get(f"/reports/{case_id}"))
            if status["channel_tasks"]:
                [task] = status["channel_tasks"]
                return task
            await asyncio.sleep(0.05)


def practitioner(stack: Any) -> WebUser:
    password = secrets.token_urlsafe(16)
    set_password(stack.sessions, PRACTITIONER, password)
    return WebUser(PRACTITIONER, password, "practitioner", None, None)


def sent(recipient_id: str, **values: Any) -> dict[str, Any]:
    return {
        "practitioner_id": PRACTITIONER,
        "recipient_id": recipient_id,
        "sent_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
        **values,
    }


def problem_fields(answer: httpx.Response) -> list[str]:
    return [e["field"] for e in answer.json()["errors"]]


async def test_a_portal_agency_gets_the_allow_listed_sections_in_its_order_and_one_entry(
    stack, http, executor, tmp_path: Path
) -> None:
    order = ("c-victim", "a-reporting-party")
    directory = directory_on_channel(tmp_path / "agencies", "portal", PORTAL, order)
    stack = dataclasses.replace(stack, directory=directory)
    async with stack.new_worker(http, executor), serve_api(stack) as api:
        case_id = await submit_report(api)
        task = await channel_task(api, case_id)
        assert (task["channel"], task["address"]) == ("portal", PORTAL)
        assert deliveries_and_accounting(stack, case_id) == ([], [])
        with stack.sessions() as session:
            [todo] = open_delivery_tasks(session, case_id=case_id)
        assert todo.kind == "take-report-to-agency" and todo.due_at is not None
        [inbox] = [
            t
            for t in ok(await api.get("/me/tasks"))
            if t["case_id"] == case_id and t["category"] == "delivery"
        ]
        assert inbox["due_at"] is not None and inbox["countdown"]

        portal = ok(
            await api.get(f"/reports/{case_id}/channel-tasks/{task['recipient_id']}/portal")
        )
        review = ok(await api.get(f"/reports/{case_id}/review"))["documents"][0]
        ids = [s["id"] for s in portal["sections"]]
        assert ids[:2] == list(order) and len(ids) == len(set(ids))
        assert portal["portal_url"] == PORTAL
        entries = [e["text"] for s in portal["sections"] for e in s["entries"]]
        assert DISCLOSED in entries
        # Every value is one the reviewed report shows; nothing withheld is there.
        assert all(line in review["text"] for e in entries for line in e.splitlines())
        assert not any(w in str(portal) for w in WITHHELD)

        refused = await api.post(f"/reports/{case_id}/report-sent", json=sent(todo.recipient_id))
        assert refused.status_code == 422 and problem_fields(refused) == ["confirmation_number"]
        assert deliveries_and_accounting(stack, case_id) == ([], [])

        async with signed_in(stack, practitioner(stack)) as browser:
            page = (await browser.get(f"/app/cases/{case_id}")).text
            assert PORTAL in page and "Record the report as sent" in page
            # Every entry is there to copy without a script; the buttons come with it.
            assert page.count('class="copy"') == len(entries)
            assert "/app/assets/copy-buttons.js" in page
            assert not any(w in page for w in WITHHELD)
            recorded = await browser.post(
                f"/app/cases/{case_id}/report-sent",
                data={
                    "csrf": csrf_of(page),
                    "recipient_id": todo.recipient_id,
                    "sent_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M"),
                    "confirmation_number": "PORTAL-0001",
                },
            )
            assert recorded.status_code == 303, recorded.text[:2000]
        body = sent(todo.recipient_id, confirmation_number="PORTAL-0001")
        again = await api.post(f"/reports/{case_id}/report-sent", json=body)
        assert again.status_code == 409
        status = ok(await api.get(f"/reports/{case_id}"))
        assert status["channel_tasks"] == []
        [delivery] = status["deliveries"]
        assert delivery["reference_number"] == "PORTAL-0001"
        status = await wait_for_stage(api, case_id, "awaiting-acknowledgement")

        acknowledged = ok(
            await api.post(
                f"/reports/{case_id}/acknowledgement-received",
                json={
                    "practitioner_id": PRACTITIONER,
                    "report_id": delivery["report_id"],
                    "reference_number": "PORTAL-0001",
                    "decision": "accepted",
                    "decided_at": datetime.now(UTC).isoformat(),
                    "received_via": "phone",
                    "acknowledged_by": "Intake worker M. Lee",
                },
            )
        )
    assert [a["report_id"] for a in acknowledged["acknowledgements"]] == [delivery["report_id"]]
    [recorded], [accounted] = deliveries_and_accounting(stack, case_id)
    assert recorded.report_id == accounted.entry_id == delivery["report_id"]
    with stack.sessions() as session:
        assert open_delivery_tasks(session, case_id=case_id) == []
        entries = audit_log.entries_for_case(session, case_id)
    [delivered] = [e for e in entries if e.step == "report-delivered"]
    assert (delivered.actor_id, delivered.details["channel"]) == (PRACTITIONER, "portal")
    [acknowledgement] = [e for e in entries if e.step == "acknowledgement-recorded"]
    assert acknowledgement.actor_id == PRACTITIONER
    assert acknowledgement.details["received_via"] == "phone"
    assert "Intake worker M. Lee" not in str(acknowledgement.details)


def pdf_pages(pdf: bytes) -> list[str]:
    return [
        re.sub(r"\s+", " ", page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages
    ]


async def test_a_fax_agency_gets_the_form_from_the_limited_fields_behind_a_bare_cover(
    stack, http, executor, tmp_path: Path
) -> None:
    directory = directory_on_channel(tmp_path / "agencies", "fax", FAX)
    stack = dataclasses.replace(stack, directory=directory)
    async with stack.new_worker(http, executor), serve_api(stack) as api:
        case_id = await submit_report(api)
        task = await channel_task(api, case_id)
        recipient = task["recipient_id"]
        not_portal = await api.get(f"/reports/{case_id}/channel-tasks/{recipient}/portal")
        assert not_portal.status_code == 404
        answer = await api.get(f"/reports/{case_id}/channel-tasks/{recipient}/paper.pdf")
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/pdf"
        cover, *form = pdf_pages(answer.content)

        refused = await api.post(f"/reports/{case_id}/report-sent", json=sent(recipient))
        assert refused.status_code == 422 and problem_fields(refused) == ["sent_to"]
        async with signed_in(stack, practitioner(stack)) as browser:
            page = (await browser.get(f"/app/cases/{case_id}")).text
            link = f"/app/cases/{case_id}/channel/{recipient}/paper.pdf"
            assert link in page
            download = await browser.get(link)
        assert download.headers["content-type"] == "application/pdf"
        ok(await api.post(f"/reports/{case_id}/report-sent", json=sent(recipient, sent_to=FAX)))
        await wait_for_stage(api, case_id, "awaiting-acknowledgement")
    assert FAX in cover and task["report_id"] in cover and DISCLOSED not in cover
    assert DISCLOSED in " ".join(form)
    assert not any(w in page for page in (cover, *form) for w in WITHHELD)
    [recorded], [accounted] = deliveries_and_accounting(stack, case_id)
    assert recorded.report_id == accounted.entry_id == task["report_id"]
    assert accounted.recipient_address == FAX


async def test_an_email_agency_gets_one_message_over_tls_with_the_report_attached(
    stack, http, executor, tmp_path: Path
) -> None:
    authority = local_authority(tmp_path / "tls")
    inbox = Inbox()
    agency_address = "intake@agency.example.org"
    directory = directory_on_channel(tmp_path / "agencies", "email", agency_address)
    with smtp_server(inbox, starttls=authority.server_context) as port:
        server = MailServer("127.0.0.1", port, "starttls", ca_file=authority.ca_file)
        mail = MailSettings(server, "Dutyflow <dutyflow@clinic.example.org>", "")
        stack = dataclasses.replace(stack, directory=directory, mail=mail)
        async with stack.new_worker(http, executor), serve_api(stack) as api:
            case_id = await submit_report(api)
            status = await wait_for_stage(api, case_id, "awaiting-acknowledgement")
        [delivery] = status["deliveries"]
        # The activity again (a retry after the record): the report is not sent twice.
        step = RecipientStep(case_id=case_id, recipient_id=delivery["recipient_id"])
        channels = ChannelActivities(stack.sessions, stack.policies, directory, mail)
        again = await ActivityEnvironment().run(channels.email_report, step)
    assert again.report_id == delivery["report_id"] and again.duplicate
    [message] = inbox.accepted
    assert message["To"] == agency_address
    assert message["Message-ID"] == f"<report-{delivery['report_id']}@clinic.example.org>"
    body = message.get_body(("plain",)).get_content()
    assert DISCLOSED not in body and DISCLOSED not in message["Subject"]
    [attachment] = list(message.iter_attachments())
    pages = " ".join(pdf_pages(attachment.get_content()))
    assert DISCLOSED in pages and not any(w in pages for w in WITHHELD)
    [recorded], [accounted] = deliveries_and_accounting(stack, case_id)
    assert recorded.report_id == accounted.entry_id == delivery["report_id"]
    assert accounted.recipient_address == agency_address


async def test_an_email_agency_with_a_certificate_gets_the_report_sealed_for_it_alone(
    stack, http, executor, tmp_path: Path
) -> None:
    """An agency that gives an S/MIME certificate receives one enveloped message: outside, only
    content-free headers; inside (opened with the agency's key), the body and the report."""
    agency_address = "intake@agency.example.org"
    agency_key = mail_recipient_key(agency_address)
    authority = local_authority(tmp_path / "tls")
    inbox = Inbox()
    directory = directory_on_channel(
        tmp_path / "agencies", "email", agency_address, smime_certificate=agency_key.certificate_pem
    )
    with smtp_server(inbox, starttls=authority.server_context) as port:
        server = MailServer("127.0.0.1", port, "starttls", ca_file=authority.ca_file)
        mail = MailSettings(server, "Dutyflow <dutyflow@clinic.example.org>", "")
        stack = dataclasses.replace(stack, directory=directory, mail=mail)
        async with stack.new_worker(http, executor), serve_api(stack) as api:
            case_id = await submit_report(api)
            status = await wait_for_stage(api, case_id, "awaiting-acknowledgement")
    [delivery] = status["deliveries"]
    [message] = inbox.accepted
    assert message.get_content_type() == "application/pkcs7-mime"
    assert message.get_param("smime-type") == "enveloped-data"
    assert message["Subject"] == f"Report {delivery['report_id']}: SS 8572"
    sealed = message.get_content()
    assert DISCLOSED.encode() not in message.as_bytes() and b"%PDF" not in sealed
    opened = email.message_from_bytes(
        pkcs7.pkcs7_decrypt_der(sealed, agency_key.certificate, agency_key.private_key, []),
        policy=email.policy.default,
    )
    body = opened.get_body(("plain",)).get_content()
    assert delivery["report_id"] in body and DISCLOSED not in body
    [attachment] = list(opened.iter_attachments())
    pages = " ".join(pdf_pages(attachment.get_content()))
    assert DISCLOSED in pages and not any(w in pages for w in WITHHELD)
    with stack.sessions() as session:
        entries = audit_log.entries_for_case(session, case_id)
    [delivered] = [e for e in entries if e.step == "report-delivered"]
    assert delivered.details["encryption"] == "smime"
    [recorded], [accounted] = deliveries_and_accounting(stack, case_id)
    assert recorded.report_id == accounted.entry_id == delivery["report_id"]


async def test_an_email_agency_without_a_tls_mail_server_is_a_task_not_a_message_in_the_clear(
    stack, http, executor, tmp_path: Path
) -> None:
    inbox = Inbox()
    directory = directory_on_channel(tmp_path / "agencies", "email", "intake@agency.example.org")
    with smtp_server(inbox) as port:
        plain = MailSettings(MailServer("127.0.0.1", port, "none"), "dutyflow@localhost", "")
        stack = dataclasses.replace(stack, directory=directory, mail=plain)
        async with stack.new_worker(http, executor), serve_api(stack) as api:
            case_id = await submit_report(api)
            status = await wait_for_stage(api, case_id, "delivery-refused")
    [problem] = status["delivery_problems"]
    assert "TLS" in problem["message"]
    assert inbox.accepted == []
    assert deliveries_and_accounting(stack, case_id) == ([], [])
