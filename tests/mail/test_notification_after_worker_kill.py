"""A worker killed while it hands an escalation's message to the mail server: the step is tried
again by another worker, and the message arrives once. The server holds the first attempt's
message until the worker is dead, then never accepts it (the sender never saw it accepted)."""

from __future__ import annotations

import asyncio
import dataclasses
import signal
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import Envelope, Session
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

from dutyflow.auth.notification_preferences import set_notification_preferences
from dutyflow.demo import example_case as scenario
from dutyflow.mail.transport import MailServer
from dutyflow.notifications.escalation import MailSettings
from dutyflow.store import audit_log
from tests.auth.helpers import new_user
from tests.conftest import serve_api
from tests.mail.servers import Inbox, local_authority, smtp_server
from tests.reporting import document_grounds, open_report
from tests.test_worker_restart import start_worker_process


@dataclasses.dataclass
class HoldsTheFirstMessage(Inbox):
    """Holds the first message's DATA until ``release``; then refuses it (4xx: it was never
    accepted). Every later message is accepted as `Inbox` does."""

    arrived: threading.Event = dataclasses.field(default_factory=threading.Event)
    release: threading.Event = dataclasses.field(default_factory=threading.Event)

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        if not self.arrived.is_set():
            self.arrived.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 60)
            return "451 4.3.0 try again later"
        return await super().handle_DATA(server, session, envelope)


async def until_a_worker_polls(client, task_queue: str) -> None:  # type: ignore[no-untyped-def]
    """The worker process is up (its start may take a while on a busy machine)."""
    request = DescribeTaskQueueRequest(
        namespace=client.namespace,
        task_queue=TaskQueue(name=task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 180
    while not (await client.workflow_service.describe_task_queue(request)).pollers:
        assert loop.time() < deadline, "the worker process never polled its task queue"
        await asyncio.sleep(0.5)


def practitioner_notices_audited(stack: Any, case_id: str) -> list[Any]:
    """The audit entries of messages sent to the case's practitioner."""
    with stack.sessions() as session:
        return [
            e
            for e in audit_log.entries_for_case(session, case_id)
            if e.step == "notification-sent" and e.details["role"] == "practitioner"
        ]


async def test_a_worker_killed_while_sending_still_delivers_the_message_once(
    stack,
    database_url: str,
    temporal_address: str,
    key_environment: dict[str, str],
    repo_root: Path,
    tmp_path: Path,
    http,
    executor,
    monkeypatch,
) -> None:
    authority = local_authority(tmp_path / "tls")
    inbox = HoldsTheFirstMessage()
    app_url = "http://dutyflow.example"
    practitioner, token = new_user(stack.sessions, "practitioner")
    address = "practitioner@clinic.example"
    set_notification_preferences(
        stack.sessions, practitioner.user_id, email=address, notify_by_email=True
    )
    body = scenario.grounds_submission()
    # Formed 12 minutes ago: the call is due in 3, the practitioner's step (10 before) is now.
    formed = datetime.now(UTC) - timedelta(minutes=12)
    body["grounds"]["suspicion_formed_at"] = formed.isoformat()
    with smtp_server(inbox, starttls=authority.server_context) as port:
        for name, value in {
            "DUTYFLOW_SMTP_HOST": "127.0.0.1",
            "DUTYFLOW_SMTP_PORT": str(port),
            "DUTYFLOW_SMTP_SECURITY": "starttls",
            "DUTYFLOW_SMTP_CA_FILE": str(authority.ca_file),
            "DUTYFLOW_MAIL_FROM": "Dutyflow <dutyflow@clinic.example>",
        }.items():
            monkeypatch.setenv(name, value)
        server = MailServer("127.0.0.1", port, security="starttls", ca_file=authority.ca_file)
        mailed = dataclasses.replace(
            stack, mail=MailSettings(server, "Dutyflow <dutyflow@clinic.example>", app_url)
        )
        async with serve_api(stack, token=token) as api:
            worker = start_worker_process(
                stack,
                database_url,
                temporal_address,
                key_environment,
                repo_root,
                tmp_path / "w.log",
            )
            try:
                await until_a_worker_polls(stack.client, stack.task_queue)
                case_id = await open_report(
                    api, practitioner_id=practitioner.user_id, clinic_id=practitioner.clinic_id
                )
                await document_grounds(api, case_id, body)
                assert await asyncio.to_thread(inbox.arrived.wait, 60), "no message was sent"
            finally:
                worker.send_signal(signal.SIGKILL)
                await asyncio.to_thread(worker.wait)
            inbox.release.set()

            async with mailed.new_worker(http, executor):
                loop = asyncio.get_running_loop()
                deadline = loop.time() + 90
                while not any(str(m["To"]) == address for m in inbox.accepted):
                    assert loop.time() < deadline, "the retried step sent nothing"
                    await asyncio.sleep(0.2)
                # The server accepted it; the step then audits the sending: wait for that too.
                while not practitioner_notices_audited(stack, case_id):
                    assert loop.time() < deadline, "the sending was never audited"
                    await asyncio.sleep(0.2)
                await stack.client.get_workflow_handle(case_id).terminate("test finished")

    to_practitioner = [m for m in inbox.accepted if str(m["To"]) == address]
    assert len(to_practitioner) == 1
    assert len(practitioner_notices_audited(stack, case_id)) == 1
