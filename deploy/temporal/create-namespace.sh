#!/bin/sh
# One-shot: create Dutyflow's namespace with a deliberate history retention, and register the
# search attributes (categories and dates only, never case content).
# Retention: Temporal history is an operational record, not the audit log. Dutyflow's own
# hash-chained audit log and accounting of disclosures (6 years, 45 CFR 164.528) live in its
# database; histories are kept ${TEMPORAL_RETENTION} after a case closes, long enough for
# compliance review of recent cases, short enough that encrypted payloads do not linger.
set -eu
until temporal operator cluster health --address "$TEMPORAL_ADDRESS"; do sleep 2; done
temporal operator namespace describe -n "$NAMESPACE" --address "$TEMPORAL_ADDRESS" ||
  temporal operator namespace create -n "$NAMESPACE" --retention "$TEMPORAL_RETENTION" --address "$TEMPORAL_ADDRESS"
for attribute in DutyflowStage=Keyword DutyflowJurisdiction=Keyword DutyflowReportKind=Keyword \
                 DutyflowClinic=Keyword DutyflowWrittenReportDue=Datetime DutyflowEscalatedTo=Keyword; do
  temporal operator search-attribute create -n "$NAMESPACE" --address "$TEMPORAL_ADDRESS" \
    --name "${attribute%%=*}" --type "${attribute#*=}" || true
done
