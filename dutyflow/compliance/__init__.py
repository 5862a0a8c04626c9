"""Compliance review: a case's merged timeline (Temporal history + audit log) and lists of open,
overdue and at-risk cases from Temporal visibility. Read-only; no case content is shown. Served by
`dutyflow.api.routes.compliance`."""
