"""Exports of a case for use outside the report itself (teaching, research, quality review); the
de-identified export is served by `dutyflow.api.routes.exports` and ``dutyflow export``."""
