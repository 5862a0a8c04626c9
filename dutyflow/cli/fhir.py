"""``dutyflow export-fhir --case CASE_ID [--output FILE]``: a case's FHIR Bundle as JSON.

Registered by ``add_fhir_command(subparsers)``. Exit 0 on success, 2 for an unknown case or
unusable settings, 1 for damaged records.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from dutyflow.cli import process


def _fail(status: int, message: str) -> None:

    print(f"dutyflow export-fhir: {message}", file=sys.stderr)
    process.exit_now(status)


def _write_private(path: str, text: str) -> None:
    """The Bundle names the client's id: write it readable by its owner only."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def cmd_export_fhir(args: argparse.Namespace) -> None:
    from pydantic import ValidationError
    from sqlalchemy import inspect

    from dutyflow.interop.export import CaseNotFound, ExportInconsistent, export_case
    from dutyflow.interop.fhir import ExportingSystem
    from dutyflow.settings import Settings
    from dutyflow.store.case_database import case_database
    from dutyflow.store.db import session_factory

    try:
        settings = Settings()
    except ValidationError as err:
        _fail(2, f"invalid settings: {err.errors()[0]['msg']}")
        return
    engine = case_database(settings)
    if not inspect(engine).has_table("case_record"):  # read-only: never create an empty schema
        _fail(2, f"no such case: {args.case}")
        return
    system = ExportingSystem(address=settings.resolved_api_url)
    try:
        with session_factory(engine)() as session:
            bundle: dict[str, Any] = export_case(session, args.case, system=system)
    except CaseNotFound:
        _fail(2, f"no such case: {args.case}")
        return
    except ExportInconsistent as err:
        _fail(1, str(err))
        return
    finally:
        engine.dispose()
    text = json.dumps(bundle, indent=2) + "\n"
    if args.output:
        try:
            _write_private(args.output, text)
        except OSError as err:
            _fail(1, f"cannot write {args.output}: {err.strerror}")
            return
        count = len(bundle.get("entry", []))
        print(f"FHIR Bundle of case {args.case} ({count} resources) written to {args.output}")
    else:
        sys.stdout.write(text)
    process.exit_now(0)


def add_fhir_command(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "export-fhir",
        help="print a case's disclosures as a FHIR Bundle (AuditEvent, Communication, Provenance)",
    )
    parser.add_argument("--case", required=True, metavar="CASE_ID", help="the case to export")
    parser.add_argument(
        "--output", metavar="FILE", help="write the Bundle to FILE instead of stdout"
    )
    parser.set_defaults(run=cmd_export_fhir)
    return parser
