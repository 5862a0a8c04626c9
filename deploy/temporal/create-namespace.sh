#!/bin/sh
# One-shot: create Dutyflow's namespace with a deliberate history retention, and register the
# search attributes (categories and dates only, never case content).
# Retention: Temporal history is an operational record, not the audit log. Dutyflow's own
# hash-chained audit log and accounting of disclosures (6 years, 45 CFR 164.528) live in its
# database; histories are kept ${TEMPORAL_RETENTION} after a case closes, long enough for
# compliance review of recent cases, short enough that encrypted payloads do not linger.
# Temporal requires mutual TLS: the CLI presents the temporal-admin certificate (docker-compose.yml).
set -eu
set -- --address "$TEMPORAL_ADDRESS" --tls-cert-path "$TEMPORAL_TLS_CERT_PATH" \
  --tls-key-path "$TEMPORAL_TLS_KEY_PATH" --tls-ca-path "$TEMPORAL_TLS_CA_PATH" \
  --tls-server-name "$TEMPORAL_TLS_SERVER_NAME"
until temporal operator cluster health "$@"; do sleep 2; done
temporal operator namespace describe -n "$NAMESPACE" "$@" ||
  temporal operator namespace create -n "$NAMESPACE" --retention "$TEMPORAL_RETENTION" "$@"
for attribute in DutyflowStage=Keyword DutyflowJurisdiction=Keyword DutyflowReportKind=Keyword \
                 DutyflowClinic=Keyword DutyflowWrittenReportDue=Datetime DutyflowEscalatedTo=Keyword; do
  temporal operator search-attribute create -n "$NAMESPACE" "$@" \
    --name "${attribute%%=*}" --type "${attribute#*=}" || true
done
