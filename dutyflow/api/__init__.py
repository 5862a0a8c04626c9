"""The HTTP API practitioners' tools call: open a report, document the grounds, record the phone
report, confirm, and read a case's status, review and timeline; and the endpoints of supervisors,
compliance, agencies and admins. OpenAPI docs at ``/docs``.

| module | holds |
|---|---|
| `app` | `create_app`: the app's state, middleware, refusal handlers, and its routers |
| `routes` | the endpoints, one module per resource, each a module-level ``router`` |
| `deps` | the typed dependencies endpoints declare (``CurrentUser``, ``WritableCase``...) |
| `errors` | `Refusal` and the answers that name the field, never the value |
| `case_workflow` | the calls to a case's workflow: start, status Query, Updates |
"""
