"""The privacy notice in the client's language: given in a language only where a checked
translation of that very version exists (a file that says who translated and who checked it);
otherwise the English notice, saying above its text that it is not in the client's language.
No translation ships yet, so every shipped notice offers English alone."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from dutyflow.domain import privacy_notice
from dutyflow.domain.privacy_notice import UnknownNotice

pytestmark = pytest.mark.one_database

ON = date(2026, 12, 3)
UNTRANSLATED = "has not been translated into the client's language (es)"
# A stand-in for a translator's file in a test folder: test words, not a translation.
PROVENANCE = (
    "translation:\n"
    "  translated_by: Test translator\n"
    "  checked_by: Test reviewer\n"
    "  translated_on: 2026-11-30\n"
    "sharing_heading: TEST-HEADING-ES\n"
)


@pytest.fixture
def folder_with_a_translation(tmp_path: Path) -> Path:
    for name in ("us-ca-2026.1.yaml", "notice.html.j2", "notice.txt.j2", "languages.yaml"):
        shutil.copy(privacy_notice.NOTICES / name, tmp_path / name)
    english = (privacy_notice.NOTICES / "us-ca-2026.1.yaml").read_text()
    (tmp_path / "us-ca-2026.1.es.yaml").write_text(
        english.replace("language: en", "language: es") + PROVENANCE
    )
    return tmp_path


def test_english_is_the_notice_as_written() -> None:
    chosen = privacy_notice.in_language("US-CA", ON, None)
    assert (chosen.notice.language, chosen.fell_back) == ("en", False)


def test_a_language_without_a_translation_gets_the_english_notice_saying_so() -> None:
    chosen = privacy_notice.in_language("US-CA", ON, "es")
    assert (chosen.notice.language, chosen.asked, chosen.fell_back) == ("en", "es", True)
    rendered = privacy_notice.render(
        chosen.notice, clinic_name="Clinic", given_on=ON, untranslated_into=chosen.asked
    )
    assert UNTRANSLATED in rendered.html and UNTRANSLATED in rendered.text


def test_the_english_notice_asked_in_english_carries_no_such_note() -> None:
    chosen = privacy_notice.in_language("US-CA", ON, "en")
    rendered = privacy_notice.render(chosen.notice, clinic_name="Clinic", given_on=ON)
    assert "has not been translated" not in rendered.html + rendered.text


def test_a_checked_translation_of_the_version_in_effect_is_given(
    folder_with_a_translation: Path,
) -> None:
    chosen = privacy_notice.in_language("US-CA", ON, "es", folder=folder_with_a_translation)
    assert (chosen.notice.language, chosen.fell_back) == ("es", False)
    rendered = privacy_notice.render(
        chosen.notice, clinic_name="Clinic", given_on=ON, folder=folder_with_a_translation
    )
    assert "TEST-HEADING-ES" in rendered.html and '<html lang="es">' in rendered.html
    assert privacy_notice.languages("US-CA", "2026.1", folder_with_a_translation) == ["en", "es"]


def test_a_translation_of_another_version_is_not_given_for_this_one(
    folder_with_a_translation: Path,
) -> None:
    newer = (privacy_notice.NOTICES / "us-ca-2026.1.yaml").read_text()
    newer = newer.replace('version: "2026.1"', 'version: "2026.9"')
    (folder_with_a_translation / "us-ca-2026.9.yaml").write_text(
        newer.replace("effective_from: 2026-01-01", "effective_from: 2026-06-01")
    )
    chosen = privacy_notice.in_language("US-CA", ON, "es", folder=folder_with_a_translation)
    assert (chosen.notice.version, chosen.notice.language, chosen.fell_back) == (
        "2026.9",
        "en",
        True,
    )


def test_a_notice_in_another_language_must_say_who_translated_it(tmp_path: Path) -> None:
    english = (privacy_notice.NOTICES / "us-ca-2026.1.yaml").read_text()
    (tmp_path / "us-ca-2026.1.es.yaml").write_text(english.replace("language: en", "language: es"))
    with pytest.raises(ValidationError, match="who translated it"):
        privacy_notice.versions("US-CA", tmp_path, "es")


def test_a_language_that_is_not_a_code_is_refused_naming_the_field() -> None:
    with pytest.raises(UnknownNotice) as refused:
        privacy_notice.in_language("US-CA", ON, "<Spanish>")
    assert refused.value.field == "language" and "<Spanish>" not in str(refused.value)


def test_no_shipped_notice_offers_a_language_but_english() -> None:
    for jurisdiction in ("US-CA", "US-NY", "US-TX", "GB-ENG"):
        notice = privacy_notice.current(jurisdiction, ON)
        choices = privacy_notice.language_choices(notice)
        assert [c.code for c in choices if c.translated] == ["en"]
        assert choices[0].code == "en" and len(choices) > 1
