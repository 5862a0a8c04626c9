"""Signing in and out, the account page (with the notification preferences' form and its test
message), the outbox of the development stack's local mail sink, and ``/app/`` itself (each
role's home).

Signing in checks the password (`dutyflow.auth.store.sign_in`) and sets the API token it issues
as the session cookie (`dutyflow.web.security`); the sign-in form, before there is a session, is
protected by a CSRF token made from a random pre-session cookie. Signing out revokes the token.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from dutyflow.auth.account_setup import redeem_setup_code
from dutyflow.auth.store import AccountRefused, parse_token, revoke_token, sign_in
from dutyflow.auth.throttle import SignInThrottle
from dutyflow.contracts import Actor
from dutyflow.store.db import SessionFactory
from dutyflow.web import submitted
from dutyflow.web.api_client import ApiDep
from dutyflow.web.config import DatabaseDep, GuardDep, PagesDep
from dutyflow.web.pages import Pages, redirect
from dutyflow.web.refusals import FormState, problems_of, state_from
from dutyflow.web.routing import PageRoute
from dutyflow.web.security import (
    CSRF_FIELD,
    PRESESSION_COOKIE,
    CsrfGuard,
    clear_session,
    keep_presession,
    presession,
    read_form,
    set_session,
)
from dutyflow.web.session import WebSession
from dutyflow.web.signed_in import AnySession, Posted

HOME_BY_ROLE = {
    "practitioner": "/cases",
    "supervisor": "/supervision",
    "compliance": "/compliance",
    "agency": "/agency",
    "admin": "/account",
}
WRONG_CREDENTIALS = (
    "The user id or the password is not right, or the account is "
    "disabled. Check both and try again."
)

router = APIRouter(route_class=PageRoute)


@router.get("/")
async def home(session: AnySession) -> Response:
    return redirect(HOME_BY_ROLE.get(session.role, "/account"))


def sign_in_page(
    request: Request, pages: Pages, guard: CsrfGuard, state: FormState, status_code: int = 200
) -> HTMLResponse:
    """The sign-in form, its CSRF token made from the pre-session cookie (set if new)."""
    value, new = presession(request)
    response = pages.render(
        "sign_in.html.j2",
        None,
        status_code=status_code,
        title="Sign in",
        state=state,
        signin_csrf=guard.token_for("signin:" + value),
    )
    if new:
        keep_presession(response, request, value)
    return response


def sign_in_throttle(request: Request, database: SessionFactory) -> SignInThrottle:
    """The sign-in throttle (`dutyflow.auth.throttle`): its counts are in the database, shared
    by every API process. Made on first use, unless the app was given one."""
    throttle = getattr(request.app.state, "sign_in_throttle", None)
    if throttle is None:
        throttle = request.app.state.sign_in_throttle = SignInThrottle(database)
    return throttle


@router.get("/sign-in")
async def sign_in_form(request: Request, pages: PagesDep, guard: GuardDep) -> Response:
    return sign_in_page(request, pages, guard, FormState())


@router.post("/sign-in")
async def sign_in_submit(
    request: Request, pages: PagesDep, guard: GuardDep, database: DatabaseDep
) -> Response:
    form = await read_form(request)
    pre = request.cookies.get(PRESESSION_COOKIE)
    if not guard.valid("signin:" + pre if pre else None, submitted.first_value(form, CSRF_FIELD)):
        return pages.refused(
            None, "This sign-in form has expired. Reload the page and sign in again.", 403
        )
    user_id, password = submitted.first_value(form, "user_id"), (form.get("password") or [""])[0]
    state = FormState(values={"user_id": [user_id]})
    if not user_id:
        state.errors["user_id"] = ["Enter your user id."]
    if not password:
        state.errors["password"] = ["Enter your password."]
    if state.errors:
        return sign_in_page(request, pages, guard, state, 422)
    throttle = sign_in_throttle(request, database)
    address = request.client.host if request.client else "unknown"
    wait = await run_in_threadpool(throttle.wait_seconds, user_id, address)
    if wait:
        # Refused before any password is checked, whether or not it would have been right.
        state.general.append(
            f"Too many failed sign-ins for this account or from this address. Try again in "
            f"{(wait + 59) // 60} minutes."
        )
        locked = sign_in_page(request, pages, guard, state, 429)
        locked.headers["Retry-After"] = str(wait)
        return locked
    signed = await run_in_threadpool(sign_in, database, user_id, password)
    if signed is None:
        await run_in_threadpool(throttle.failed, user_id, address)
        state.general.append(WRONG_CREDENTIALS)
        return sign_in_page(request, pages, guard, state, 401)
    await run_in_threadpool(throttle.succeeded, user_id)
    principal, token = signed
    response = redirect(HOME_BY_ROLE.get(principal.role, "/account"))
    set_session(response, request, token)
    return response


def set_up_page(
    request: Request, pages: Pages, guard: CsrfGuard, state: FormState, status_code: int = 200
) -> HTMLResponse:
    """The set-up form (`dutyflow.auth.account_setup`), protected like the sign-in form."""
    value, new = presession(request)
    response = pages.render(
        "set_up.html.j2",
        None,
        status_code=status_code,
        title="Set up your account",
        state=state,
        signin_csrf=guard.token_for("setup:" + value),
    )
    if new:
        keep_presession(response, request, value)
    return response


@router.get("/set-up")
async def set_up_form(request: Request, pages: PagesDep, guard: GuardDep) -> Response:
    return set_up_page(request, pages, guard, FormState())


@router.post("/set-up")
async def set_up_submit(
    request: Request, pages: PagesDep, guard: GuardDep, database: DatabaseDep
) -> Response:
    """Set the password with the one-time code; then the user signs in with it. The code and
    the password are never shown back."""
    form = await read_form(request)
    pre = request.cookies.get(PRESESSION_COOKIE)
    if not guard.valid("setup:" + pre if pre else None, submitted.first_value(form, CSRF_FIELD)):
        return pages.refused(None, "This form has expired. Reload the page and try again.", 403)
    code = submitted.first_value(form, "code")
    password = (form.get("password") or [""])[0]
    again = (form.get("password_again") or [""])[0]
    state = FormState()
    if not code:
        state.errors["code"] = ["Enter the set-up code you were given."]
    if not password:
        state.errors["password"] = ["Choose a password."]
    elif again != password:
        state.errors["password_again"] = ["The two passwords differ: enter the same one twice."]
    if not state.errors:
        try:
            await run_in_threadpool(redeem_setup_code, database, code, password)
        except AccountRefused as refused:
            for problem in refused.problems:
                label = "The set-up code" if problem.field == "code" else "The password"
                state.errors.setdefault(problem.field, []).append(f"{label}: {problem.problem}.")
    if state.errors:
        return set_up_page(request, pages, guard, state, 422)
    return redirect("/sign-in")


@router.post("/sign-out")
async def sign_out(request: Request, posted: Posted, database: DatabaseDep) -> Response:
    session = posted.session
    parsed = parse_token(session.token)
    if parsed is not None:
        await run_in_threadpool(
            revoke_token,
            database,
            parsed[0],
            actor=Actor(actor_id=session.user_id, role=session.role),
        )
    response = redirect("/sign-in")
    clear_session(response, request)
    return response


NO_OUTBOX = (
    "There is no outbox here: Dutyflow's messages go to the configured mail server. The outbox "
    "exists only in the development stack (dutyflow up), which keeps every message locally."
)
NOTIFICATION_INPUTS = ("email", "notify_by_email")
# What the page says after a form was accepted (post/redirect/get), by the ``done`` parameter.
DONE_WORDS = {
    "saved": "Your notification settings are saved.",
    "test-sent": "The test message was sent to your address.",
}


async def show_account(
    api: ApiDep,
    pages: Pages,
    session: WebSession,
    *,
    state: FormState | None = None,
    done: str | None = None,
    unsent: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The account, and the notification preferences' form (``state`` re-shows a refused one)."""
    preferences, outbox = await asyncio.gather(api.get("/me/notifications"), api.get("/me/outbox"))
    if state is None:
        now = preferences.json() if preferences.status_code == 200 else {}
        state = FormState(
            values={
                "email": [now.get("email") or ""],
                "notify_by_email": ["yes"] if now.get("notify_by_email", True) else [],
            },
            general=list(unsent or []),
        )
    return pages.render(
        "account.html.j2",
        session,
        status_code=status_code,
        title="Your account",
        state=state,
        done=DONE_WORDS.get(done or ""),
        has_outbox=outbox.status_code == 200,
    )


