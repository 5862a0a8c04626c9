"""Every activity attempt is on the record: its start, and its completion or failure.

An activity that only records rows (`DATABASE_ONLY_ACTIVITIES`) has its start written in the
transaction of its first step, before that step's entry: its start is on record exactly when its
first effect is, and costs no transaction of its own. A step that ends such an attempt (only the
activity's ``return`` follows it) has the attempt's completion written after it, in its own
transaction. Any other activity (delivery, e-mail, fax, messages) has its start on record before
its body runs at all."""

from __future__ import annotations

import ast
import asyncio
import dataclasses
import importlib
import inspect
import pkgutil
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from temporalio import activity
from temporalio.testing import ActivityEnvironment
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput

import activities
from dutyflow.contracts import SYSTEM
from dutyflow.runtime.activity_audit import DATABASE_ONLY_ACTIVITIES, ActivityAuditInterceptor
from dutyflow.store import audit_log
from dutyflow.store.db import SessionFactory
from dutyflow.store.steps import record_step


class _RunsTheBody(ActivityInboundInterceptor):
    """Runs a synchronous activity body as the worker does: in a thread, with the attempt's
    context."""

    def __init__(self) -> None:
        pass

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        return await asyncio.to_thread(input.fn)


async def attempt(
    sessions: SessionFactory, activity_type: str, body: Callable[[], None], case_id: str
) -> None:
    """One attempt of ``activity_type`` (running ``body``) through the audit interceptor."""
    environment = ActivityEnvironment()
    environment.info = dataclasses.replace(
        ActivityEnvironment.default_info(),
        activity_type=activity_type,
        activity_id="1",
        workflow_id=case_id,
    )
    audited = ActivityAuditInterceptor(sessions).intercept_activity(_RunsTheBody())

    async def run() -> None:
        await audited.execute_activity(ExecuteActivityInput(body, [], None, {}))

    await environment.run(run)


def one_step(
    sessions: SessionFactory,
    case_id: str,
    name: str,
    write: Any = None,
    *,
    ends_attempt: bool = False,
) -> None:
    record_step(
        sessions,
        case_id=case_id,
        step=name,
        actor=SYSTEM,
        content_sha256="ab" * 32,
        details={},
        write=write,
        ends_attempt=ends_attempt,
    )


def steps_on_record(sessions: SessionFactory, case_id: str) -> list[str]:
    with sessions() as session:
        return [e.step for e in audit_log.entries_for_case(session, case_id)]


async def test_a_database_only_attempt_writes_its_start_with_its_first_step(
    sessions: SessionFactory,
) -> None:
    case_id = f"case-{uuid.uuid4().hex}"
    seen_before_the_first_step: list[list[str]] = []

    def body() -> None:
        seen_before_the_first_step.append(steps_on_record(sessions, case_id))
        one_step(sessions, case_id, "grounds-documented")
        one_step(sessions, case_id, "second-step")

    await attempt(sessions, "record_grounds", body, case_id)

    assert seen_before_the_first_step == [[]]
    assert steps_on_record(sessions, case_id) == [
        "activity-started",
        "grounds-documented",
        "second-step",
        "activity-completed",
    ]


async def test_a_first_step_that_fails_takes_the_start_back_with_it_and_the_failure_has_both(
    sessions: SessionFactory,
) -> None:
    case_id = f"case-{uuid.uuid4().hex}"
    seen_after_the_failed_step: list[list[str]] = []

    def fails(_session: object) -> None:
        raise RuntimeError("the step's rows could not be written")

    def body() -> None:
        try:
            one_step(sessions, case_id, "grounds-documented", write=fails)
        finally:
            seen_after_the_failed_step.append(steps_on_record(sessions, case_id))

    with pytest.raises(RuntimeError):
        await attempt(sessions, "record_grounds", body, case_id)

    assert seen_after_the_failed_step == [[]]  # nothing half written, the start included
    with sessions() as session:
        entries = audit_log.entries_for_case(session, case_id)
    assert [e.step for e in entries] == ["activity-started", "activity-failed"]
    assert entries[1].details["error_type"] == "RuntimeError"


async def test_an_attempt_that_records_no_step_has_its_start_written_with_its_end(
    sessions: SessionFactory,
) -> None:
    case_id = f"case-{uuid.uuid4().hex}"
    await attempt(sessions, "determine_obligations", lambda: None, case_id)
    assert steps_on_record(sessions, case_id) == ["activity-started", "activity-completed"]


