"""A report's PDF holds what the report shows, and nothing it withholds."""

from __future__ import annotations

import io
import re

import pypdf
import pytest

from dutyflow.domain.pdf import PdfResourceRefused, pdf_from_html
from dutyflow.domain.rendering import layout_paths, load_form_layout
from tests.domain.test_rendering import (
    DIAGNOSIS_MARKER,
    MRN_MARKER,
    NOTES_MARKER,
    make_case,
    render_case,
)


def pdf_text(pdf: bytes) -> str:
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))


@pytest.fixture(scope="module")
def ss8572_pdf_text() -> str:
    layout = load_form_layout("us-ca-ss8572")
    assert layout_paths(layout), "the layout has fields to print"
    report = render_case(layout, make_case())
    pdf = pdf_from_html(report.html)
    assert pdf.startswith(b"%PDF-")
    return pdf_text(pdf)


def test_the_pdf_carries_the_reports_fields(ss8572_pdf_text: str) -> None:
    for shown in (
        "Suspected Child Abuse Report",
        "Alex Sample",
        "Dr. Jordan Example",
        "HL-2026-000123",
    ):
        assert shown in ss8572_pdf_text


def test_the_pdf_carries_no_withheld_field(ss8572_pdf_text: str) -> None:
    for withheld in (DIAGNOSIS_MARKER, NOTES_MARKER, MRN_MARKER):
        assert withheld not in ss8572_pdf_text


def test_a_document_that_refers_to_a_url_is_refused_not_fetched() -> None:
    with pytest.raises(PdfResourceRefused):
        pdf_from_html('<link rel="stylesheet" href="http://example.invalid/x.css"><p>x</p>')
