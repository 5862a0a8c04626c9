"""A checkpoint of the audit log: its origin (which log), its size (how many leaves) and its root
hash, as the C2SP tlog-checkpoint body ``<origin>\\n<size>\\n<base64 root>\\n``. Signing it
(`dutyflow.crypto.signed_note`) makes it a statement the log can never take back: any later state
of the log must be an append-only extension of it (`dutyflow.domain.merkle.verify_consistency`).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from dutyflow.domain.merkle import HASH_SIZE


class CheckpointError(ValueError):
    """A checkpoint body that does not follow the format."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @property
    def root_base64(self) -> str:
        return base64.b64encode(self.root).decode()

    @classmethod
    def parse(cls, body: str) -> Checkpoint:
        """Reads a checkpoint body (extension lines, if any, are ignored)."""
        lines = body.split("\n")
        if len(lines) < 4 or lines[-1] != "" or any(not line for line in lines[:-1]):
            raise CheckpointError("a checkpoint has an origin, a size and a root hash, one a line")
        origin, size_text, root_text = lines[:3]
        if not re.fullmatch(r"0|[1-9][0-9]*", size_text):
            raise CheckpointError("checkpoint size: a decimal number without leading zeros")
        try:
            root = base64.b64decode(root_text, validate=True)
        except (binascii.Error, ValueError):
            raise CheckpointError("checkpoint root hash: not base64") from None
        if len(root) != HASH_SIZE:
            raise CheckpointError("checkpoint root hash: not 32 bytes")
        return cls(origin, int(size_text), root)
