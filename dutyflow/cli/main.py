"""The ``dutyflow`` command: its parser, built from each command family's module.


dutyflow up       run the embedded stack (Temporal dev server, worker, API, intake service)
dutyflow worker   run only a worker, against DUTYFLOW_TEMPORAL_ADDRESS
dutyflow api      run only the HTTP API, against DUTYFLOW_TEMPORAL_ADDRESS
dutyflow intake   run only the reference agency intake service
dutyflow demo     run a whole child-abuse report through the stack and print its timeline
dutyflow audit verify | checkpoint | prove ENTRY | public-key | keygen   the audit log's Merkle
    tree and signed checkpoints; verify exits non-zero if the log was tampered with
dutyflow cases    open, overdue and at-risk cases (from Temporal visibility)
dutyflow timeline CASE   a case's merged timeline: Temporal history and the audit log
dutyflow export-fhir --case CASE   FHIR AuditEvent / Communication / Provenance per disclosure
dutyflow accounting --client ID    the client's accounting of disclosures (45 CFR 164.528)
dutyflow bench    throughput and latency against a bare-Temporal baseline in the same run
dutyflow db upgrade | current | downgrade REV --yes   the database schema (Alembic)
dutyflow users add | setup-code | token | revoke | list | disable   accounts, set-up codes, tokens
dutyflow policy check | explain   validate the policy files; a policy in plain words
dutyflow keys status | rotate | shred | shred-expired  master keys, case keys, crypto-shredding
dutyflow export --deidentified CASE   a de-identified case summary (teaching, research)
"""

from __future__ import annotations

import argparse

from dutyflow.cli.accounting import add_accounting_commands
from dutyflow.cli.audit import add_audit_commands
from dutyflow.cli.bench import add_bench_command
from dutyflow.cli.cases import add_case_commands
from dutyflow.cli.db import add_db_commands
from dutyflow.cli.export import add_export_command
from dutyflow.cli.fhir import add_fhir_command
from dutyflow.cli.keys import add_keys_commands
from dutyflow.cli.policy import add_policy_commands
from dutyflow.cli.run import add_run_commands
from dutyflow.cli.users import add_users_commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dutyflow", description="Mandated reports as auditable Temporal workflows."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_run_commands(commands)
    add_case_commands(commands)
    add_fhir_command(commands)
    add_accounting_commands(commands)
    add_db_commands(commands)
    add_users_commands(commands)
    add_policy_commands(commands)
    add_keys_commands(commands)
    add_export_command(commands)
    add_bench_command(commands)
    add_audit_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.run(args)
