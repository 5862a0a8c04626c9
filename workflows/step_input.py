"""A clinician step's input as an Update brings it: taken as its model (`received`), or refused
with a reason the API passes on (`invalid_input` names the fields, `wrong_stage` the stage,
`refuse_another_practitioner` the actor). Never the submitted value: messages carry field names.

The Update handlers themselves live in the step modules (`clinician_steps`,
`decisions_and_contacts`, `supervision_steps`, `delivery`).
"""

from __future__ import annotations

from typing import Any, TypeVar

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from pydantic import BaseModel

    from dutyflow.contracts import Actor, Stage
    from dutyflow.domain.validation import FieldProblem, describe

Received = TypeVar("Received", bound=BaseModel)


def received(model: type[Received], value: Received | dict[str, Any]) -> Received:
    """An Update's first argument as its model. The SDK decodes arguments with their type hints
    only when every parameter was sent (temporalio/sdk-python#360): a call from before the
    optional ``actor`` existed (and its history, replayed) brings the first one as plain JSON.

    Kept for those histories and callers (`dutyflow bench` still sends no actor); the replay
    test's ``us-ca-child-abuse-steps-sent-without-an-actor`` history runs through it."""
    return model.model_validate(value)


def invalid_input(problems: list[FieldProblem]) -> ApplicationError:
    return ApplicationError(
        describe(problems),
        [p.model_dump() for p in problems],
        type="InvalidInput",
        non_retryable=True,
    )


def wrong_stage(step: str, stage: Stage) -> ApplicationError:
    return ApplicationError(
        f"{step}: not possible while the case is {stage.value}",
        type="InvalidState",
        non_retryable=True,
    )


def refuse_another_practitioner(actor: Actor | None, practitioner: Actor) -> None:
    """The API lets only the case's practitioner or a supervisor of its clinic act on it;
    should another practitioner ever be named, the step is refused, never recorded. No actor:
    a caller from before it was passed, taken to be the case's practitioner."""
    if actor is None:
        return
    if actor.role not in ("practitioner", "supervisor") or (
        actor.role == "practitioner" and actor.actor_id != practitioner.actor_id
    ):
        raise invalid_input(
            [
                FieldProblem(
                    field="actor",
                    problem="only the case's practitioner or a supervisor may take this step",
                )
            ]
        )
