"""Who takes a step on a case, as the API asserts it: a short-lived statement, signed with a key
the API and the worker hold (never Temporal), naming the actor and bound to one Update of one
case (workflow id, Update name, Update id) until a time shortly after it was made.

The API signs one for every Update it sends (`asserting` tells the client interceptor in
`dutyflow.crypto.update_actor` who acts); the worker verifies it in the Update's validator, so a
caller that reaches Temporal directly can neither name an actor nor replay another case's
assertion. Plain functions (hmac, json): the workflow sandbox runs `verify`.

What does not live here: the interceptors that carry the assertion (`update_actor`) and the key's
source (`dutyflow.crypto.keys.actor_assertion_key`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from dutyflow.contracts import Actor

HEADER = "dutyflow-actor"
LIFETIME = timedelta(minutes=5)  # an Update waits for a worker at most this long before refused
_CONTEXT = b"dutyflow actor assertion v1"


class ActorNotAsserted(ValueError):
    """The Update carries no valid assertion of its actor for this case and step."""


@dataclass(frozen=True)
class UpdateBinding:
    """The one Update an assertion is good for."""

    case_id: str
    update_name: str
    update_id: str


def _message(binding: UpdateBinding, actor: Actor, expires: int) -> bytes:
    fields = [binding.case_id, binding.update_name, binding.update_id, actor.actor_id, actor.role]
    return _CONTEXT + b"\0" + json.dumps([*fields, expires]).encode()


def _mac(key: bytes, message: bytes) -> str:
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(key: bytes, binding: UpdateBinding, actor: Actor, now: datetime) -> str:
    """The assertion that ``actor`` takes the Update ``binding``, good until ``now`` +
    `LIFETIME`."""
    expires = int((now + LIFETIME).timestamp())
    body = {"actor_id": actor.actor_id, "role": actor.role, "expires": expires}
    encoded = base64.urlsafe_b64encode(json.dumps(body).encode()).decode()
    return f"{encoded}.{_mac(key, _message(binding, actor, expires))}"


def verify(key: bytes, assertion: str | None, binding: UpdateBinding, now: datetime) -> Actor:
    """The actor ``assertion`` names, if it was signed with ``key`` for exactly ``binding`` and
    has not expired at ``now``; else `ActorNotAsserted` (the message never repeats the
    assertion)."""
    if not assertion:
        raise ActorNotAsserted("the step carries no assertion of who takes it from Dutyflow's API")
    try:
        encoded, mac = assertion.split(".", 1)
        body = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        actor = Actor(actor_id=str(body["actor_id"]), role=str(body["role"]))
        expires = int(body["expires"])
    except (ValueError, KeyError, TypeError):
        raise ActorNotAsserted("the assertion of who takes the step is malformed") from None
    if not hmac.compare_digest(mac, _mac(key, _message(binding, actor, expires))):
        raise ActorNotAsserted(
            "the assertion of who takes the step was not signed by Dutyflow's API for this "
            "case and step"
        )
    if now.timestamp() >= expires:
        raise ActorNotAsserted("the assertion of who takes the step has expired; send it again")
    return actor


_ASSERTED: ContextVar[Actor | None] = ContextVar("dutyflow_asserted_actor", default=None)


@contextmanager
def asserting(actor: Actor) -> Iterator[None]:
    """Within this block, Updates sent by a client with `update_actor.UpdateActors` carry an
    assertion naming ``actor``."""
    token = _ASSERTED.set(actor)
    try:
        yield
    finally:
        _ASSERTED.reset(token)


def asserted_actor() -> Actor | None:
    return _ASSERTED.get()
