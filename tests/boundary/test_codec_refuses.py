"""For a case, the codec takes in only payloads encrypted and bound to that very case: plaintext,
an unbound payload, or one bound to another case is refused (and the refusal reported, for the
worker's audit), never decoded into a value."""

from __future__ import annotations

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.converter import WorkflowSerializationContext
from temporalio.exceptions import ApplicationError

from dutyflow.crypto.codec import EncryptionCodec
from dutyflow.runtime.temporal import data_converter

KEY = b"m" * 32


def plaintext() -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=b'{"grounds": "x"}')


def for_case(codec: EncryptionCodec, case_id: str) -> EncryptionCodec:
    return codec.with_context(
        WorkflowSerializationContext(namespace="default", workflow_id=case_id)
    )


class Refusals:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    async def __call__(self, case_id: str, reason: str, received_sha256: str) -> None:
        assert len(received_sha256) == 64
        self.seen.append((case_id, reason))


async def test_plaintext_for_a_case_is_refused_and_reported() -> None:
    refusals = Refusals()
    codec = for_case(EncryptionCodec([KEY], on_refusal=refusals), "case-a")

    [decoded] = await codec.decode([plaintext()])

    assert decoded.metadata["encoding"] == b"binary/dutyflow-refused" and decoded.data == b""
    assert refusals.seen == [("case-a", "not encrypted")]


async def test_a_payload_bound_to_another_case_is_refused() -> None:
    refusals = Refusals()
    [sealed] = await for_case(EncryptionCodec([KEY]), "case-a").encode([plaintext()])

    [decoded] = await for_case(EncryptionCodec([KEY], on_refusal=refusals), "case-b").decode(
        [sealed]
    )

    assert decoded.metadata["encoding"] == b"binary/dutyflow-refused"
    assert refusals.seen == [("case-b", "bound to another case")]


async def test_a_payload_bound_to_no_case_is_refused_for_a_case() -> None:
    refusals = Refusals()
    [sealed] = await EncryptionCodec([KEY]).encode([plaintext()])

    [decoded] = await for_case(EncryptionCodec([KEY], on_refusal=refusals), "case-a").decode(
        [sealed]
    )

    assert decoded.metadata["encoding"] == b"binary/dutyflow-refused"
    assert refusals.seen == [("case-a", "unbound")]


async def test_a_payload_bound_to_its_own_case_is_decoded() -> None:
    codec = for_case(EncryptionCodec([KEY]), "case-a")
    [decoded] = await codec.decode(await codec.encode([plaintext()]))
    assert decoded == plaintext()


def test_a_refused_payload_becomes_a_non_retryable_error_never_a_value() -> None:
    converter = data_converter([KEY]).payload_converter
    refused = Payload(metadata={"encoding": b"binary/dutyflow-refused"})
    with pytest.raises(ApplicationError) as error:
        converter.from_payloads([refused], [dict])
    assert error.value.type == "PayloadRefused" and error.value.non_retryable
