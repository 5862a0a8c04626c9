"""How the API refuses: the one home of `Refusal` and of the answers that name the field and the
problem, never the submitted value.

- `Refusal`: raised by an endpoint; `dutyflow.api.app` answers it as RFC 9457 problem details
  (``application/problem+json``: type, title, status, detail, instance, and ``errors`` naming
  each field and its problem) with its status (422 bad input, 403 acting in another's name, 409
  a case in the wrong state). Every `HTTPException` is answered the same way
  (`http_problem_handler`), and `PROBLEM_RESPONSES` documents them on every operation.
- `refusal_from` and `not_found_or`: Temporal's answers to an Update or a Query (the workflow's
  validator refused, the case is closed or unknown, Temporal is down) as the API's refusals.
- `problems_response` and `request_validation_handler`: the JSON answers themselves, for endpoints
  that answer directly and for FastAPI's own validation (whose default would echo the value).

Which caller may do what is not decided here (`dutyflow.auth`), nor which refusals are counted in
the metrics (`dutyflow.api.app`).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from dutyflow.auth.case_access import NO_SUCH_CASE
from dutyflow.domain.validation import FieldProblem


class Refusal(Exception):
    """A request refused, with the fields and the problems named (never the values)."""

    def __init__(self, problems: list[FieldProblem], status_code: int = 422) -> None:
        self.problems = problems
        self.status_code = status_code


def field_refusal(field: str, problem: str, status_code: int = 422) -> Refusal:
    """A refusal of one field."""
    return Refusal([FieldProblem(field=field, problem=problem)], status_code=status_code)


def refusal_from(err: WorkflowUpdateFailedError) -> Refusal:
    """The case workflow's refusal of an Update: its validator's field problems (422), a step
    the case's stage does not take (409), or another refusal of the workflow's (422)."""
    cause = err.cause
    if isinstance(cause, ApplicationError):
        if cause.type == "InvalidInput" and cause.details:
            return Refusal([FieldProblem.model_validate(p) for p in cause.details[0]])
        if cause.type == "InvalidState":
            return field_refusal("case", cause.message, 409)
        return field_refusal("case", cause.message)
    return field_refusal("body", "could not be read by the case workflow")


def not_found_or(err: Exception) -> Refusal | HTTPException:
    """Temporal's error on a case's workflow: closed (409), unknown (404), or Temporal is
    unavailable (503), also when it did not answer in time."""
    if not isinstance(err, RPCError):
        return HTTPException(
            status_code=503, detail="the workflow service is unavailable; try again"
        )
    if err.status == RPCStatusCode.NOT_FOUND and "completed" in err.message:
        return field_refusal("case", "the case is closed", 409)
    if err.status == RPCStatusCode.NOT_FOUND:
        return HTTPException(status_code=404, detail=NO_SUCH_CASE)
    return HTTPException(status_code=503, detail="the workflow service is unavailable; try again")


PROBLEM_JSON = "application/problem+json"
# RFC 9110's names where Python's older phrases differ.
TITLES = {413: "Content Too Large", 422: "Unprocessable Content"}


class FieldError(BaseModel):
    field: str
    problem: str


class Problem(BaseModel):
    """An error answer as RFC 9457 problem details, with the fields named (never their values)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] = []


def problem_response(
    status_code: int,
    detail: str,
    *,
    problems: list[FieldProblem] | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """RFC 9457 problem details (``application/problem+json``): ``type`` about:blank (the
    status says what kind of problem), ``title`` the status's phrase, ``detail`` in words a
    person can act on, ``instance`` the path asked, ``errors`` the fields named."""
    problem = Problem(
        title=TITLES.get(status_code) or HTTPStatus(status_code).phrase,
        status=status_code,
        detail=detail,
        instance=instance,
        errors=[FieldError(field=p.field, problem=p.problem) for p in problems or []],
    )
    content = problem.model_dump(exclude_none=True)
    if not problem.errors:
        del content["errors"]  # no field to name: the detail says it all
    return JSONResponse(
        content,
        status_code=status_code,
        headers=headers,
        media_type=PROBLEM_JSON,
    )


def problems_response(
    problems: list[FieldProblem], status_code: int = 422, instance: str | None = None
) -> JSONResponse:
    return problem_response(
        status_code,
        "; ".join(str(p) for p in problems),
        problems=problems,
        instance=instance,
    )


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "model": Problem,
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for status, description in (
        (401, "No valid bearer token (or session)"),
        (403, "The caller's role may never do this, or a field names someone else"),
        (404, "Unknown, or not the caller's: both answer alike"),
        (422, "Input refused: each field named with its problem, never its value"),
    )
}


async def http_problem_handler(request: Request, exc: Exception) -> JSONResponse:
    """Every `HTTPException` (404, 401, 403, 503...) as problem details; its headers (a
    challenge, Retry-After) kept."""
    assert isinstance(exc, StarletteHTTPException)
    detail: Any = exc.detail
    problems = None
    if isinstance(detail, list):  # an endpoint's own field problems
        problems = [FieldProblem.model_validate(item) for item in detail]
        detail = "; ".join(str(p) for p in problems)
    return problem_response(
        exc.status_code,
        str(detail),
        problems=problems,
        instance=request.url.path,
        headers=dict(exc.headers or {}),
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
