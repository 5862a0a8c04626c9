"""The profile's sealing and rendering columns: a named section of the code is timed only while
someone listens, and the benchmark adds it to the activity attempt it ran in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dutyflow.benchmark import profile as timing
from dutyflow.crypto.keyring import CaseKeyring, MasterKeys, key_store_engine
from dutyflow.crypto.sealing import ContentSealer
from dutyflow.timed_sections import RENDERING, SEALING, listen, timed_section


def test_a_section_is_told_by_name_and_seconds_to_each_listener_until_it_stops() -> None:
    heard: list[tuple[str, float]] = []
    stop = listen(lambda name, seconds: heard.append((name, seconds)))
    try:
        with timed_section(RENDERING):
            pass
    finally:
        stop()
    with timed_section(RENDERING):
        pass  # nobody listens any more

    assert [name for name, _ in heard] == [RENDERING]
    assert heard[0][1] >= 0


def test_a_section_that_fails_is_timed_and_its_error_goes_on() -> None:
    heard: list[str] = []
    stop = listen(lambda name, seconds: heard.append(name))
    try:
        with pytest.raises(ValueError), timed_section(SEALING):
            raise ValueError("the section's own error")
    finally:
        stop()
    assert heard == [SEALING]


@pytest.fixture
def sealer(tmp_path: Path) -> ContentSealer:
    engine = key_store_engine(f"sqlite:///{tmp_path / 'case-keys.db'}")
    return ContentSealer(CaseKeyring(engine, MasterKeys([AESGCM.generate_key(bit_length=256)])))


@pytest.fixture
def watched() -> Iterator[timing.Profile]:
    stop = timing.watch_sections()
    try:
        yield timing.Profile()
    finally:
        stop()


def test_sealing_and_opening_case_content_count_for_the_attempt_that_did_it(
    sealer: ContentSealer, watched: timing.Profile
) -> None:
    record_grounds = watched.step("record_grounds")
    elsewhere = watched.step("render_report")

    with timing.counted_for(record_grounds):
        token = sealer.seal("case-1", "grounds.submission", {"observations": "..."})
        assert sealer.open("case-1", "grounds.submission", token) == {"observations": "..."}

    assert record_grounds.seconds["sealing"] > 0
    assert record_grounds.seconds["rendering"] == 0
    assert elsewhere.seconds["sealing"] == 0


def test_sealing_outside_any_attempt_is_counted_nowhere(
    sealer: ContentSealer, watched: timing.Profile
) -> None:
    record_grounds = watched.step("record_grounds")
    with timing.counted_for(record_grounds):
        pass  # an attempt before, that sealed nothing
    heard: list[str] = []
    stop = listen(lambda name, seconds: heard.append(name))
    try:
        sealer.seal("case-1", "grounds.submission", {"observations": "..."})
    finally:
        stop()

    assert heard == [SEALING]  # the section ran and was timed
    assert record_grounds.seconds["sealing"] == 0  # but no attempt was running it
