"""Turning refusals into HTTP answers that name the field and the problem, never the value."""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from dutyflow.domain.validation import FieldProblem


def problems_response(problems: list[FieldProblem], status_code: int = 422) -> JSONResponse:
    return JSONResponse(
        status_code=status_code,
        content={
            "detail": "; ".join(str(p) for p in problems),
            "errors": [p.model_dump() for p in problems],
        },
    )


def _field_name(location: tuple[int | str, ...]) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path")]
    name = ""
    for part in parts:
        name += f"[{part}]" if part.isdigit() else (f".{part}" if name else part)
    return name or "body"


async def request_validation_handler(_request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's default echoes the submitted value; case content must not travel back in errors."""
    assert isinstance(exc, RequestValidationError)
    problems = [
        FieldProblem(field=_field_name(tuple(error["loc"])), problem=error["msg"])
        for error in exc.errors()
    ]
    return problems_response(problems)
