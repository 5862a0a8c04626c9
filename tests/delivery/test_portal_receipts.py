"""The receipt an agency's portal gives: the practitioner who recorded the portal's confirmation
attaches it on the case page or through the API (a PDF or an image, known by its content,
size-limited), it is kept sealed with the
case's key, its attaching is audited (who, when, size, hash; never the content), it is listed
with the case, and it is served only to those who may read the case, each read audited."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest
from sqlalchemy import text

from dutyflow.domain.portal_receipts import MAX_RECEIPT_BYTES, receipt_problems
from dutyflow.store import audit_log
from tests.auth.helpers import bearer, new_user
from tests.conftest import serve_api
from tests.delivery.agencies import directory_on_channel
from tests.delivery.test_channels import (
    PORTAL,
    channel_task,
    practitioner,
    problem_fields,
    sent,
)
from tests.reporting import PRACTITIONER, ok, submit_report, wait_for_stage
from tests.web.conftest import csrf_of, signed_in

# A portal's receipt, with a line that must never appear outside the sealed store.
RECEIPT_LINE = b"Confirmation PORTAL-0001 for the report on Sam Example"
RECEIPT = b"%PDF-1.7\n" + RECEIPT_LINE + b"\n%%EOF\n"


async def test_a_portal_receipt_is_kept_sealed_audited_listed_and_read_only_by_the_case_readers(
    stack, http, executor, tmp_path: Path
) -> None:
    directory = directory_on_channel(tmp_path / "agencies", "portal", PORTAL)
    stack = dataclasses.replace(stack, directory=directory)
    _, stranger_token = new_user(stack.sessions, "practitioner")
    async with stack.new_worker(http, executor), serve_api(stack) as api:
        case_id = await submit_report(api)
        task = await channel_task(api, case_id)
        body = sent(task["recipient_id"], confirmation_number="PORTAL-0001")
        ok(await api.post(f"/reports/{case_id}/report-sent", json=body))
        status = await wait_for_stage(api, case_id, "awaiting-acknowledgement")
        [delivery] = status["deliveries"]
        url = f"/reports/{case_id}/deliveries/{delivery['report_id']}/portal-receipt"

        # Named a PDF, but not one: refused by its content, the content not repeated.
        fake = await api.put(
            url, content=b"<html>" + RECEIPT_LINE, headers={"Content-Type": "application/pdf"}
        )
        assert fake.status_code == 422 and problem_fields(fake) == ["receipt"]
        assert RECEIPT_LINE.decode() not in fake.text
        big = await api.put(url, content=b"%PDF-" + b"0" * MAX_RECEIPT_BYTES)
        assert big.status_code == 422 and "larger than" in big.text
        elsewhere = f"/reports/{case_id}/deliveries/{'0' * 64}/portal-receipt"
        assert (await api.put(elsewhere, content=RECEIPT)).status_code == 404
        stranger = await api.put(url, content=RECEIPT, headers=bearer(stranger_token))
        assert stranger.status_code in (403, 404)

        report_id = delivery["report_id"]
        async with signed_in(stack, practitioner(stack)) as browser:
            page = (await browser.get(f"/app/cases/{case_id}")).text
            assert 'enctype="multipart/form-data"' in page and "Attach the receipt" in page
            attach = f"/app/cases/{case_id}/portal-receipt"
            fake_file = ("receipt.pdf", b"<html>" + RECEIPT_LINE, "application/pdf")
            shown = await browser.post(
                attach,
                data={"csrf": csrf_of(page), "report_id": report_id},
                files={"receipt": fake_file},
            )
            assert shown.status_code == 422, shown.text[:2000]
            assert "must be a PDF, PNG or JPEG file" in shown.text
            recorded = await browser.post(
                attach,
                data={"csrf": csrf_of(shown.text), "report_id": report_id},
                files={"receipt": ("receipt.pdf", RECEIPT, "application/pdf")},
            )
            assert recorded.status_code == 303, recorded.text[:2000]
            page = (await browser.get(f"/app/cases/{case_id}")).text
            link = f"/app/cases/{case_id}/portal-receipts/{report_id}"
            assert link in page and "Attach the receipt" not in page
            from_page = await browser.get(link)
        assert from_page.status_code == 200 and from_page.content == RECEIPT
        again = await api.put(url, content=RECEIPT)
        [attached] = ok(await api.get(f"/reports/{case_id}/portal-receipts"))
        download = f"/reports/{case_id}/portal-receipts/{report_id}"
        served = await api.get(download)
        refused = await api.get(download, headers=bearer(stranger_token))
    sha256 = hashlib.sha256(RECEIPT).hexdigest()
    assert again.status_code == 409
    assert (attached["media_type"], attached["size_bytes"], attached["sha256"]) == (
        "application/pdf",
        len(RECEIPT),
        sha256,
    )
    assert attached["attached_by"] == PRACTITIONER
    assert served.status_code == 200 and served.content == RECEIPT
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["cache-control"] == "no-store"
    assert refused.status_code in (403, 404) and RECEIPT_LINE not in refused.content
    with stack.engine.connect() as connection:
        [stored] = connection.execute(text("SELECT content FROM portal_receipt")).scalars()
    assert stored.startswith("sealed:v1:") and "Sam Example" not in stored
    with stack.sessions() as session:
        entries = audit_log.entries_for_case(session, case_id)
    [attaching] = [e for e in entries if e.step == "portal-receipt-attached"]
    assert attaching.actor_id == PRACTITIONER and attaching.content_sha256 == sha256
    assert attaching.details == {
        "report_id": delivery["report_id"],
        "agency_id": "demo-county-cws",
        "media_type": "application/pdf",
        "size_bytes": len(RECEIPT),
        "sha256": sha256,
    }
    reads = [
        e
        for e in entries
        if e.step == "case-content-read" and e.details.get("view") == "portal-receipt"
    ]
    # The page's download and the API's: each read audited.
    assert [(r.actor_id, r.content_sha256) for r in reads] == [(PRACTITIONER, sha256)] * 2
    assert not any("Sam Example" in str(e.details) for e in entries)


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "is empty"),
        (b"%PDF-1.7 a receipt", None),
        (b"\x89PNG\r\n\x1a\n a screenshot", None),
        (b"\xff\xd8\xff\xe0 a photograph", None),
        (b"GIF89a an animation", "must be a PDF, PNG or JPEG file"),
        (b"<html><body>%PDF-</body></html>", "must be a PDF, PNG or JPEG file"),
        (b"%PDF-" + b"0" * MAX_RECEIPT_BYTES, "is larger than 900 KiB"),
    ],
)
def test_a_receipt_is_a_pdf_or_image_by_its_content_and_within_the_size_limit(
    content: bytes, problem: str | None
) -> None:
    found = receipt_problems(content)
    assert [p.problem for p in found] == ([problem] if problem else [])
    assert all(p.field == "receipt" for p in found)
