"""The receipt an agency's portal gives for a report entered into it, as the practitioner
attaches it: a PDF or an image (PNG, JPEG), known by its content, never by its name or by what
the browser claims, and no larger than `MAX_RECEIPT_BYTES`.

What is not here: storing it sealed with the case's key, auditing it and serving it to those who
may read the case (`dutyflow.store.portal_receipts`, the API)."""

from __future__ import annotations

from dataclasses import dataclass

from dutyflow.domain.validation import FieldProblem

# Under the API's limit on any request body (1 MiB, `dutyflow.api.body_limit`), with room for
# the form around it: a portal's receipt page saved as PDF or a screenshot fits.
MAX_RECEIPT_BYTES = 900 * 1024
RECEIPT_FIELD = "receipt"

# The first bytes of each kind of receipt taken, and its media type.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


@dataclass(frozen=True)
class CheckedReceipt:
    content: bytes
    media_type: str


def receipt_media_type(content: bytes) -> str | None:
    """The receipt's media type as its content shows it; None for anything else."""
    return next((media for magic, media in _SIGNATURES if content.startswith(magic)), None)


def receipt_problems(content: bytes) -> list[FieldProblem]:
    """What makes ``content`` no receipt Dutyflow keeps (never repeating the content)."""
    if not content:
        return [FieldProblem(field=RECEIPT_FIELD, problem="is empty")]
    if len(content) > MAX_RECEIPT_BYTES:
        return [
            FieldProblem(
                field=RECEIPT_FIELD,
                problem=f"is larger than {MAX_RECEIPT_BYTES // 1024} KiB",
            )
        ]
    if receipt_media_type(content) is None:
        return [FieldProblem(field=RECEIPT_FIELD, problem="must be a PDF, PNG or JPEG file")]
    return []
