"""A report sent by fax or post: the official form from the limited fields only, behind a cover
sheet that carries no case content (checked in the PDF's own text)."""

from __future__ import annotations

import io
import re
from datetime import date

import pypdf
import pytest

from dutyflow.domain.paper_report import CoverSheet, paper_report_pdf
from dutyflow.domain.rendering import load_form_layout
from tests.domain.test_rendering import (
    DIAGNOSIS_MARKER,
    MRN_MARKER,
    NOTES_MARKER,
    make_case,
    render_case,
)

COVER = CoverSheet(
    channel="fax",
    agency_name="Demo County Child Welfare Services",
    sent_to="+1 555 0101",
    sender_name="Demo Clinic",
    sender_phone="+1 555 0142",
    sent_on=date(2026, 12, 3),
    report_id="3f1c2a9e-0000-5000-8000-000000000001",
    form_title="SS 8572 Suspected Child Abuse Report",
)


def text_of(page: pypdf.PageObject) -> str:
    return re.sub(r"\s+", " ", page.extract_text())


@pytest.fixture(scope="module")
def pages() -> list[str]:
    report = render_case(load_form_layout("us-ca-ss8572"), make_case())
    pdf = paper_report_pdf(COVER, report.html)
    assert pdf.startswith(b"%PDF-")
    return [text_of(page) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def test_the_cover_sheet_names_the_agency_the_number_and_the_pages(pages: list[str]) -> None:
    cover = pages[0]
    assert "Demo County Child Welfare Services" in cover and "+1 555 0101" in cover
    assert re.search(rf"Pages, this sheet included {len(pages)}\b", cover)


def test_the_cover_sheet_carries_no_case_content(pages: list[str]) -> None:
    for content in ("Alex Sample", "Dr. Jordan Example", "HL-2026-000123", DIAGNOSIS_MARKER):
        assert content not in pages[0]


def test_the_form_behind_it_holds_the_limited_fields_and_none_withheld(pages: list[str]) -> None:
    form = " ".join(pages[1:])
    for shown in ("Suspected Child Abuse Report", "Alex Sample", "HL-2026-000123"):
        assert shown in form
    for withheld in (DIAGNOSIS_MARKER, NOTES_MARKER, MRN_MARKER):
        assert withheld not in " ".join(pages)
