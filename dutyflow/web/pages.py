"""How a page answers: the jinja2 environment of ``templates/web/`` (autoescaped, undefined
variables an error), a rendered page with the navigation of the user's role, the refusal page,
and the redirect after a form. Every answer carries `PAGE_HEADERS`.

What goes into a page is each persona module's business; nothing here reads a case.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from dutyflow.settings import REPO_ROOT
from dutyflow.web import forms
from dutyflow.web.event_words import event_sentence
from dutyflow.web.phone_links import tel_href
from dutyflow.web.readable import present
from dutyflow.web.security import CSRF_FIELD
from dutyflow.web.session import WebSession
from dutyflow.web.times import day, duty_state, remaining, when, zone_name

WEB_PREFIX = "/app"
TEMPLATES_DIR = REPO_ROOT / "templates" / "web"
NAV_BY_ROLE = {
    "practitioner": [
        ("/cases", "My cases"),
        ("/tasks", "My tasks"),
        ("/reports/new", "New report"),
        ("/profile", "My profile"),
    ],
    "supervisor": [
        ("/supervision", "Consultations and cases"),
        ("/tasks", "My tasks"),
        ("/profile", "My profile"),
    ],
    "compliance": [
        ("/compliance", "Cases and audit"),
        ("/compliance/training", "Training attestations"),
        ("/tasks", "My tasks"),
        ("/policies", "Policies explained"),
    ],
    "agency": [("/agency", "Inbox"), ("/tasks", "My tasks")],
    "admin": [("/account", "Account")],
}
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        # Scripts only from Dutyflow itself, never inline (the portal's copy buttons).
        "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}


def page_environment(templates_dir: Path = TEMPLATES_DIR) -> Environment:
    """The templates' environment: every value escaped, an undefined variable an error."""
    env = Environment(
        loader=FileSystemLoader(templates_dir),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        prefix=WEB_PREFIX,
        remaining=remaining,
        duty_state=duty_state,
        when=when,
        day=day,
        zone_name=zone_name,
        csrf_field=CSRF_FIELD,
        field_label=forms.field_label,
        tel_href=tel_href,
        present=present,
        event_sentence=event_sentence,
    )
    env.filters["field_label"] = forms.field_label
    return env


class Pages:
    """Renders the web app's templates into answers."""

    def __init__(self, templates_dir: Path = TEMPLATES_DIR) -> None:
        self.environment = page_environment(templates_dir)

    def render(
        self,
        template: str,
        session: WebSession | None,
        *,
        status_code: int = 200,
        title: str,
        refresh: int | None = None,
        **context: Any,
    ) -> HTMLResponse:
        """``template`` with the page's title, the user's navigation and ``context``;
        ``refresh`` reloads the page after that many seconds (a meta refresh, no JavaScript)."""
        page = self.environment.get_template(template).render(
            session=session,
            nav=NAV_BY_ROLE.get(session.role, []) if session else [],
            title=title,
            refresh=refresh,
            **context,
        )
        return HTMLResponse(page, status_code=status_code, headers=PAGE_HEADERS)

    def refused(self, session: WebSession | None, message: str, status_code: int) -> HTMLResponse:
        """The page that says why something is not possible."""
        return self.render(
            "error.html.j2", session, status_code=status_code, title="Not possible", message=message
        )


def redirect(path: str) -> RedirectResponse:
    """``303 See Other`` to ``path`` of the web app (after a form, or to sign in)."""
    return RedirectResponse(WEB_PREFIX + path, status_code=303, headers=PAGE_HEADERS)
