"""Dutyflow: mandated reports (child, elder and dependent-adult abuse, duty to warn or protect,
danger to self, court orders, subpoenas) as auditable Temporal workflows.

The layers, from the bottom: `domain` (pure decisions: the case model, the law as data,
obligations, field limiting, rendering, the audit log's Merkle tree), `crypto` (keys, sealing,
signatures), `store` (tables, queries, the audit log), the top-level `activities` and
`workflows` packages, then `web`, `api`, `intake`, `runtime` (worker, Temporal, the embedded
stack) and `cli`. README "How it fits together" maps every folder.
"""
