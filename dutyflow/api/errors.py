"""How the API refuses: the one home of `Refusal` and of the answers that name the field and the
problem, never the submitted value.

- `Refusal`: raised by an endpoint; `dutyflow.api.app` answers it as ``{"detail": ...,
  "errors": [{"field", "problem"}]}`` with its status (422 bad input, 403 acting in another's
  name, 409 a case in the wrong state).
- `refusal_from` and `not_found_or`: Temporal's answers to an Update or a Query (the workflow's
  validator refused, the case is closed or unknown, Temporal is down) as the API's refusals.
- `problems_response` and `request_validation_handler`: the JSON answers themselves, for endpoints
  that answer directly and for FastAPI's own validation (whose default would echo the value).

Which caller may do what is not decided here (`dutyflow.auth`), nor which refusals are counted in
the metrics (`dutyflow.api.app`).
"""

from __future__ import annotations

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
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
