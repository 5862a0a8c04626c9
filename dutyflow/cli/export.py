"""``uv run dutyflow export --deidentified CASE [--json]``: a de-identified case summary."""

from __future__ import annotations

import argparse
import re
import sys

from dutyflow.cli import process


def add_export_command(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    export = subparsers.add_parser(
        "export",
        help="a de-identified case summary for teaching, research or quality review",
        description="A case's content without identities: what was removed, and the residual risk.",
    )
    export.add_argument(
        "--deidentified",
        dest="case_id",
        metavar="CASE_ID",
        required=True,
        help="the case to export, de-identified (the only kind of export there is)",
    )
    export.add_argument("--json", action="store_true", help="JSON instead of text")
    export.set_defaults(run=cmd_export)


def cmd_export(args: argparse.Namespace) -> None:
    from dutyflow.domain.validation import OPAQUE_ID_PATTERN
    from dutyflow.exports.deidentified import ExportRefused, export_case, export_text
    from dutyflow.store.case_database import case_database
    from dutyflow.store.case_file import CaseNotFound
    from dutyflow.store.db import session_factory

    if not re.fullmatch(OPAQUE_ID_PATTERN, args.case_id):
        print("dutyflow export: --deidentified: must be an opaque case id", file=sys.stderr)
        process.exit_now(2)
        return
    engine = case_database(process.load_settings())
    try:
        export = export_case(session_factory(engine), args.case_id, actor=process.cli_actor())
    except CaseNotFound:
        print(
            "dutyflow export: --deidentified: no such case, or no grounds documented yet",
            file=sys.stderr,
        )
        engine.dispose()
        process.exit_now(2)
        return
    except ExportRefused as refused:
        for field, problem in refused.problems:
            print(f"dutyflow export: refused: {field}: {problem}", file=sys.stderr)
        engine.dispose()
        process.exit_now(1)
        return
    print(export.model_dump_json(indent=2) if args.json else export_text(export))
    engine.dispose()
    process.exit_now(0)
