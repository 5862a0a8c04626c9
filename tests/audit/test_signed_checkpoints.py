"""Checkpoints are C2SP signed notes: our Ed25519 signer reproduces, byte for byte, the example note
published with Go's golang.org/x/mod/sumdb/note (Ed25519 is deterministic), so any Go or other
transparency-log tool can check our checkpoints; a changed note or a stranger's key is refused."""

from __future__ import annotations

import pytest

from dutyflow.crypto.signed_note import NoteError, NoteSigner, NoteVerifier
from dutyflow.domain.checkpoint import Checkpoint, CheckpointError
from dutyflow.domain.merkle import EMPTY_ROOT

# The example keys and note of golang.org/x/mod/sumdb/note's tests.
GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n— PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def test_our_signer_reproduces_the_published_go_note() -> None:
    signer = NoteSigner.parse(GO_SIGNER)

    assert signer.sign(GO_TEXT) == GO_NOTE
    assert signer.verifier.text() == GO_VERIFIER
    assert signer.text() == GO_SIGNER


def test_the_published_note_opens_with_the_published_verifier_key() -> None:
    assert NoteVerifier.parse(GO_VERIFIER).open(GO_NOTE) == GO_TEXT


def test_an_edited_note_is_refused() -> None:
    with pytest.raises(NoteError, match="invalid signature"):
        NoteVerifier.parse(GO_VERIFIER).open(GO_NOTE.replace("cryptography", "cryptographY"))


def test_a_note_signed_by_another_key_is_refused() -> None:
    stranger = NoteSigner.generate("PeterNeumann")  # same name, another key

    with pytest.raises(NoteError, match="not signed by the key"):
        NoteVerifier.parse(GO_VERIFIER).open(stranger.sign(GO_TEXT))


def test_a_verifier_key_with_a_wrong_key_id_is_refused() -> None:
    with pytest.raises(NoteError, match="key ID"):
        NoteVerifier.parse(GO_VERIFIER.replace("c74f20a3", "c74f20a4"))


def test_a_signing_key_error_never_echoes_the_key() -> None:
    secret = GO_SIGNER[:-4] + "AAAA"
    with pytest.raises(NoteError) as refused:
        NoteSigner.parse(secret)
    assert secret.split("+")[-1] not in str(refused.value)


def test_a_checkpoint_body_is_origin_size_and_base64_root() -> None:
    checkpoint = Checkpoint("example.org/audit", 20852163, bytes(range(32)))

    assert checkpoint.body() == (
        "example.org/audit\n20852163\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
    )
    assert Checkpoint.parse(checkpoint.body()) == checkpoint


def test_the_published_checkpoint_example_parses() -> None:
    body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"

    checkpoint = Checkpoint.parse(body)

    assert (checkpoint.origin, checkpoint.size, checkpoint.body()) == (
        "example.com/behind-the-sofa",
        20852163,
        body,
    )


@pytest.mark.parametrize(
    "body",
    [
        "origin\n012\n" + Checkpoint("o", 0, EMPTY_ROOT).root_base64 + "\n",
        "origin\n12\nnot-base64!\n",
        "origin\n12\nAAAA\n",
        "origin\n12\n",
    ],
)
def test_a_malformed_checkpoint_body_is_refused(body: str) -> None:
    with pytest.raises(CheckpointError):
        Checkpoint.parse(body)
