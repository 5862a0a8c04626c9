"""Fingerprints of rendered report documents.

A report travels as an HTML rendering and a plain-text rendering of the same form. Sender and
receiver fingerprint the pair identically, so the receiver can tell a faithfully delivered
document from one altered (or truncated) on the way.
"""

from __future__ import annotations

import hashlib


def document_sha256(html: str, text: str) -> str:
    """Hex SHA-256 of the UTF-8 HTML, a NUL separator, and the UTF-8 text, in that order."""
    return hashlib.sha256(html.encode("utf-8") + b"\x00" + text.encode("utf-8")).hexdigest()
