"""The clinic's confidential copy of each report as sent: a real PDF whose text is exactly what
the recipient received, downloaded from the case page only by someone who may read the case, and
every download audited."""

from __future__ import annotations

import io
import re
import secrets
from html.parser import HTMLParser

import httpx
import pytest
from pypdf import PdfReader

from dutyflow.auth.case_access import CONTENT_READ_STEP
from dutyflow.auth.store import set_password
from dutyflow.store import audit_log
from tests.conftest import Callers, Harness
from tests.reporting import agency_inbox, report_end_to_end
from tests.web.conftest import WebUser, signed_in

pytestmark = pytest.mark.one_database


class VisibleText(HTMLParser):
    """The text a reader sees in an HTML document (not its styles or title)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._hidden += tag in ("style", "script", "title", "head")

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("style", "script", "title", "head")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def words(text: str) -> str:
    """The characters of ``text`` in order, without its white space: a PDF breaks lines where
    the page ends, even inside ``11165.7(a)(21)``."""
    return "".join(re.findall(r"\S+", text))


def html_words(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return words(" ".join(parser.parts))


def pdf_words(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return words(" ".join(page.extract_text() for page in reader.pages))


async def test_the_pdf_copy_holds_exactly_what_the_recipient_received(
    api: httpx.AsyncClient, stack: Harness, callers: Callers
) -> None:
    status = await report_end_to_end(api)
    case_id = status["case_id"]
    [delivery] = status["deliveries"]
    received = [
        r
        for r in await agency_inbox(stack.intake_url, delivery["agency_id"])
        if r["case_reference"] == case_id
    ]

    answer = await api.get(f"/reports/{case_id}/deliveries/{delivery['report_id']}/pdf")

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF-")
    assert pdf_words(answer.content) == html_words(received[0]["transmission"]["document"]["html"])
    with stack.sessions() as session:
        reads = [
            e
            for e in audit_log.entries_for_case(session, case_id)
            if e.step == CONTENT_READ_STEP and e.details.get("view") == "sent-copy-pdf"
        ]
    assert [(e.actor_id, e.details["report_id"]) for e in reads] == [
        ("practitioner-0042", delivery["report_id"])
    ]

    other = callers.new("practitioner")
    refused = await other.http.get(f"/reports/{case_id}/deliveries/{delivery['report_id']}/pdf")
    assert refused.status_code == 404
    elsewhere = await api.get(f"/reports/{case_id}/deliveries/report-of-another-case/pdf")
    assert elsewhere.status_code == 404


async def test_the_case_page_links_each_sent_reports_pdf_for_the_clinics_records(
    api: httpx.AsyncClient, stack: Harness
) -> None:
    status = await report_end_to_end(api)
    case_id = status["case_id"]
    [delivery] = status["deliveries"]
    password = secrets.token_urlsafe(16)
    set_password(stack.sessions, "practitioner-0042", password)
    owner = WebUser("practitioner-0042", password, "practitioner", "clinic-demo-01", None)

    async with signed_in(stack, owner) as browser:
        page = (await browser.get(f"/app/cases/{case_id}")).text
        link = f"/app/cases/{case_id}/sent/{delivery['report_id']}"
        assert f'href="{link}"' in page
        download = await browser.get(link)

    assert download.status_code == 200
    assert download.headers["content-type"] == "application/pdf"
    assert "attachment" in download.headers["content-disposition"]
    assert pdf_words(download.content)
