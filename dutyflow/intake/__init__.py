"""The reference agency intake service: an HTTP endpoint that receives mandated reports.

It stands in for an agency's intake (for example a county child-welfare agency) in tests and the
demo, and an agency can run it as-is. It serves the wire contract of
`dutyflow.domain.transmission`, keeps what was received, one report per idempotency key, each with
a human-readable reference number, and tells Dutyflow the agency's decision by a signed callback.
This package is separate from the Dutyflow application and keeps its own tables (prefixed
``intake_``) in its own database.

Where each part lives:

- `app`: `create_app` assembles the service (state, lifespan, middleware, routers);
  `app_from_env` configures it from the environment;
- `deps`: the typed dependencies the routes ask for, read from the state `create_app` sets;
- `reports`: receiving a report (``POST /agencies/{agency_id}/reports``), listing and fetching
  the reports received;
- `decisions`: staff's decision on a report and the resend of a failed acknowledgement (JSON);
- `inbox`: the same for staff in HTML pages; `pages`: rendering them and reading their forms;
- `health`: ``GET /health``;
- `signatures`: checking a report's signature and signing a callback (the signing scheme);
- `receipts`: what the agency answers Dutyflow (the receipt, the acknowledgement's body);
- `callbacks`: sending the acknowledgement callback in the background, with retries;
- `schemas`: the staff's JSON shapes; `limits`: the request size limit;
- `tables`: the tables, the engine and the table creation; `store`: the queries on them.
"""
