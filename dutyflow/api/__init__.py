"""The HTTP API practitioners' tools call: open a report, document the grounds, record the phone
report, confirm, and read a case's status, review and timeline. OpenAPI docs at ``/docs``."""
