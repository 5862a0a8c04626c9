"""How the case workflow runs its activities: the timeouts and retry policies of a recording step
and of a delivery, passed by typed helpers (`record`, `deliver`) as explicit keywords, so the
type checker matches each activity's argument and result against the SDK's overloads.

What each step does, and when, lives in the workflow and its step modules, not here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

SelfType = TypeVar("SelfType")
ParamType = TypeVar("ParamType")
ReturnType = TypeVar("ReturnType")

# Business refusals: trying again changes nothing, so the step fails at once with its reason.
NOT_RETRYABLE = [
    "InvalidInput",
    "RecipientNotAuthorised",
    "AgencyRefusedReport",
    "NoAgencyForRecipient",
    "ReportNotReady",
    "AgencySecretMissing",
    "NoPolicyError",
    "CaseNotFound",
    "ProtectedDataError",
    "OutsideScopeError",
]


@dataclass(frozen=True)
class ActivityOptions:
    """How long one attempt may take, how often it must show it is alive, how it is retried."""

    start_to_close_timeout: timedelta
    retry_policy: RetryPolicy
    heartbeat_timeout: timedelta | None = None


# A step that writes its record and audit entry in the database (idempotent: a retried attempt
# finds its own entry).
RECORDING = ActivityOptions(
    start_to_close_timeout=timedelta(seconds=30),
    retry_policy=RetryPolicy(
        initial_interval=timedelta(seconds=1),
        maximum_interval=timedelta(seconds=30),
        non_retryable_error_types=NOT_RETRYABLE,
    ),
)

# Sending a report to an agency's intake: heartbeats while it waits on the agency, and backs off
# for as long as the agency is away (the deadline's escalation tells people meanwhile).
DELIVERING = ActivityOptions(
    start_to_close_timeout=timedelta(seconds=60),
    heartbeat_timeout=timedelta(seconds=10),
    retry_policy=RetryPolicy(
        initial_interval=timedelta(seconds=2),
        backoff_coefficient=2.0,
        maximum_interval=timedelta(minutes=10),
        non_retryable_error_types=NOT_RETRYABLE,
    ),
)


async def record(
    activity: Callable[[SelfType, ParamType], ReturnType], arg: ParamType
) -> ReturnType:
    """Run a recording activity (a method of one of the worker's activity classes, run on its
    thread pool) with the `RECORDING` options."""
    return await workflow.execute_activity_method(
        activity,
        arg,
        start_to_close_timeout=RECORDING.start_to_close_timeout,
        heartbeat_timeout=RECORDING.heartbeat_timeout,
        retry_policy=RECORDING.retry_policy,
    )


async def deliver(
    activity: Callable[[SelfType, ParamType], Awaitable[ReturnType]], arg: ParamType
) -> ReturnType:
    """Run a delivery activity (an ``async`` method) with the `DELIVERING` options."""
    return await workflow.execute_activity_method(
        activity,
        arg,
        start_to_close_timeout=DELIVERING.start_to_close_timeout,
        heartbeat_timeout=DELIVERING.heartbeat_timeout,
        retry_policy=DELIVERING.retry_policy,
    )


# Telling the people at an escalation step by e-mail: heartbeats while the mail server answers
# (a killed worker's step is retried within seconds), and gives up after about an hour of a mail
# server that does not answer, so that the ladder's next steps are not held back.
NOTIFYING = ActivityOptions(
    start_to_close_timeout=timedelta(minutes=5),
    heartbeat_timeout=timedelta(seconds=10),
    retry_policy=RetryPolicy(
        initial_interval=timedelta(seconds=2),
        backoff_coefficient=2.0,
        maximum_interval=timedelta(minutes=10),
        maximum_attempts=12,
        non_retryable_error_types=NOT_RETRYABLE,
    ),
)


async def notify(
    activity: Callable[[SelfType, ParamType], Awaitable[ReturnType]], arg: ParamType
) -> ReturnType:
    """Run a notifying activity (an ``async`` method) with the `NOTIFYING` options."""
    return await workflow.execute_activity_method(
        activity,
        arg,
        start_to_close_timeout=NOTIFYING.start_to_close_timeout,
        heartbeat_timeout=NOTIFYING.heartbeat_timeout,
        retry_policy=NOTIFYING.retry_policy,
    )
