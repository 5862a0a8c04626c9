"""Builds and runs the Dutyflow worker (``python worker.py`` and ``dutyflow worker`` start it):
the report workflow, its activities with their injected dependencies (database sessions, policy
library, agency directory, HTTP client), and the encrypting data converter (which the worker
takes from its client)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
from temporalio.client import Client
from temporalio.worker import Interceptor, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.agency_references import AgencyReferenceActivities
from activities.case_records import CaseRecordActivities
from activities.channels import ChannelActivities
from activities.delivery import DeliveryActivities
from activities.duties import DutyActivities
from activities.fax import FaxActivities, FaxProvider
from activities.notifications import NotificationActivities
from activities.obligations import ObligationActivities
from activities.reports import ReportActivities
from activities.supervision import SupervisionActivities
from activities.supplements import SupplementActivities
from dutyflow.crypto.keys import agency_secrets
from dutyflow.crypto.update_actor import UpdateActors
from dutyflow.domain.agencies import AgencyDirectory
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.notifications.escalation import EscalationNotifier, MailSettings
from dutyflow.runtime.activity_audit import ActivityAuditInterceptor
from dutyflow.settings import Settings
from dutyflow.store.db import SessionFactory
from workflows.mandated_report import MandatedReportWorkflow

DELIVERY_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
logger = logging.getLogger("dutyflow.worker")


def build_worker(
    client: Client,
    *,
    task_queue: str,
    sessions: SessionFactory,
    policies: PolicyLibrary,
    directory: AgencyDirectory,
    http: httpx.AsyncClient,
    executor: ThreadPoolExecutor,
    secrets: Callable[[str], bytes],
    acknowledgement_base_url: str | None,
    acknowledgement_follow_up: timedelta = timedelta(hours=24),
    around_audit: Sequence[Interceptor] = (),
    inside_audit: Sequence[Interceptor] = (),
    mail: MailSettings | None = None,
    fax_provider: FaxProvider | None = None,
) -> Worker:
    """The worker of case workflows and their activities. Every activity attempt is audited;
    ``around_audit`` and ``inside_audit`` add interceptors outside and inside that audit (the
    benchmark's profile times an attempt with and without it). ``mail``: where escalations are
    e-mailed; none: every escalation is audited as not sent. ``fax_provider``: where reports to
    fax agencies are sent; none: the practitioner faxes them."""
    mail = mail or MailSettings(None, "Dutyflow <dutyflow@localhost>", "")
    if not any(isinstance(i, UpdateActors) for i in client.config()["interceptors"]):
        # Without it no Update's actor would be checked: refuse to run such a worker.
        raise ValueError("the worker's client must carry UpdateActors (see runtime.temporal)")
    records = CaseRecordActivities(sessions, policies)
    obligations = ObligationActivities(
        sessions, policies, directory, acknowledgement_follow_up, fax_provider is not None
    )
    reports = ReportActivities(sessions, policies)
    supervision = SupervisionActivities(sessions, policies)
    references = AgencyReferenceActivities(sessions)
    supplements = SupplementActivities(sessions)
    duties = DutyActivities(sessions)
    notifications = NotificationActivities(EscalationNotifier(sessions, mail))
    delivery = DeliveryActivities(
        sessions, policies, directory, http, secrets, acknowledgement_base_url
    )
    channels = ChannelActivities(sessions, policies, directory, mail)
    fax = FaxActivities(sessions, policies, directory, http, fax_provider)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[MandatedReportWorkflow],
        activities=[
            records.open_case,
            records.record_grounds,
            records.record_phone_report,
            records.record_confirmation,
            records.record_withdrawal,
            records.record_acknowledgement,
            records.record_outcome,
            records.escalate_deadline,
            records.record_delivery_problem,
            records.record_disclosure_decision,
            records.record_inform_client_decision,
            records.record_contact_attempt,
            reports.prepare_phone_task,
            obligations.determine_obligations,
            obligations.limit_disclosure,
            reports.render_report,
            delivery.deliver_report,
            channels.email_report,
            fax.fax_report,
            channels.prepare_channel_task,
            channels.record_report_sent,
            references.record_agency_reference,
            supplements.record_supplement,
            supervision.request_consultation,
            supervision.record_consultation_decision,
            supervision.record_exception_request,
            supervision.record_exception_decision,
            duties.track_duty,
            duties.record_duty_met,
            notifications.notify_escalation,
        ],
        activity_executor=executor,
        interceptors=[*around_audit, ActivityAuditInterceptor(sessions), *inside_audit],
        workflow_runner=SandboxedWorkflowRunner(
            restrictions=SandboxRestrictions.default.with_passthrough_modules(
                "pydantic", "dutyflow"
            )
        ),
    )


def configured_fax_provider(settings: Settings) -> FaxProvider | None:
    """The deployment's fax provider, if one is configured (the settings check it is whole)."""
    if settings.fax_provider_url is None or settings.fax_provider_token is None:
        return None
    return FaxProvider(settings.fax_provider_url, settings.fax_provider_token.get_secret_value())


async def run_worker(
    settings: Settings, stop: asyncio.Event, ready: asyncio.Event | None = None
) -> None:
    """Run until ``stop`` is set, then finish in-flight tasks and shut down."""
    from dutyflow import observability
    from dutyflow.crypto.keys import audit_log_signer
    from dutyflow.mail.configured import configured_mail_server
    from dutyflow.runtime.payload_refusals import audited_refusals
    from dutyflow.runtime.temporal import connect, ensure_search_attributes
    from dutyflow.store.audit_checkpoints import (
        CheckpointKeeper,
        bind_checkpoint_keeper,
        keep_making_checkpoints,
    )
    from dutyflow.store.case_database import case_database
    from dutyflow.store.db import create_schema, session_factory

    observability.configure_process(settings)
    engine = case_database(settings)
    create_schema(engine)
    # Checkpoints of the audit log: at every case closing (see activity_audit) and regularly.
    keeper = CheckpointKeeper(audit_log_signer(settings), settings.resolved_audit_checkpoint_dir)
    bind_checkpoint_keeper(engine, keeper)
    checkpoints = asyncio.create_task(
        keep_making_checkpoints(
            session_factory(engine), keeper, settings.audit_checkpoint_interval_seconds, stop
        )
    )
    client = await connect(settings, on_refusal=audited_refusals(session_factory(engine)))
    await ensure_search_attributes(client)
    async with httpx.AsyncClient(timeout=DELIVERY_TIMEOUT) as http:
        with ThreadPoolExecutor(max_workers=16) as executor:
            worker = build_worker(
                client,
                task_queue=settings.task_queue,
                sessions=session_factory(engine),
                policies=PolicyLibrary(settings.policies_dir),
                directory=AgencyDirectory.load(
                    settings.agency_directory, settings.resolved_intake_base_url
                ),
                http=http,
                executor=executor,
                secrets=agency_secrets(settings),
                acknowledgement_base_url=settings.resolved_acknowledgement_base_url,
                acknowledgement_follow_up=timedelta(hours=settings.acknowledgement_follow_up_hours),
                mail=MailSettings(
                    configured_mail_server(settings), settings.mail_from, settings.resolved_api_url
                ),
                fax_provider=configured_fax_provider(settings),
            )
            async with worker:
                logger.info(
                    "worker started",
                    extra={"task_queue": settings.task_queue, "port": settings.worker_metrics_port},
                )
                if ready is not None:
                    ready.set()
                await stop.wait()
    await checkpoints
    logger.info("worker stopped", extra={"task_queue": settings.task_queue})
    engine.dispose()
    observability.flush()
