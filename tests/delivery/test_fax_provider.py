"""A fax agency, where the deployment configured a fax provider, gets the report faxed by
Dutyflow through the provider's API (Dutyflow's own contract, README "Fax provider contract"):
the official form behind its content-free cover sheet, to the agency's fax number, under one
idempotency key, so that however often the request is retried the provider sends one fax. The
provider's 2xx is the delivery, recorded once with its 164.528 accounting entry; what did not
arrive is retried (the intake endpoint's rules); a refusal is the practitioner's task. Without a
provider the practitioner faxes (tests/delivery/test_channels.py)."""

from __future__ import annotations

import base64
import dataclasses
from pathlib import Path

import pytest
from temporalio.testing import ActivityEnvironment

from activities.fax import FaxActivities, FaxProvider, provider_fax_id
from dutyflow.contracts import RecipientStep
from dutyflow.settings import Settings
from dutyflow.store import audit_log
from dutyflow.store.delivery_tasks import open_delivery_tasks
from tests.conftest import serve_api
from tests.delivery.agencies import directory_on_channel
from tests.delivery.fax_provider import FaxProviderScript, fax_provider
from tests.delivery.test_agency_receipts import deliveries_and_accounting
from tests.delivery.test_channels import DISCLOSED, FAX, WITHHELD, pdf_pages
from tests.reporting import submit_report, wait_for_stage


async def test_a_fax_agency_gets_one_fax_through_the_provider_however_often_it_is_asked(
    stack, http, executor, tmp_path: Path
) -> None:
    # The provider is out once (503), then takes the fax: the retry carries the same key.
    script = FaxProviderScript(statuses=[503, 200])
    directory = directory_on_channel(tmp_path / "agencies", "fax", FAX)
    async with fax_provider(script) as url:
        provider = FaxProvider(url, script.token)
        stack = dataclasses.replace(stack, directory=directory, fax_provider=provider)
        async with stack.new_worker(http, executor), serve_api(stack) as api:
            case_id = await submit_report(api)
            status = await wait_for_stage(api, case_id, "awaiting-acknowledgement")
        [delivery] = status["deliveries"]
        # The activity again (a retry after the record): nothing goes to the provider.
        step = RecipientStep(case_id=case_id, recipient_id=delivery["recipient_id"])
        faxing = FaxActivities(stack.sessions, stack.policies, directory, http, provider)
        again = await ActivityEnvironment().run(faxing.fax_report, step)
    assert again.duplicate and again.report_id == delivery["report_id"]
    assert status["channel_tasks"] == [] and status["delivery_problems"] == []
    assert len(script.received) == 2
    assert {r["headers"]["idempotency-key"] for r in script.received} == {delivery["report_id"]}
    assert {r["body"]["to"] for r in script.received} == {FAX}
    [pdf] = script.faxed.values()
    cover, *form = pdf_pages(pdf)
    assert FAX in cover and delivery["report_id"] in cover and DISCLOSED not in cover
    assert DISCLOSED in " ".join(form)
    assert not any(w in page for page in (cover, *form) for w in WITHHELD)
    [recorded], [accounted] = deliveries_and_accounting(stack, case_id)
    assert recorded.report_id == accounted.entry_id == delivery["report_id"]
    assert accounted.recipient_address == FAX
    with stack.sessions() as session:
        entries = audit_log.entries_for_case(session, case_id)
    [delivered] = [e for e in entries if e.step == "report-delivered"]
    assert delivered.details["channel"] == "fax"
    assert (delivered.details["sent_by"], delivered.details["fax_id"]) == ("fax-provider", "FAX-1")
    assert not any(base64.b64encode(DISCLOSED.encode()).decode() in str(e.details) for e in entries)


async def test_a_fax_the_provider_refuses_is_the_practitioners_task_and_no_delivery(
    stack, http, executor, tmp_path: Path
) -> None:
    script = FaxProviderScript(statuses=[200])
    directory = directory_on_channel(tmp_path / "agencies", "fax", FAX)
    async with fax_provider(script) as url:
        # The deployment's credential is not the one the provider expects: 401, not retried.
        provider = FaxProvider(url, "a-revoked-token")
        stack = dataclasses.replace(stack, directory=directory, fax_provider=provider)
        async with stack.new_worker(http, executor), serve_api(stack) as api:
            case_id = await submit_report(api)
            status = await wait_for_stage(api, case_id, "delivery-refused")
    assert len(script.received) == 1 and script.faxed == {}
    [problem] = status["delivery_problems"]
    assert problem["message"] == "the fax provider refused the fax: HTTP 401"
    assert status["deliveries"] == [] and deliveries_and_accounting(stack, case_id) == ([], [])
    with stack.sessions() as session:
        [task] = open_delivery_tasks(session, case_id=case_id)
    assert task.kind == "deliver-report"


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (b'{"fax_id": "FAX-0042", "status": "queued"}', "FAX-0042"),
        (b'{"fax_id": "two words"}', None),
        (b'{"id": "FAX-0042"}', None),
        (b"[]", None),
        (b"queued", None),
    ],
)
def test_the_providers_fax_id_is_kept_only_when_it_is_a_plain_token(
    answer: bytes, expected: str | None
) -> None:
    assert provider_fax_id(answer) == expected


@pytest.mark.one_database
def test_a_fax_provider_needs_its_credential_and_https_in_production() -> None:
    with pytest.raises(ValueError, match="DUTYFLOW_FAX_PROVIDER_TOKEN must be set"):
        Settings(_env_file=None, fax_provider_url="https://fax.example.org/faxes")
    with pytest.raises(ValueError, match="must be an https:// address in production"):
        Settings(
            _env_file=None,
            environment="production",
            fax_provider_url="http://fax.example.org/faxes",
            fax_provider_token="secret",
        )
    configured = Settings(
        _env_file=None, fax_provider_url="https://fax.example.org/faxes", fax_provider_token="t"
    )
    assert configured.fax_provider_url == "https://fax.example.org/faxes"
