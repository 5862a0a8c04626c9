"""Independent agency intake endpoints for the delivery tests: bare HTTP servers, written apart
from Dutyflow, that answer as real agencies do (an unexpected receipt body, an outage)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from dutyflow.domain.agencies import AgencyDirectory


@dataclass
class AgencyAnswer:
    """What the endpoint answers to every POST, and the bodies it has received."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    received: list[dict] = field(default_factory=list)


@contextmanager
def agency_endpoint(answer: AgencyAnswer) -> Iterator[str]:
    """Serve ``answer`` on a free local port; yields the intake URL."""

    class Endpoint(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            answer.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(answer.status)
            for name, value in {"Content-Length": str(len(answer.body)), **answer.headers}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/intake"
    finally:
        server.shutdown()


def directory_with(
    folder: Path, intake_url: str, reference_field: str | None = None
) -> AgencyDirectory:
    """A California directory whose Demo County child welfare agency posts to ``intake_url``."""
    folder.mkdir(exist_ok=True)
    (folder / "us-ca.yaml").write_text(
        "jurisdiction: US-CA\nagencies:\n"
        "  - id: demo-county-cws\n    name: Demo County Child Welfare Services\n"
        "    role: county-child-welfare\n    county: Demo County\n"
        f"    intake_url: {intake_url}\n"
        + (f"    receipt_reference_field: {reference_field}\n" if reference_field else "")
    )
    return AgencyDirectory.load(folder, "unused")


CHANNEL_KINDS = {"portal": "online", "fax": "fax", "mail": "mail", "email": "email"}


def directory_on_channel(
    folder: Path,
    channel: str,
    address: str,
    portal_sections: tuple[str, ...] = (),
    smime_certificate: str | None = None,
) -> AgencyDirectory:
    """A California directory whose Demo County child welfare agency takes reports on
    ``channel`` (portal, fax, mail, email) at ``address`` (e-mail: sealed for
    ``smime_certificate``, a PEM, if given)."""
    folder.mkdir(exist_ok=True)
    sections = "".join(f"      - {section}\n" for section in portal_sections)
    (folder / "us-ca.yaml").write_text(
        "jurisdiction: US-CA\nagencies:\n"
        "  - id: demo-county-cws\n    name: Demo County Child Welfare Services\n"
        "    role: county-child-welfare\n    county: Demo County\n"
        "    address: 100 Main Street, Demo City, CA 90000\n"
        f"    channel: {channel}\n"
        + (f"    portal_sections:\n{sections}" if sections else "")
        + (f"    smime_certificate: {json.dumps(smime_certificate)}\n" if smime_certificate else "")
        + "    channels:\n"
        f"      - kind: {CHANNEL_KINDS[channel]}\n"
        f"        address: {json.dumps(address)}\n"
        "        source: fictional agency for the tests\n"
        "        source_status: to-confirm\n"
    )
    return AgencyDirectory.load(folder, "unused")
