"""The server-rendered web app, under ``/app``: a page for each persona (practitioner,
supervisor, compliance officer, agency), jinja2 templates in ``templates/web/``, no JavaScript.

Every page acts through the JSON API in-process, as the signed-in user (the cookie's token as
``Authorization: Bearer``): access control, validation and auditing are the API's own, and a
refusal is shown next to the input it names. Nothing here decides who may see what; the only
reads of its own are the practitioner's list of their case ids (from the case assignments) and
the audit chain's verification for compliance. Case ids (opaque) and report ids appear in URLs;
names, narratives and any other case content travel only in POST bodies and pages, never in a
query string.

The pages, one module-level router per persona:
- `account`: ``/app/`` (each role's home), signing in and out, the account page;
- `practitioner` (a package): their cases, a new report, a case's page, its steps and review,
  the client's privacy notice, the PDF copy of each report as sent;
- `supervisor`: consultations and the clinic's cases; `compliance`: cases, audit, accounting,
  policies explained; `agency`: the reports received and their acknowledgement.

What the pages share, one idea a module: `app` (`WEB_ROUTER` and `serve_web_app`, which assemble
them), `config` (what the pages are served with, as typed dependencies), `signed_in` (who is asking:
a role's session, a form posted with a valid CSRF token), `session` (`WebSession`), `api_client`
(the API in-process as the signed-in user), `pages` (the jinja2 environment, rendering, redirects),
`routing` (the route class that lets a dependency answer instead of the page), `refusals` (the API's
problems, shown next to the inputs they name), `forms` (the inputs a page shows), `submitted` (a
submitted form as the API's JSON), `catalogue` (jurisdictions and kinds on offer), `times`
(deadlines and times in words, in the clinic's time zone), `case_titles` (a case by its client,
kind, jurisdiction and opening day), `readable` (a case file as answered fields in words),
`event_words` (recorded steps as sentences), `phone_links` (``tel:`` links), `security` (cookies,
CSRF tokens).
"""

from dutyflow.web.app import WEB_ROUTER, serve_web_app
from dutyflow.web.pages import WEB_PREFIX

__all__ = ["WEB_PREFIX", "WEB_ROUTER", "serve_web_app"]