async def test_a_step_that_ends_its_attempt_has_the_completion_committed_with_it(
    sessions: SessionFactory,
) -> None:
    case_id = f"case-{uuid.uuid4().hex}"
    seen_after_the_step: list[list[str]] = []

    def body() -> None:
        one_step(sessions, case_id, "report-confirmed", ends_attempt=True)
        seen_after_the_step.append(steps_on_record(sessions, case_id))

    await attempt(sessions, "record_confirmation", body, case_id)

    whole = ["activity-started", "report-confirmed", "activity-completed"]
    assert seen_after_the_step == [whole]  # on record before the body even returned
    assert steps_on_record(sessions, case_id) == whole  # and not written a second time


async def test_a_retry_whose_step_is_already_recorded_still_records_its_own_start_and_end(
    sessions: SessionFactory,
) -> None:
    case_id = f"case-{uuid.uuid4().hex}"
    one_step(sessions, case_id, "report-confirmed")  # an earlier attempt's, before it crashed

    await attempt(
        sessions,
        "record_confirmation",
        lambda: one_step(sessions, case_id, "report-confirmed", ends_attempt=True),
        case_id,
    )

    assert steps_on_record(sessions, case_id) == [
        "report-confirmed",
        "activity-started",
        "activity-completed",
    ]


async def test_no_step_may_follow_the_one_that_ended_its_attempt(
    sessions: SessionFactory,
) -> None:
    case_id = f"case-{uuid.uuid4().hex}"

    def body() -> None:
        one_step(sessions, case_id, "report-confirmed", ends_attempt=True)
        one_step(sessions, case_id, "a-step-too-many")

    with pytest.raises(RuntimeError):
        await attempt(sessions, "record_confirmation", body, case_id)

    # The failure is on record after the completion, as it happened; the step too many is not.
    assert steps_on_record(sessions, case_id) == [
        "activity-started",
        "report-confirmed",
        "activity-completed",
        "activity-failed",
    ]


async def test_an_ending_step_outside_an_audited_attempt_is_only_a_step(
    sessions: SessionFactory,
) -> None:
    case_id = f"case-{uuid.uuid4().hex}"
    one_step(sessions, case_id, "report-confirmed", ends_attempt=True)
    assert steps_on_record(sessions, case_id) == ["report-confirmed"]


async def test_an_activity_that_reaches_the_world_has_its_start_on_record_before_its_body(
    sessions: SessionFactory,
) -> None:
    case_id = f"case-{uuid.uuid4().hex}"
    seen_by_the_body: list[list[str]] = []

    def body() -> None:
        seen_by_the_body.append(steps_on_record(sessions, case_id))
        one_step(sessions, case_id, "report-delivered")

    await attempt(sessions, "deliver_report", body, case_id)

    assert seen_by_the_body == [["activity-started"]]
    assert steps_on_record(sessions, case_id) == [
        "activity-started",
        "report-delivered",
        "activity-completed",
    ]


