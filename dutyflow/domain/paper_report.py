"""The report as paper, for an agency reached by fax or by post: the official form (the report
already rendered from the recipient's limited fields only) behind a cover sheet.

The cover sheet carries no case content: who it is for (the agency and the number or address
it goes to), who sends it (the clinic), how many pages, Dutyflow's opaque report id so the
agency's answer can be matched, and a confidentiality notice. Nothing about the client, the
grounds or the people involved: a cover sheet is read by whoever stands at the fax machine.

What is not here: where the agency's fax number or postal address comes from (the agency
directory's channels) and recording that the paper was sent (the practitioner's step).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import jinja2
from pydantic import BaseModel, ConfigDict, Field

from dutyflow.domain.pdf import pdf_with_cover

PaperChannel = Literal["fax", "mail"]

_COVER = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cover sheet</title>
<style>
body { font-family: sans-serif; font-size: 12pt; margin: 2cm; }
h1 { font-size: 20pt; }
dt { font-weight: bold; margin-top: 0.6em; }
.notice { margin-top: 2em; border: 1px solid #000; padding: 0.8em; }
</style></head>
<body>
<h1>{{ "Fax cover sheet" if cover.channel == "fax" else "Cover letter" }}</h1>
<dl>
<dt>To</dt><dd>{{ cover.agency_name }}</dd>
<dt>{{ "Fax number" if cover.channel == "fax" else "Address" }}</dt><dd>{{ cover.sent_to }}</dd>
<dt>From</dt><dd>{{ cover.sender_name }}</dd>
{% if cover.sender_phone %}<dt>Sender's telephone</dt><dd>{{ cover.sender_phone }}</dd>{% endif %}
<dt>Date</dt><dd>{{ cover.sent_on.isoformat() }}</dd>
<dt>Pages, this sheet included</dt><dd>{{ pages }}</dd>
<dt>Dutyflow report id</dt><dd>{{ cover.report_id }}</dd>
<dt>Enclosed</dt><dd>{{ cover.form_title }}</dd>
</dl>
<p class="notice">Confidential. The pages that follow are meant only for the agency named above.
If they reached you by mistake, please telephone the sender and destroy them.</p>
</body></html>
"""
)


class CoverSheet(BaseModel):
    """What a cover sheet says: no case content (see the module's docstring)."""

    model_config = ConfigDict(extra="forbid")

    channel: PaperChannel
    agency_name: str = Field(min_length=1, max_length=200)
    sent_to: str = Field(min_length=1, max_length=300)
    sender_name: str = Field(min_length=1, max_length=200)
    sender_phone: str | None = Field(default=None, max_length=40)
    sent_on: date
    report_id: str = Field(min_length=1, max_length=64)
    form_title: str = Field(min_length=1, max_length=200)


def cover_sheet_html(cover: CoverSheet, pages: int) -> str:
    return _COVER.render(cover=cover, pages=pages)


def paper_report_pdf(cover: CoverSheet, report_html: str) -> bytes:
    """The cover sheet, then the official form as rendered for this recipient."""
    return pdf_with_cover(lambda pages: cover_sheet_html(cover, pages), report_html)
