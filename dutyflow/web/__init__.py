"""The server-rendered web app, under ``/app``: a page for each persona (practitioner,
supervisor, compliance officer, agency), jinja2 templates in ``templates/web/``, no JavaScript.

`router` has the pages; `forms` turns the policy's questions into inputs and submitted forms into
the API's JSON; `security` holds the session cookie and the forms' CSRF tokens. The pages act
through the JSON API in-process, so every rule stays the API's own.
"""

from dutyflow.web.router import WEB_PREFIX, web_router

__all__ = ["WEB_PREFIX", "web_router"]
