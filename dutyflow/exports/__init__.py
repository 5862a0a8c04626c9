"""Exports of a case for use outside the report itself (teaching, research, quality review)."""
