"""Where each agency's shared secret comes from. The signing scheme itself (Standard Webhooks,
for both directions: the report Dutyflow posts to an agency, and the signed acknowledgement the
agency posts back) is `dutyflow.crypto.standard_webhooks`.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from dutyflow.crypto.standard_webhooks import new_secret


def secret_variable(agency_id: str) -> str:
    return "DUTYFLOW_AGENCY_SECRET_" + re.sub(r"[^A-Z0-9]", "_", agency_id.upper())


class AgencySecrets:
    """Where each agency's shared secret comes from: the environment variable
    ``DUTYFLOW_AGENCY_SECRET_<AGENCY_ID>`` (production: ``whsec_<base64>``, or several separated
    by spaces while a secret is rotated, the signing one first), or, in development only, a secret
    generated once into ``<data dir>/keys/agencies/<agency id>.secret`` so that the embedded
    intake service and Dutyflow share it."""

    def __init__(self, keys_dir: Path | None, allow_generated: bool) -> None:
        self._keys_dir = keys_dir
        self._allow_generated = allow_generated

    def __call__(self, agency_id: str) -> bytes:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", agency_id):
            raise KeyError("agency_id: not an agency id")
        from_env = os.environ.get(secret_variable(agency_id))
        if from_env:
            return from_env.encode()
        if not self._allow_generated or self._keys_dir is None:
            raise KeyError(f"{secret_variable(agency_id)} is not set")
        path = self._keys_dir / f"{agency_id}.secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return path.read_text().strip().encode()
            with os.fdopen(fd, "w") as handle:
                handle.write(new_secret(secrets.token_bytes(32)))
        return path.read_text().strip().encode()
