"""A ``multipart/form-data`` body, the one kind of form that carries a file (the portal's
receipt): its text fields by name, and its files by name. Parsed with the standard library's
MIME parser; the API's limit on every request body (`dutyflow.api.body_limit`) bounds it.

What is not here: the CSRF check and who is signed in (`dutyflow.web.signed_in`, which reads the
text fields of either kind of form), what a file may be (the API decides)."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP

from fastapi import Request

MULTIPART = "multipart/form-data"


@dataclass(frozen=True)
class MultipartForm:
    fields: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)


def is_multipart(request: Request) -> bool:
    content_type = request.headers.get("content-type", "")
    return content_type.split(";")[0].strip().lower() == MULTIPART


async def read_multipart(request: Request) -> MultipartForm:
    """The form's text fields and files; an empty form if the body is not multipart."""
    if not is_multipart(request):
        return MultipartForm()
    body = await request.body()
    header = request.headers["content-type"].encode("latin-1")
    parsed = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + header + b"\r\n\r\n" + body)
    form = MultipartForm()
    if not parsed.is_multipart():
        return form
    for part in parsed.iter_parts():  # type: ignore[attr-defined]  # an EmailMessage
        _add_part(form, part)
    return form


def _add_part(form: MultipartForm, part: Message) -> None:
    name = part.get_param("name", header="content-disposition")
    if not isinstance(name, str):
        return
    content = part.get_payload(decode=True)
    if not isinstance(content, bytes):
        return
    if part.get_param("filename", header="content-disposition") is not None:
        form.files[name] = content
    else:
        form.fields.setdefault(name, []).append(content.decode("utf-8", errors="replace"))
