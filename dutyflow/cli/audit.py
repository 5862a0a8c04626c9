"""``dutyflow audit``: the audit log and its signed checkpoints.

- ``verify``: rebuild the Merkle tree from every entry and check it against every checkpoint kept
  outside the database (and any given with ``--checkpoint``, e.g. a witness's copy); names the
  first entry or checkpoint that fails and exits 1.
- ``checkpoint``: sign a checkpoint now. ``prove SEQ``: an inclusion proof of one entry against a
  checkpoint, as JSON for `tools/audit_verifier/verify.py`.
- ``public-key``: the verifier key to give witnesses. ``keygen --origin NAME``: a new signing key.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from dutyflow.cli import process


def add_audit_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    audit = subparsers.add_parser("audit", help="the audit log").add_subparsers(
        dest="audit_command", required=True, metavar="AUDIT_COMMAND"
    )
    verify = audit.add_parser(
        "verify", help="check the whole log against the signed checkpoints kept outside it"
    )
    verify.add_argument(
        "--checkpoint",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="a signed checkpoint kept elsewhere (e.g. by a witness) to check too; repeatable",
    )
    verify.add_argument(
        "--public-key",
        metavar="VERIFIER_KEY",
        help="the log's verifier key (default: the configured signing key's)",
    )
    verify.set_defaults(run=cmd_audit_verify)
    audit.add_parser("checkpoint", help="sign a checkpoint of the log now").set_defaults(
        run=cmd_audit_checkpoint
    )
    prove = audit.add_parser("prove", help="an inclusion proof of one entry, as JSON")
    prove.add_argument("seq", type=int, metavar="ENTRY", help="the entry's number (seq)")
    prove.add_argument(
        "--checkpoint", type=Path, metavar="FILE", help="prove against this checkpoint"
    )
    prove.set_defaults(run=cmd_audit_prove)
    audit.add_parser("public-key", help="the verifier key to give witnesses").set_defaults(
        run=cmd_audit_public_key
    )
    keygen = audit.add_parser("keygen", help="a new checkpoint signing key (print once)")
    keygen.add_argument("--origin", required=True, help="the log's name, e.g. example.org/audit")
    keygen.set_defaults(run=cmd_audit_keygen)


def _fail(command: str, message: str, status: int = 2) -> None:
    print(f"dutyflow audit {command}: {message}", file=sys.stderr)
    process.exit_now(status)


def _existing_log_url(command: str) -> str:
    """The database URL, if it has an audit log (read-only: never create an empty one)."""
    from sqlalchemy import inspect

    from dutyflow.store.db import make_engine

    settings = process.load_settings()
    url = settings.resolved_database_url
    engine = make_engine(url)  # the audit log holds no content: no keys
    try:
        present = inspect(engine).has_table("audit_leaf")
    finally:
        engine.dispose()
    if not present:
        _fail(command, "this database has no audit log (or predates it: `dutyflow db upgrade`)")
    return url


def _trusted_checkpoints(args: argparse.Namespace) -> list[Any]:
    """The checkpoints verify trusts: files outside the database and those given, each checked
    against the log's key; the database's copies too, once checked."""
    from dutyflow.crypto.keys import audit_log_verifier
    from dutyflow.crypto.signed_note import NoteError, NoteVerifier
    from dutyflow.domain.checkpoint import CheckpointError
    from dutyflow.store import audit_checkpoints, audit_log
    from dutyflow.store.db import make_engine, session_factory

    settings = process.load_settings()
    try:
        verifier = (
            NoteVerifier.parse(args.public_key) if args.public_key else audit_log_verifier(settings)
        )
    except NoteError as err:
        _fail("verify", f"--public-key: {err}")
    given = [Path(p) for p in args.checkpoint]
    if verifier is None:
        if given:
            _fail("verify", "no key to check the given checkpoints with: use --public-key")
        return []
    engine = make_engine(settings.resolved_database_url)
    try:
        with session_factory(engine)() as session:
            copies = audit_log.database_checkpoints(session)
    finally:
        engine.dispose()
    try:
        kept = audit_checkpoints.kept_checkpoints(settings.resolved_audit_checkpoint_dir, verifier)
        kept += [audit_checkpoints.read_checkpoint_file(p, verifier) for p in given]
        kept += [
            audit_checkpoints.open_checkpoint(c.note, verifier, f"the database's copy of {c.size}")
            for c in copies
        ]
    except CheckpointError as err:
        print(f"Audit log BROKEN: a checkpoint does not check out: {err}")
        process.exit_now(1)
    distinct: dict[tuple[int, bytes], Any] = {}
    for item in kept:  # the same checkpoint kept twice is checked once, under its first place
        distinct.setdefault((item.size, item.checkpoint.root), item)
    return list(distinct.values())


def cmd_audit_verify(args: argparse.Namespace) -> None:
    from dutyflow.store import audit_log

    url = _existing_log_url("verify")
    kept = _trusted_checkpoints(args)
    result = audit_log.verify_parallel(url, checkpoints=kept)
    if result.intact:
        print(f"Audit log intact: {result.checked} entries checked.")
        if result.latest_checkpoint is not None:
            latest = result.latest_checkpoint
            print(
                f"Consistent with {result.checkpoints_checked} signed checkpoints; the latest "
                f"covers {latest.size} entries ({latest.kept_in})."
            )
        else:
            print(
                "No signed checkpoint is kept yet: only the entries' own hashes were checked, "
                "which a rewrite of the whole database could forge (`dutyflow audit checkpoint`)."
            )
        if result.outside_tree:
            print(f"{result.outside_tree} entries are not in the tree yet (being integrated).")
        process.exit_now(0)
    if result.broken_checkpoint is not None:
        print(f"Audit log BROKEN: {result.problem}.")
    else:
        print(
            f"Audit log BROKEN at entry {result.first_broken_seq}: {result.problem} "
            f"({result.checked} entries before it verified)."
        )
    process.exit_now(1)


def _keeper() -> Any:
    from dutyflow.crypto.keys import audit_log_signer
    from dutyflow.store.audit_checkpoints import CheckpointKeeper

    settings = process.load_settings()
    return CheckpointKeeper(audit_log_signer(settings), settings.resolved_audit_checkpoint_dir)


def cmd_audit_checkpoint(_args: argparse.Namespace) -> None:
    from dutyflow.store.audit_checkpoints import CheckpointRefused, make_checkpoint
    from dutyflow.store.db import make_engine, session_factory

    url = _existing_log_url("checkpoint")
    keeper = _keeper()
    engine = make_engine(url)
    try:
        kept = make_checkpoint(session_factory(engine), keeper)
    except CheckpointRefused as err:
        _fail("checkpoint", str(err), 1)
    finally:
        engine.dispose()
    print(f"Checkpoint of {kept.size} entries signed: {kept.kept_in}")
    process.exit_now(0)


def cmd_audit_prove(args: argparse.Namespace) -> None:
    from dutyflow.store.audit_proofs import ProofUnavailable, inclusion_proof
    from dutyflow.store.db import make_engine, session_factory

    url = _existing_log_url("prove")
    keeper = _keeper()
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            proof = inclusion_proof(session, keeper, args.seq, args.checkpoint)
    except ProofUnavailable as err:
        _fail("prove", str(err), 1)
    finally:
        engine.dispose()
    print(json.dumps(proof, indent=2, ensure_ascii=False))
    process.exit_now(0)


def cmd_audit_public_key(_args: argparse.Namespace) -> None:
    print(_keeper().verifier.text())
    process.exit_now(0)


def cmd_audit_keygen(args: argparse.Namespace) -> None:
    from dutyflow.crypto.signed_note import NoteError, NoteSigner

    try:
        signer = NoteSigner.generate(args.origin)
    except NoteError as err:
        _fail("keygen", f"--origin: {err}")
    print(f"DUTYFLOW_AUDIT_SIGNING_KEY={signer.text()}")
    print(f"verifier key (give it to witnesses): {signer.verifier.text()}")
    process.exit_now(0)
