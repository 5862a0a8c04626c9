"""`tools/audit_verifier/verify.py` checks an entry's inclusion proof with nothing but the standard
library, `cryptography` and the log's verifier key: run in a process of its own, it imports no
Dutyflow module, accepts a true proof and refuses a forged entry or a checkpoint signed by
another key. Its own RFC 8785 canonical JSON agrees with the `rfc8785` package."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from dutyflow.contracts import SYSTEM
from dutyflow.crypto.signed_note import NoteSigner
from dutyflow.settings import REPO_ROOT
from dutyflow.store.audit_checkpoints import CheckpointKeeper, make_checkpoint
from dutyflow.store.audit_proofs import inclusion_proof
from dutyflow.store.db import create_schema, make_engine, session_factory
from dutyflow.store.steps import record_step

VERIFIER = REPO_ROOT / "tools" / "audit_verifier" / "verify.py"
RUN_ALONE = """
import runpy, sys
sys.argv = ["verify.py", *sys.argv[1:]]
try:
    runpy.run_path({path!r}, run_name="__main__")
except SystemExit as done:
    status = done.code
ours = sorted(m for m in sys.modules if m.split(".")[0] in ("dutyflow", "activities", "workflows"))
print("imported:", ours)
sys.exit(status)
"""


def proof_of_one_entry(tmp_path: Path, signer: NoteSigner) -> dict:
    engine = make_engine(f"sqlite:///{tmp_path / 'audit.db'}")
    create_schema(engine)
    sessions = session_factory(engine)
    for n in range(11):
        record_step(
            sessions,
            case_id="case-1",
            step=f"step-{n}",
            actor=SYSTEM,
            content_sha256="ab" * 32,
            details={"n": n, "fields": ["grounds.observations"], "ratio": 0.25},
        )
    keeper = CheckpointKeeper(signer, tmp_path / "checkpoints")
    make_checkpoint(sessions, keeper)
    with sessions() as session:
        proof = inclusion_proof(session, keeper, 7)
    engine.dispose()
    return proof


def run_verifier(tmp_path: Path, proof: dict, verifier_key: str, *extra: str):
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(proof))
    return subprocess.run(
        [
            sys.executable,
            "-c",
            RUN_ALONE.format(path=str(VERIFIER)),
            str(path),
            "--public-key",
            verifier_key,
            *extra,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_an_inclusion_proof_checks_out_with_the_standalone_verifier(
    tmp_path: Path, audit_signer: NoteSigner
) -> None:
    proof = proof_of_one_entry(tmp_path, audit_signer)

    result = run_verifier(tmp_path, proof, audit_signer.verifier.text())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "verified: entry 7 is leaf 6 of the log dutyflow.test/audit-log" in result.stdout
    assert "imported: []" in result.stdout


def test_a_separately_fetched_checkpoint_is_what_the_proof_is_checked_against(
    tmp_path: Path, audit_signer: NoteSigner
) -> None:
    proof = proof_of_one_entry(tmp_path, audit_signer)
    fetched = tmp_path / "fetched-checkpoint.txt"
    fetched.write_text(proof["checkpoint"])
    proof["checkpoint"] = "forged\n"

    result = run_verifier(
        tmp_path, proof, audit_signer.verifier.text(), "--checkpoint", str(fetched)
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_a_forged_entry_is_refused(tmp_path: Path, audit_signer: NoteSigner) -> None:
    proof = proof_of_one_entry(tmp_path, audit_signer)
    proof["entry"]["actor_id"] = "mallory"

    result = run_verifier(tmp_path, proof, audit_signer.verifier.text())

    assert result.returncode == 1
    assert "NOT verified: the inclusion path does not lead to the checkpoint's root" in (
        result.stdout
    )


def test_a_checkpoint_signed_by_another_key_is_refused(
    tmp_path: Path, audit_signer: NoteSigner
) -> None:
    proof = proof_of_one_entry(tmp_path, audit_signer)
    stranger = NoteSigner.generate(audit_signer.name)

    result = run_verifier(tmp_path, proof, stranger.verifier.text())

    assert result.returncode == 1 and "not signed by" in result.stdout


def _standalone_jcs():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(VERIFIER.parent))
    try:
        import verify  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    return verify.jcs


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_the_standalone_canonical_json_is_rfc8785(value) -> None:  # type: ignore[no-untyped-def]
    try:
        expected = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:  # e.g. lone surrogates: not JSON text either
        return
    assert _standalone_jcs()(value).encode("utf-8") == expected
