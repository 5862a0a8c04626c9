"""The route class of every page: a page's dependency may answer in the page's stead.

A dependency that finds no session answers with the redirect to the sign-in page; one that finds
the wrong role, or a form without a valid CSRF token, answers with the refusal page. It raises
`AnswerInstead` with that answer, and `PageRoute` sends it. Any other error is left to the
application as usual. Every router that declares pages is
``APIRouter(route_class=PageRoute)`` (a test checks that every page answers through it).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute


class AnswerInstead(Exception):
    """The page is not shown: ``response`` (a redirect, a refusal) is the answer."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class PageRoute(APIRoute):
    """A page's route: answers with the `AnswerInstead` a dependency (or the page) raised."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except AnswerInstead as answer:
                return answer.response

        return page_handler
