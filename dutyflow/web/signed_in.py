"""The dependencies that say who is asking, checked before a page does anything.

- ``SignedIn(*roles)``: a page for the signed-in users of those roles (`PractitionerSession`,
  `SupervisorSession`, ...); no session answers with the sign-in page, another role with a 403.
- `Posted`: a form posted by a signed-in user, its CSRF token checked before anything else
  (before even asking who the user is); a bad token answers 403, no session the sign-in page.

Both answer through `dutyflow.web.routing.AnswerInstead`. Once the user is known, the page is
served in their clinic's time zone (`dutyflow.web.times.serve_in`). Who may do what to a case is
the API's to say, not these: they only keep pages for one role from another's eyes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from dutyflow.web import submitted
from dutyflow.web.api_client import ApiDep
from dutyflow.web.config import GuardDep, PagesDep, ZonesDep
from dutyflow.web.pages import redirect
from dutyflow.web.routing import AnswerInstead
from dutyflow.web.security import CSRF_FIELD, read_form, session_token
from dutyflow.web.session import WebSession, read_session
from dutyflow.web.times import serve_in

FORM_EXPIRED = (
    "This form has expired or did not come from this site. Go back, "
    "reload the page and send it again."
)


class SignedIn:
    """A page for the signed-in users of ``roles`` (of any role when none is named)."""

    def __init__(self, *roles: str) -> None:
        self.roles = roles

    async def __call__(
        self, request: Request, api: ApiDep, guard: GuardDep, pages: PagesDep, zones: ZonesDep
    ) -> WebSession:
        session = await read_session(api, session_token(request), guard)
        if session is None:
            raise AnswerInstead(redirect("/sign-in"))
        serve_in(zones.zone_of(session.clinic_id))
        if self.roles and session.role not in self.roles:
            raise AnswerInstead(pages.refused(session, "This page is not for your role.", 403))
        return session


AnySession = Annotated[WebSession, Depends(SignedIn())]
PractitionerSession = Annotated[WebSession, Depends(SignedIn("practitioner"))]
SupervisorSession = Annotated[WebSession, Depends(SignedIn("supervisor"))]
ComplianceSession = Annotated[WebSession, Depends(SignedIn("compliance"))]
AgencySession = Annotated[WebSession, Depends(SignedIn("agency"))]


@dataclass(frozen=True)
class PostedForm:
    """A form a signed-in user posted with a valid CSRF token: who, and the fields by name."""

    session: WebSession
    fields: dict[str, list[str]]

    def value(self, name: str) -> str:
        return submitted.first_value(self.fields, name)

    def optional(self, name: str) -> str | None:
        return submitted.optional_value(self.fields, name)

    def instant(self, name: str) -> str | None:
        return submitted.instant_value(self.fields, name)

    def chosen(self, name: str) -> list[str]:
        return submitted.chosen_values(self.fields, name)


async def posted_form(
    request: Request, api: ApiDep, guard: GuardDep, pages: PagesDep, zones: ZonesDep
) -> PostedForm:
    fields = await read_form(request)
    token = session_token(request)
    if not guard.valid(token, submitted.first_value(fields, CSRF_FIELD)):
        raise AnswerInstead(pages.refused(None, FORM_EXPIRED, 403))
    session = await read_session(api, token, guard)
    if session is None:
        raise AnswerInstead(redirect("/sign-in"))
    serve_in(zones.zone_of(session.clinic_id))
    return PostedForm(session, fields)


Posted = Annotated[PostedForm, Depends(posted_form)]
