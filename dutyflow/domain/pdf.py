"""A rendered report as a PDF: the clinic's confidential copy of exactly what was sent, and the
document a fax or a letter carries.

WeasyPrint lays out the report's own HTML (its styles are inline). Nothing is ever fetched while
rendering: a document that refers to a URL is refused rather than have the process that holds
case content reach out to the network.

WeasyPrint is imported on the first PDF, not with this module: it takes seconds to load, and the
worker and the API start without it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    import weasyprint
    from weasyprint.urls import URLFetcher


class PdfResourceRefused(ValueError):
    """The document refers to an outside resource (a stylesheet, an image, a font by URL)."""

    def __init__(self) -> None:
        # The URL itself is not repeated: a document's links are part of its content.
        super().__init__("a report's PDF is rendered from its own HTML only; no URL is fetched")


@cache
def _no_fetching() -> type[URLFetcher]:
    """WeasyPrint's URL fetcher, made to refuse every URL."""
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):
        def __init__(self) -> None:
            super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=True)

        def fetch(self, url: str, headers: Any = None) -> NoReturn:
            raise PdfResourceRefused

    return NoFetching


def _document(html: str) -> weasyprint.HTML:
    import weasyprint

    return weasyprint.HTML(string=html, url_fetcher=_no_fetching()(), base_url=None)


def pdf_from_html(html: str) -> bytes:
    """The PDF of ``html``. Deterministic for the same HTML, apart from the creation time that
    WeasyPrint writes into the document's metadata."""
    from weasyprint.urls import FatalURLFetchingError

    try:
        return bytes(_document(html).write_pdf())
    except FatalURLFetchingError as refused:
        raise PdfResourceRefused from refused


def pdf_with_cover(cover_for: Callable[[int], str], html: str) -> bytes:
    """The PDF of ``html`` behind a cover page: ``cover_for(total_pages)`` gives the cover's own
    HTML once the document's length (cover included) is known, as a fax cover sheet states it."""
    from weasyprint.urls import FatalURLFetchingError

    body = _rendered(html)
    cover = _rendered(cover_for(len(body.pages) + 1))
    try:
        return bytes(cover.copy(cover.pages[:1] + body.pages).write_pdf())
    except FatalURLFetchingError as refused:
        raise PdfResourceRefused from refused


def _rendered(html: str) -> weasyprint.Document:
    from weasyprint.urls import FatalURLFetchingError

    try:
        return _document(html).render()
    except FatalURLFetchingError as refused:
        raise PdfResourceRefused from refused
