"""Recorded case histories, as `record_histories` writes them and `test_replay` reads them.

One JSON file per legal branch under ``histories/``: the branch's name, the case's kind and
jurisdiction, its workflow id, its Temporal history (``WorkflowHistory.to_json()``), and the
case's data key wrapped under `REPLAY_MASTER_KEY`, so a replay decodes the payloads with the
worker's own data converter (the encrypting codec, per-case keys) and nothing else.

`REPLAY_MASTER_KEY` is a test key, derived from a public phrase: it protects only these
fictional cases (the demo scenario's and `tests.kinds.bodies`' invented people) and is never a
key of any deployment. Anyone may decrypt these histories; that is the point."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter

from dutyflow.crypto.keyring import CASE_KEYS, CaseKeyring, MasterKeys, key_store_engine
from dutyflow.runtime.temporal import data_converter

HISTORIES = Path(__file__).with_name("histories")
REPLAY_MASTER_KEY = hashlib.sha256(
    b"dutyflow replay histories: a test key for fictional cases only"
).digest()


@dataclass(frozen=True)
class RecordedHistory:
    """One case of one branch, as recorded."""

    branch: str
    kind: str
    jurisdiction: str
    workflow_id: str
    wrapped_case_key: str | None  # None: recorded without a keyring (the time-skipping server)
    master_key_id: str | None
    history: dict[str, Any]

    @property
    def workflow_history(self) -> WorkflowHistory:
        return WorkflowHistory.from_json(self.workflow_id, self.history)

    def update_names(self) -> set[str]:
        """The Updates the case accepted (each one a handler the replay runs again)."""
        return {
            event["workflowExecutionUpdateAcceptedEventAttributes"]["acceptedRequest"]["input"][
                "name"
            ]
            for event in self.history["events"]
            if "workflowExecutionUpdateAcceptedEventAttributes" in event
        }


def write(recorded: RecordedHistory, folder: Path = HISTORIES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{recorded.branch}.json"
    fields = {
        "branch": recorded.branch,
        "kind": recorded.kind,
        "jurisdiction": recorded.jurisdiction,
        "workflow_id": recorded.workflow_id,
        "wrapped_case_key": recorded.wrapped_case_key,
        "master_key_id": recorded.master_key_id,
        "history": recorded.history,
    }
    path.write_text(json.dumps(fields, indent=1, sort_keys=True) + "\n")
    return path


def read_all(folder: Path = HISTORIES) -> list[RecordedHistory]:
    return [
        RecordedHistory(**json.loads(path.read_text())) for path in sorted(folder.glob("*.json"))
    ]


def wrapped_case_key(key_store: Engine, case_id: str) -> tuple[str | None, str | None]:
    """The case's data key as the key store holds it (wrapped under the master key)."""
    with key_store.connect() as connection:
        row = connection.execute(select(CASE_KEYS).where(CASE_KEYS.c.case_id == case_id)).first()
    if row is None:
        return None, None
    return row.wrapped_key, row.master_key_id


def replay_keyring(key_store_url: str, histories: list[RecordedHistory]) -> CaseKeyring:
    """A key store holding each recorded case's wrapped key, under `REPLAY_MASTER_KEY`."""
    engine = key_store_engine(key_store_url)
    with engine.begin() as connection:
        for recorded in histories:
            if recorded.wrapped_case_key is not None:
                connection.execute(
                    CASE_KEYS.insert().values(
                        case_id=recorded.workflow_id,
                        wrapped_key=recorded.wrapped_case_key,
                        master_key_id=recorded.master_key_id,
                        created_at=datetime.now(UTC),
                    )
                )
    return CaseKeyring(engine, MasterKeys([REPLAY_MASTER_KEY]))


def replay_converter(keyring: CaseKeyring) -> DataConverter:
    """The worker's data converter (`dutyflow.runtime.temporal.data_converter`) on these keys."""
    return data_converter([REPLAY_MASTER_KEY], keyring)
