"""Signed notes (C2SP signed-note, the format of Go's golang.org/x/mod/sumdb/note) with Ed25519
keys: how the audit log's checkpoints are signed, so any transparency-log tooling can check them.

A note is text ending in a newline, a blank line, then signature lines
``— <key name> base64(key ID || signature)``; the key ID is the first four bytes of
SHA-256(key name || 0x0A || 0x01 || public key). Keys are written as the Go package writes them:
``PRIVATE+KEY+<name>+<key ID hex>+base64(0x01 || seed)`` for the signer (a secret) and
``<name>+<key ID hex>+base64(0x01 || public key)`` for the verifier key given to witnesses.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

ED25519 = 0x01  # the signed-note signature type of Ed25519
_PRIVATE_PREFIX = "PRIVATE+KEY+"
_SIGNATURE_LINE = re.compile(r"^— (\S+) ([A-Za-z0-9+/=]+)$")
_MAX_SIGNATURES = 100


class NoteError(ValueError):
    """A malformed note or key, or a note no trusted key signed."""


def key_id(name: str, public_key: bytes) -> int:
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _check_name(name: str) -> None:
    if not name or "+" in name or any(c.isspace() for c in name):
        raise NoteError("a key name must be non-empty, without spaces or '+'")


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _decode_key_material(encoded: str, size: int, what: str) -> bytes:
    try:
        material = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"{what}: the key is not base64") from None
    if len(material) != size + 1 or material[0] != ED25519:
        raise NoteError(f"{what}: not an Ed25519 key")
    return material[1:]


@dataclass(frozen=True)
class NoteVerifier:
    """A trusted public key: checks the notes it signed."""

    name: str
    key_id: int
    public_key: Ed25519PublicKey

    @classmethod
    def parse(cls, verifier_key: str) -> NoteVerifier:
        """``<name>+<key ID hex>+base64(0x01 || public key)``."""
        parts = verifier_key.strip().split("+", 2)
        if len(parts) != 3 or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
            raise NoteError("verifier key: expected <name>+<8 hex digits>+<base64 key>")
        name, id_hex, encoded = parts
        _check_name(name)
        raw = _decode_key_material(encoded, 32, "verifier key")
        if key_id(name, raw) != int(id_hex, 16):
            raise NoteError("verifier key: the key ID does not match the name and key")
        return cls(name, int(id_hex, 16), Ed25519PublicKey.from_public_bytes(raw))

    def text(self) -> str:
        encoded = base64.b64encode(bytes([ED25519]) + _raw_public(self.public_key)).decode()
        return f"{self.name}+{self.key_id:08x}+{encoded}"

    def open(self, note: str) -> str:
        """The note's text, if this key signed it (other keys' signatures are ignored, as the
        specification asks); raises NoteError otherwise."""
        text, signatures = split_note(note)
        verified = False
        for name, blob in signatures:
            if name != self.name or len(blob) < 4:
                continue
            if int.from_bytes(blob[:4], "big") != self.key_id:
                continue
            try:
                self.public_key.verify(blob[4:], text.encode())
            except InvalidSignature:
                raise NoteError(f"invalid signature for key {self.name}") from None
            verified = True
        if not verified:
            raise NoteError(f"the note is not signed by the key {self.name}")
        return text


@dataclass(frozen=True)
class NoteSigner:
    """The secret half: signs notes under its name."""

    name: str
    private_key: Ed25519PrivateKey

    @classmethod
    def generate(cls, name: str) -> NoteSigner:
        _check_name(name)
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def parse(cls, signer_key: str) -> NoteSigner:
        """``PRIVATE+KEY+<name>+<key ID hex>+base64(0x01 || seed)``; the error never echoes it."""
        text = signer_key.strip()
        if not text.startswith(_PRIVATE_PREFIX):
            raise NoteError("signing key: expected PRIVATE+KEY+<name>+<key ID>+<base64 key>")
        parts = text[len(_PRIVATE_PREFIX) :].split("+", 2)
        if len(parts) != 3 or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
            raise NoteError("signing key: expected PRIVATE+KEY+<name>+<key ID>+<base64 key>")
        name, id_hex, encoded = parts
        _check_name(name)
        seed = _decode_key_material(encoded, 32, "signing key")
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(seed))
        if signer.verifier.key_id != int(id_hex, 16):
            raise NoteError("signing key: the key ID does not match the name and key")
        return signer

    def text(self) -> str:
        seed = self.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        encoded = base64.b64encode(bytes([ED25519]) + seed).decode()
        return f"{_PRIVATE_PREFIX}{self.name}+{self.verifier.key_id:08x}+{encoded}"

    @property
    def verifier(self) -> NoteVerifier:
        public = self.private_key.public_key()
        return NoteVerifier(self.name, key_id(self.name, _raw_public(public)), public)

    def sign(self, text: str) -> str:
        """The signed note of ``text`` (which must end in a newline)."""
        check_text(text)
        signature = self.private_key.sign(text.encode())
        blob = self.verifier.key_id.to_bytes(4, "big") + signature
        return f"{text}\n— {self.name} {base64.b64encode(blob).decode()}\n"


def check_text(text: str) -> None:
    if not text.endswith("\n") or any(c < " " and c != "\n" for c in text):
        raise NoteError("a note's text ends in a newline and has no other control characters")


def split_note(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    """(text, [(key name, key ID || signature)]); raises NoteError on a malformed note."""
    boundary = note.rfind("\n\n")
    if boundary < 0 or not note.endswith("\n"):
        raise NoteError("malformed note")
    text, lines = note[: boundary + 1], note[boundary + 2 :].splitlines()
    check_text(text)
    if not lines or len(lines) > _MAX_SIGNATURES:
        raise NoteError("malformed note")
    signatures = []
    for line in lines:
        match = _SIGNATURE_LINE.match(line)
        if match is None:
            raise NoteError("malformed note")
        try:
            signatures.append((match[1], base64.b64decode(match[2], validate=True)))
        except (binascii.Error, ValueError):
            raise NoteError("malformed note") from None
    return text, signatures