@router.get("/account")
async def account(
    session: AnySession, api: ApiDep, pages: PagesDep, done: str | None = None
) -> Response:
    return await show_account(api, pages, session, done=done)


@router.post("/account/notifications")
async def save_notifications(posted: Posted, api: ApiDep, pages: PagesDep) -> Response:
    """The address (empty clears it) and whether to be told by e-mail, through the API."""
    body = {
        "email": posted.optional("email"),
        "notify_by_email": "yes" in posted.chosen("notify_by_email"),
    }
    answer = await api.put("/me/notifications", json=body)
    if answer.status_code != 200:
        state = state_from(posted.fields, problems_of(answer), NOTIFICATION_INPUTS)
        return await show_account(
            api, pages, posted.session, state=state, status_code=answer.status_code
        )
    return redirect("/account?done=saved")


@router.post("/account/notifications/test")
async def send_test_message(posted: Posted, api: ApiDep, pages: PagesDep) -> Response:
    answer = await api.post("/me/notifications/test")
    if answer.status_code != 200:
        # The saved settings shown again, with why the message was not sent, in words.
        unsent = [f"The test message was not sent: {p['problem']}" for p in problems_of(answer)]
        return await show_account(
            api, pages, posted.session, unsent=unsent, status_code=answer.status_code
        )
    return redirect("/account?done=test-sent")


@router.get("/outbox")
async def outbox(session: AnySession, api: ApiDep, pages: PagesDep) -> Response:
    """Development only: the messages the local mail sink received for the user's address (a
    newcomer sees the notifications without a mail server)."""
    answer = await api.get("/me/outbox")
    if answer.status_code != 200:
        return pages.refused(session, NO_OUTBOX, 404)
    return pages.render(
        "outbox.html.j2", session, title="Messages sent to you", messages=answer.json()
    )
