#!/usr/bin/env python3
"""Check a Dutyflow audit entry's inclusion proof without Dutyflow.

Needs Python 3.9+ and the ``cryptography`` package (for Ed25519); nothing else, and no Dutyflow
code. Given the log's verifier key (``dutyflow audit public-key``, obtained from the log's
operator out of band) and a proof file (``dutyflow audit prove ENTRY``), it checks that:

1. the checkpoint (the one in the proof file, or one you fetched yourself with ``--checkpoint``,
   e.g. from ``GET /audit/checkpoint``) is a C2SP signed note signed by that key, and reads its
   origin, tree size and root hash (C2SP tlog-checkpoint);
2. the entry's leaf hash is SHA-256(0x00 || the RFC 8785 (JCS) canonical JSON of the entry);
3. the inclusion path leads from that leaf, at its index, to the checkpoint's root (RFC 9162
   section 2.1.3.2).

Usage: python3 verify.py --public-key 'NAME+ID+KEY' proof.json [--checkpoint checkpoint.txt]
Exit status: 0 verified, 1 not verified (the reason is printed), 2 bad usage or input.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import math
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class NotVerified(Exception):
    pass


# --- C2SP signed note and checkpoint -------------------------------------------------------------


def parse_verifier_key(text):
    """``<name>+<key ID hex>+base64(0x01 || Ed25519 public key)`` -> (name, key ID, key)."""
    name, id_hex, encoded = text.strip().split("+", 2)
    raw = base64.b64decode(encoded, validate=True)
    if len(raw) != 33 or raw[0] != 0x01:
        raise ValueError("not an Ed25519 verifier key")
    key_id = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    if key_id.hex() != id_hex:
        raise ValueError("the key ID does not match the name and key")
    return name, key_id, Ed25519PublicKey.from_public_bytes(raw[1:])


def open_note(note, verifier_key):
    """The note's text, if the key signed it (signatures of other keys are ignored)."""
    name, key_id, public_key = parse_verifier_key(verifier_key)
    boundary = note.rfind("\n\n")
    if boundary < 0 or not note.endswith("\n"):
        raise NotVerified("the checkpoint is not a signed note")
    text = note[: boundary + 1]
    verified = False
    for line in note[boundary + 2 :].splitlines():
        if not line.startswith("\u2014 "):
            raise NotVerified("the checkpoint is not a signed note")
        signer, _, encoded = line[2:].partition(" ")
        try:
            blob = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise NotVerified("a signature line is not base64") from None
        if signer != name or blob[:4] != key_id:
            continue
        try:
            public_key.verify(blob[4:], text.encode())
        except InvalidSignature:
            raise NotVerified(f"the signature of {name} does not verify") from None
        verified = True
    if not verified:
        raise NotVerified(f"the checkpoint is not signed by {name}")
    return text


def parse_checkpoint(text):
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NotVerified("the checkpoint has no origin, size and root hash")
    origin, size, root = lines[0], lines[1], base64.b64decode(lines[2], validate=True)
    if not size.isdigit() or (size != "0" and size.startswith("0")) or len(root) != 32:
        raise NotVerified("the checkpoint's size or root hash is malformed")
    return origin, int(size), root


# --- RFC 8785 (JCS) ------------------------------------------------------------------------------


def _jcs_number(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if abs(value) > 2**53 - 1:
            raise ValueError("an integer beyond JSON's exact range")
        return str(value)
    if math.isnan(value) or math.isinf(value):
        raise ValueError("NaN and infinities are not JSON")
    if value == 0:
        return "0"
    # repr gives the shortest digits that round-trip, which is what ECMAScript asks for; the
    # value is 0.s * 10**n with s those k digits.
    mantissa, _, exponent = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    n = len(whole) - (len(whole + fraction) - len(digits)) + int(exponent or 0)
    s = digits.rstrip("0")
    k = len(s)
    if k <= n <= 21:
        text = s + "0" * (n - k)
    elif 0 < n <= 21:
        text = s[:n] + "." + s[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * -n + s
    else:
        mantissa_text = s[0] + ("." + s[1:] if k > 1 else "")
        text = f"{mantissa_text}e{'+' if n > 0 else '-'}{abs(n - 1)}"
    return ("-" if value < 0 else "") + text


def _jcs_string(value):
    out = ['"']
    for char in value:
        code = ord(char)
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char in "\b\f\n\r\t":
            out.append({"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}[char])
        elif code < 0x20:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def jcs(value):
    """The RFC 8785 canonical JSON text of a parsed JSON value."""
    if value is None:
        return "null"
    if isinstance(value, (bool, int, float)):
        return _jcs_number(value)
    if isinstance(value, str):
        return _jcs_string(value)
    if isinstance(value, list):
        return "[" + ",".join(jcs(item) for item in value) + "]"
    if isinstance(value, dict):
        members = sorted(value.items(), key=lambda kv: kv[0].encode("utf-16-be"))
        return "{" + ",".join(_jcs_string(k) + ":" + jcs(v) for k, v in members) + "}"
    raise ValueError(f"not a JSON value: {type(value).__name__}")


# --- RFC 9162 ------------------------------------------------------------------------------------


def leaf_hash(entry):
    return hashlib.sha256(b"\x00" + jcs(entry).encode("utf-8")).digest()


def _node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion(index, size, leaf, path):
    """RFC 9162 section 2.1.3.2."""
    if not 0 <= index < size:
        raise NotVerified(f"leaf {index} is not in a tree of {size} entries")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise NotVerified("the inclusion path is too long")
        if fn & 1 or fn == sn:
            r = _node(p, r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = _node(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise NotVerified("the inclusion path is too short")
    return r


def verify(proof, verifier_key, checkpoint_note=None):
    """A sentence saying what was verified; raises NotVerified."""
    origin, size, root = parse_checkpoint(
        open_note(checkpoint_note or proof["checkpoint"], verifier_key)
    )
    index = proof["leaf_index"]
    path = [base64.b64decode(p, validate=True) for p in proof["inclusion_path"]]
    if proof["tree_size"] != size:
        raise NotVerified(
            f"the proof is for {proof['tree_size']} entries, the checkpoint has {size}"
        )
    if root_from_inclusion(index, size, leaf_hash(proof["entry"]), path) != root:
        raise NotVerified("the inclusion path does not lead to the checkpoint's root hash")
    return (
        f"verified: entry {proof['entry'].get('seq')} is leaf {index} of the log {origin}, "
        f"whose signed checkpoint covers {size} entries"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("proof", help="the JSON file `dutyflow audit prove ENTRY` wrote")
    parser.add_argument("--public-key", required=True, help="the log's verifier key")
    parser.add_argument("--checkpoint", help="a signed checkpoint fetched separately")
    args = parser.parse_args(argv)
    try:
        with open(args.proof, encoding="utf-8") as handle:
            proof = json.load(handle)
        note = None
        if args.checkpoint:
            with open(args.checkpoint, encoding="utf-8") as handle:
                note = handle.read()
        print(verify(proof, args.public_key, note))
        return 0
    except NotVerified as err:
        print(f"NOT verified: {err}")
        return 1
    except (OSError, ValueError, KeyError, TypeError) as err:
        print(f"cannot check: {type(err).__name__}: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
