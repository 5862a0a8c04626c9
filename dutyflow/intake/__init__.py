"""The reference agency intake service: an HTTP endpoint that receives mandated reports.

It stands in for an agency's intake (for example a county child-welfare agency) in tests and the
demo, and an agency can run it as-is. `dutyflow.intake.app` serves the wire contract of
`dutyflow.domain.transmission`; `dutyflow.intake.store` keeps what was received, one report per
idempotency key, each with a human-readable reference number. This package is separate from the
Dutyflow application and keeps its own tables (prefixed ``intake_``) in its own database.
"""
