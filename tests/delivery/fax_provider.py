"""A fax provider for the tests: a small ASGI app on a free local port that takes Dutyflow's fax
contract (README, "Fax provider contract") as a real provider would. It answers each POST with
the next scripted status, keeps every request it received, and sends one fax per idempotency
key, however often the same key comes."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from dutyflow.runtime.serving import bind, serve


@dataclass
class FaxProviderScript:
    """What the provider answers (the scripted statuses in turn, the last one for ever), and
    what it received and sent."""

    statuses: list[int]
    token: str = "fax-provider-test-token"
    received: list[dict[str, Any]] = field(default_factory=list)
    # The faxes it sent: the PDF of each, by idempotency key.
    faxed: dict[str, bytes] = field(default_factory=dict)

    def next_status(self) -> int:
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


def fax_provider_app(script: FaxProviderScript) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                event = (await receive())["type"]
                if event == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif event == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        request = json.loads(body)
        script.received.append({"headers": headers, "body": request})
        key = headers.get("idempotency-key", "")
        if headers.get("authorization") != f"Bearer {script.token}":
            status, answer = 401, {"error": "unauthorised"}
        else:
            status = script.next_status()
            answer = {"error": "unavailable"}
            if 200 <= status < 300:
                if key not in script.faxed:
                    pdf = base64.b64decode(request["document"]["content_base64"])
                    script.faxed[key] = pdf
                answer = {"fax_id": f"FAX-{list(script.faxed).index(key) + 1}", "status": "queued"}
        payload = json.dumps(answer).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    return app


@asynccontextmanager
async def fax_provider(script: FaxProviderScript) -> AsyncIterator[str]:
    """Serve the provider on a free local port; yields its URL."""
    server = await serve(fax_provider_app(script), bind("127.0.0.1", 0, "fax provider"), "fax")
    try:
        yield f"{server.url}/faxes"
    finally:
        await server.stop()
