"""Sealed columns: case content encrypted at rest with the case's own data key.

A table declares which of its columns hold case content::

    class GroundsRecord(SQLModel, table=True):
        __sealed__: ClassVar[tuple[str, ...]] = ("submission",)
        submission: dict[str, Any] = Field(sa_column=Column(Sealed, nullable=False))

and `register` hooks it into the ORM: on flush the values are encrypted with the data key of the
row's case (``case_id``), on load they are decrypted, so code reading and writing rows sees plain
values and the database file holds only ``sealed:v1:...`` text. The associated data binds each
value to its case, table and column: a sealed value copied into another row does not open.

The keyring is bound to the engine (`bind_keyring`). The `Sealed` column type refuses any value
that is not sealed, so a write through an engine without a keyring fails rather than storing
plaintext. When a case's key has been destroyed (`dutyflow.crypto.keyring.CaseKeyring.shred`),
loading that case's sealed rows raises `CaseKeyShredded`.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any
from weakref import WeakKeyDictionary

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Text, event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import attributes
from sqlalchemy.types import TypeDecorator

from dutyflow.crypto.keyring import CaseKeyring
from dutyflow.timed_sections import SEALING, timed_section

PREFIX = "sealed:v1:"


class SealingError(RuntimeError):
    """Case content could not be sealed or opened; the message names the table and column."""


class Sealed(TypeDecorator[str]):
    """A text column that only ever holds sealed values."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not value.startswith(PREFIX):
            raise SealingError(
                "refusing to write case content in clear: no keyring is bound to this engine "
                "(dutyflow.crypto.sealing.bind_keyring)"
            )
        return value


class ContentSealer:
    """Seals and opens one column value of one case with the case's data key."""

    def __init__(self, keyring: CaseKeyring) -> None:
        self.keyring = keyring

    def seal(self, case_id: str, where: str, value: Any) -> str:
        with timed_section(SEALING):
            cipher = AESGCM(self.keyring.data_key(case_id, create=True))
            nonce = os.urandom(12)
            plain = json.dumps(
                value, separators=(",", ":"), sort_keys=True, ensure_ascii=False
            ).encode()
            sealed = nonce + cipher.encrypt(nonce, plain, _associated(case_id, where))
            return PREFIX + base64.b64encode(sealed).decode()

    def open(self, case_id: str, where: str, token: str) -> Any:
        if not token.startswith(PREFIX):
            raise SealingError(f"{where}: the stored value is not sealed")
        with timed_section(SEALING):
            raw = base64.b64decode(token[len(PREFIX) :])
            cipher = AESGCM(self.keyring.data_key(case_id, create=False))
            try:
                plain = cipher.decrypt(raw[:12], raw[12:], _associated(case_id, where))
            except Exception:
                raise SealingError(
                    f"{where}: the sealed value does not open for case {case_id}"
                ) from None
            return json.loads(plain)


def _associated(case_id: str, where: str) -> bytes:
    return f"{case_id}\x00{where}".encode()


_SEALERS: WeakKeyDictionary[Engine, ContentSealer] = WeakKeyDictionary()


def bind_keyring(engine: Engine, keyring: CaseKeyring) -> Engine:
    """Seal and open this engine's case content with ``keyring``; answers the engine."""
    _SEALERS[engine] = ContentSealer(keyring)
    return engine


def bound_sealer(engine: Engine) -> ContentSealer | None:
    """The sealer bound to ``engine``, or None."""
    return _SEALERS.get(engine)


def sealer_for(engine: Engine | None) -> ContentSealer:
    sealer = _SEALERS.get(engine) if engine is not None else None  # type: ignore[arg-type]
    if sealer is None:
        raise SealingError(
            "no keyring is bound to this engine (dutyflow.crypto.sealing.bind_keyring)"
        )
    return sealer


def _where(target: Any, column: str) -> str:
    return f"{target.__tablename__}.{column}"


def _engine_of_connection(connection: Any) -> Engine:
    return connection.engine


def _engine_of_instance(target: Any) -> Engine | None:
    session = sa_inspect(target).session
    if session is None:
        return None
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else getattr(bind, "engine", None)


def _seal_before_write(mapper: Any, connection: Any, target: Any) -> None:
    sealer = None
    for column in type(target).__sealed__:
        value = getattr(target, column)
        if value is None or (isinstance(value, str) and value.startswith(PREFIX)):
            continue
        if (
            sa_inspect(target).persistent
            and not attributes.get_history(target, column).has_changes()
        ):
            continue
        sealer = sealer or sealer_for(_engine_of_connection(connection))
        setattr(target, column, sealer.seal(target.case_id, _where(target, column), value))


def _open_after_write(mapper: Any, connection: Any, target: Any) -> None:
    _open_loaded(target, _engine_of_connection(connection))


def _open_loaded(target: Any, engine: Engine | None) -> None:
    sealer = None
    for column in type(target).__sealed__:
        value = target.__dict__.get(column)
        if isinstance(value, str) and value.startswith(PREFIX):
            sealer = sealer or sealer_for(engine)
            attributes.set_committed_value(
                target, column, sealer.open(target.case_id, _where(target, column), value)
            )


def _open_on_load(target: Any, context: Any) -> None:
    _open_loaded(target, _engine_of_instance(target))


def _open_on_refresh(target: Any, context: Any, attrs: Any) -> None:
    _open_loaded(target, _engine_of_instance(target))


def register(model: type) -> type:
    """Hook a table model with ``__sealed__`` columns into sealing (a class decorator)."""
    if not getattr(model, "__sealed__", ()):
        raise TypeError(f"{model.__name__} declares no __sealed__ columns")
    event.listen(model, "before_insert", _seal_before_write)
    event.listen(model, "before_update", _seal_before_write)
    event.listen(model, "after_insert", _open_after_write)
    event.listen(model, "after_update", _open_after_write)
    event.listen(model, "load", _open_on_load)
    event.listen(model, "refresh", _open_on_refresh)
    return model
