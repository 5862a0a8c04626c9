"""Every persona's task inbox (``/app/tasks``): what is due from me, overdue, escalated to me,
awaiting my decision, and what I met, as the API's ``GET /me/tasks`` answers; and the part of the
supervisor's and compliance officer's start pages that leads with what is escalated to them."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import APIRouter
from fastapi.responses import Response

from dutyflow.web.api_client import ApiDep
from dutyflow.web.config import PagesDep
from dutyflow.web.routing import PageRoute
from dutyflow.web.signed_in import AnySession

router = APIRouter(route_class=PageRoute)

CATEGORY_WORDS = {
    "overdue": "Overdue",
    "due-soon": "Due soon",
    "escalated-to-me": "Escalated to you",
    "awaiting-my-decision": "Awaiting your decision",
    "delivery": "A report to deliver",
    "met": "Met",
}


async def my_tasks(api: httpx.AsyncClient) -> list[dict[str, Any]]:
    answer = await api.get("/me/tasks")
    tasks: list[dict[str, Any]] = answer.json() if answer.status_code == 200 else []
    return tasks


async def escalated_to_me(api: httpx.AsyncClient) -> list[dict[str, Any]]:
    """What a start page leads with: the open duties whose escalation reached this person."""
    return [t for t in await my_tasks(api) if t["category"] == "escalated-to-me"]


@router.get("/tasks")
async def tasks_page(session: AnySession, api: ApiDep, pages: PagesDep) -> Response:
    return pages.render(
        "tasks.html.j2",
        session,
        title="My tasks",
        tasks=await my_tasks(api),
        words=CATEGORY_WORDS,
    )
