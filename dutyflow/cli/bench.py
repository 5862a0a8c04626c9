"""``dutyflow bench``: throughput and latency against a bare-Temporal baseline in the same run,
and the compliance queries at scale."""

from __future__ import annotations

import argparse
import os
import sys

from dutyflow.cli import process


def add_bench_command(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    bench = subparsers.add_parser("bench", help="throughput and latency against bare Temporal")
    bench.add_argument(
        "--reports", type=int, default=200, help="complete reports (and bare workflows)"
    )
    bench.add_argument("--concurrency", type=int, default=20, help="reports in flight at once")
    bench.add_argument(
        "--database-url", help="Dutyflow database for the run (default: a temporary SQLite file)"
    )
    bench.add_argument(
        "--postgres-url",
        help="PostgreSQL for the compliance queries and the scale-out "
        "(default: DUTYFLOW_BENCH_POSTGRES_URL, or DUTYFLOW_DATABASE_URL if PostgreSQL; "
        "without one the compliance queries run on a SQLite file)",
    )
    bench.add_argument(
        "--no-compliance", action="store_true", help="skip the compliance queries at scale"
    )
    bench.add_argument(
        "--workers",
        type=int,
        default=1,
        help="also run the reports on 1, 2, 4 ... N worker processes (needs PostgreSQL)",
    )
    bench.add_argument("--compliance-cases", type=int, default=100_000)
    bench.add_argument("--audit-entries", type=int, default=1_000_000)
    bench.add_argument(
        "--in-memory-server",
        action="store_true",
        help="in-memory dev server instead of a persistent one",
    )
    bench.set_defaults(run=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> None:
    from dutyflow.benchmark.run import BenchOptions, run_bench
    from dutyflow.benchmark.text import report_text

    settings = process.load_settings()
    postgres_url = args.postgres_url or os.environ.get("DUTYFLOW_BENCH_POSTGRES_URL")
    if postgres_url is None and (settings.database_url or "").startswith("postgresql"):
        postgres_url = settings.database_url
    for name in ("reports", "concurrency", "compliance_cases", "audit_entries", "workers"):
        if getattr(args, name) < 1:
            print(
                f"dutyflow bench: --{name.replace('_', '-')}: must be at least 1", file=sys.stderr
            )
            process.exit_now(2)
    if args.workers > 1 and postgres_url is None:
        print("dutyflow bench: --workers: needs a PostgreSQL URL (--postgres-url)", file=sys.stderr)
        process.exit_now(2)
    options = BenchOptions(
        reports=args.reports,
        concurrency=args.concurrency,
        database_url=args.database_url,
        postgres_url=postgres_url,
        compliance_cases=args.compliance_cases,
        audit_entries=args.audit_entries,
        in_memory_server=args.in_memory_server,
        compliance=not args.no_compliance,
        workers=args.workers,
    )

    async def run() -> None:
        result = await run_bench(settings, options)
        print(report_text(result, options))

    process.run_once(run)