def every_activity() -> dict[str, tuple[type, Callable[..., Any]]]:
    """Every activity Dutyflow defines, by name, with its class, from the `activities` package."""
    found = {}
    for module_info in pkgutil.iter_modules(activities.__path__):
        module = importlib.import_module(f"activities.{module_info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            for _, method in inspect.getmembers(cls, inspect.isfunction):
                definition = activity._Definition.from_callable(method)
                if definition is not None and definition.name:
                    found[definition.name] = (cls, method)
    return found


# What an activity that only records rows may hold: the database, and the reference data it
# decides with. An HTTP client, a mail transport or a fax provider's client is not among them.
DATABASE_AND_REFERENCE_DATA = {
    "_sessions",  # the database
    "_policies",  # policy versions (files)
    "_directory",  # the agency directory (a file)
    "_follow_up",  # a duration
    "_fax_provider",  # whether a fax provider is configured (a flag)
}


def what_it_holds(cls: type, method: Callable[..., Any]) -> set[str]:
    """The attributes of its object that ``method`` reads, through the object's own methods."""
    held: set[str] = set()
    seen: set[str] = set()
    to_read = [method]
    while to_read:
        source = inspect.getsource(to_read.pop())
        for name in set(re.findall(r"self\.(\w+)", source)) - seen:
            seen.add(name)
            helper = getattr(cls, name, None)
            if inspect.isfunction(helper):
                to_read.append(helper)
            else:
                held.add(name)
    return held


def test_every_database_only_activity_is_synchronous_and_holds_only_the_database() -> None:
    defined = every_activity()
    assert defined.keys() >= DATABASE_ONLY_ACTIVITIES  # no name there that is not an activity
    for name in sorted(DATABASE_ONLY_ACTIVITIES):
        cls, method = defined[name]
        assert not inspect.iscoroutinefunction(method), name
        assert what_it_holds(cls, method) <= DATABASE_AND_REFERENCE_DATA, name


def test_the_activities_that_reach_the_world_keep_their_start_before_their_body() -> None:
    reaching = {
        name for name, (cls, fn) in every_activity().items() if name not in DATABASE_ONLY_ACTIVITIES
    }
    assert reaching == {"deliver_report", "email_report", "fax_report", "notify_escalation"}


def _is_record_step(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and (
        getattr(node.func, "id", None) == "record_step"
        or getattr(node.func, "attr", None) == "record_step"
    )


def _ends_attempt(node: ast.AST) -> bool:
    return _is_record_step(node) and any(
        k.arg == "ends_attempt" and isinstance(k.value, ast.Constant) and k.value.value is True
        for k in node.keywords  # type: ignore[attr-defined]
    )


def _calls_method(name: str) -> Callable[[ast.AST], bool]:
    def calls(node: ast.AST) -> bool:
        return isinstance(node, ast.Call) and getattr(node.func, "attr", None) == name

    return calls


def _activity_name(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    for decorator in function.decorator_list:
        if isinstance(decorator, ast.Call) and getattr(decorator.func, "attr", None) == "defn":
            for keyword in decorator.keywords:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
    return None


def _what_follows(
    function: ast.FunctionDef | ast.AsyncFunctionDef, matches: Callable[[ast.AST], bool]
) -> list[str]:
    """For each statement of ``function`` holding a matching call: what runs after it, in its
    own block: "return" (a lone return), "end" (nothing: the function ends), or "more"."""
    found = []
    for node in ast.walk(function):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if not isinstance(block, list):
                continue
            for index, statement in enumerate(block):
                if hasattr(statement, "body"):
                    continue  # a block of its own (if, with, a nested def): looked into apart
                if not any(matches(n) for n in ast.walk(statement)):
                    continue
                after = block[index + 1 :]
                if not after and node is function:
                    found.append("end")
                elif len(after) == 1 and isinstance(after[0], ast.Return):
                    found.append("return")
                else:
                    found.append("more")
    return found


def test_a_step_that_ends_its_attempt_is_followed_only_by_its_activitys_return() -> None:
    """Its completion is written with it: nothing that could still fail, or reach the world,
    may come after it, and only a database-only activity may end with a step. A helper method
    may record the ending step as its last statement, if every activity calling it returns
    right after."""
    functions = [
        function
        for path in sorted(Path(activities.__path__[0]).glob("*.py"))
        for function in ast.walk(ast.parse(path.read_text()))
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    ending: list[str] = []
    for function in functions:
        if not any(_ends_attempt(node) for node in ast.walk(function)):
            continue
        name = _activity_name(function)
        assert sum(_is_record_step(node) for node in ast.walk(function)) == 1, function.name
        if name is not None:  # the activity itself
            assert name in DATABASE_ONLY_ACTIVITIES, name
            assert _what_follows(function, _ends_attempt) == ["return"], name
            ending.append(name)
            continue
        assert _what_follows(function, _ends_attempt) in (["end"], ["return"]), function.name
        callers = [
            (caller, _what_follows(caller, _calls_method(function.name)))
            for caller in functions
            if any(_calls_method(function.name)(node) for node in ast.walk(caller))
        ]
        assert callers, function.name
        for caller, follows in callers:
            assert _activity_name(caller) in DATABASE_ONLY_ACTIVITIES, (function.name, caller.name)
            assert follows == ["return"], (function.name, caller.name)
            ending.append(str(_activity_name(caller)))
    # The check found what it checks: an activity ending itself, and one ending in a helper.
    assert {"record_confirmation", "limit_disclosure", "determine_obligations"} <= set(ending)
