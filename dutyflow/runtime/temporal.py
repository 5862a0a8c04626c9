"""Connecting to Temporal with Dutyflow's data converter: pydantic payloads, encrypted by the
codec, with failure messages and stack traces encoded too."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from google.protobuf.duration_pb2 import Duration
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.namespace.v1 import NamespaceConfig
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest, UpdateNamespaceRequest
from temporalio.client import Client, Interceptor
from temporalio.contrib.pydantic import PydanticPayloadConverter, pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.service import TLSConfig

from dutyflow.contracts import SEARCH_ATTRIBUTES
from dutyflow.crypto.codec import EncryptionCodec, PayloadRefusal, RefusedPayloadConverter
from dutyflow.crypto.keyring import CaseKeyring
from dutyflow.crypto.keys import actor_assertion_key, case_keyring, master_key_list
from dutyflow.crypto.update_actor import UpdateActors
from dutyflow.settings import Settings


class PayloadConverter(PydanticPayloadConverter):
    """Pydantic's converter, which also turns a payload the codec refused into an error."""

    def __init__(self) -> None:
        super().__init__()
        self._set_converters(RefusedPayloadConverter(), *self.converters.values())


def data_converter(
    master_keys: Sequence[bytes],
    keyring: CaseKeyring | None = None,
    on_refusal: PayloadRefusal | None = None,
) -> DataConverter:
    """Pydantic payloads, encrypted: a case's with its data key from ``keyring``, anything else
    (and everything, without a keyring) with the newest master key. A case's payload that is not
    encrypted and bound to it is refused (``on_refusal`` is told)."""
    return dataclasses.replace(
        pydantic_data_converter,
        payload_converter_class=PayloadConverter,
        payload_codec=payload_codec(master_keys, keyring, on_refusal),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def payload_codec(
    master_keys: Sequence[bytes],
    keyring: CaseKeyring | None = None,
    on_refusal: PayloadRefusal | None = None,
) -> EncryptionCodec:
    return EncryptionCodec(master_keys, keyring=keyring, on_refusal=on_refusal)


def settings_codec(settings: Settings) -> EncryptionCodec:
    return payload_codec(master_key_list(settings), case_keyring(settings))


def temporal_tls(settings: Settings) -> TLSConfig | bool:
    """Mutual TLS to Temporal when the settings give a client certificate (production must);
    else none (the embedded server listens on 127.0.0.1 only)."""
    if not settings.temporal_tls_cert:
        return False
    if not (settings.temporal_tls_key and settings.temporal_tls_ca):
        raise ValueError("DUTYFLOW_TEMPORAL_TLS_CERT needs DUTYFLOW_TEMPORAL_TLS_KEY and _CA")
    return TLSConfig(
        client_cert=settings.temporal_tls_cert.read_bytes(),
        client_private_key=settings.temporal_tls_key.read_bytes(),
        server_root_ca_cert=settings.temporal_tls_ca.read_bytes(),
        domain=settings.temporal_tls_server_name,
    )


async def connect(
    settings: Settings, address: str | None = None, on_refusal: PayloadRefusal | None = None
) -> Client:
    """A client with Dutyflow's data converter (``on_refusal``: told of each case payload
    refused) and the interceptor that signs (and, in a worker built from the client, verifies)
    the actor of every Update (`dutyflow.crypto.update_actor`). It also sets up the process's
    logging and tracing (once; see :mod:`dutyflow.observability`), adds Temporal's tracing
    interceptor when ``DUTYFLOW_OTLP_ENDPOINT`` is set (workers built from the client inherit
    it), and uses the process's metrics runtime when ``DUTYFLOW_WORKER_METRICS_PORT`` is set."""
    from dutyflow import observability

    observability.configure_process(settings)
    runtime = observability.runtime_for(settings)
    interceptors: list[Interceptor] = [UpdateActors(actor_assertion_key(settings))]
    if settings.otlp_endpoint:
        interceptors.append(observability.tracing_interceptor())
    return await Client.connect(
        address or settings.resolved_temporal_address,
        namespace=settings.temporal_namespace,
        tls=temporal_tls(settings),
        data_converter=data_converter(
            master_key_list(settings), case_keyring(settings), on_refusal
        ),
        interceptors=interceptors,
        runtime=runtime,
    )


async def ensure_history_retention(client: Client, days: int) -> None:
    """Set the namespace's history retention on purpose (the embedded server's default is short).
    Temporal history is an operational record; the audit log in Dutyflow's database is the
    durable one and outlives it."""
    await client.workflow_service.update_namespace(
        UpdateNamespaceRequest(
            namespace=client.namespace,
            config=NamespaceConfig(workflow_execution_retention_ttl=Duration(seconds=days * 86400)),
        )
    )


async def history_retention_days(client: Client) -> float:
    described = await client.workflow_service.describe_namespace(
        DescribeNamespaceRequest(namespace=client.namespace)
    )
    return described.config.workflow_execution_retention_ttl.ToSeconds() / 86400


async def ensure_search_attributes(client: Client) -> None:
    """Register Dutyflow's search attributes on the namespace if they are missing."""
    existing = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=client.namespace)
    )
    missing = {
        key.name: IndexedValueType.ValueType(key.indexed_value_type)
        for key in SEARCH_ATTRIBUTES
        if key.name not in existing.custom_attributes
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=client.namespace, search_attributes=missing)
        )
