"""Running Dutyflow's parts: the worker (``worker``), the Temporal connection and its
encrypting data converter (``temporal``), the embedded stack of ``dutyflow up`` (``stack``),
serving ASGI apps in Dutyflow's own event loop (``serving``) and the worker interceptor that
audits every activity attempt (``activity_audit``)."""
