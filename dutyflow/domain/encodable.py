"""Text that can be stored and sent: a string holding a lone surrogate (``"\\ud800"`` in JSON)
cannot be encoded as UTF-8, so it would fail wherever it is written (database, Temporal payload,
rendered report) after something else was already written. `EncodableText` refuses it when the
model is validated, naming the field, never repeating the value.

What does not live here: which fields a model has, or what a field must otherwise hold
(`dutyflow.domain.validation`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, field_validator

NOT_ENCODABLE = "contains characters that cannot be encoded as text (an unpaired surrogate)"


def encodable(value: Any) -> bool:
    """Whether every string in ``value`` (a string, or lists, tuples and dicts of them) encodes
    as UTF-8. Nested models are checked by their own validators."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(encodable(item) for item in value)
    if isinstance(value, dict):
        return all(encodable(k) and encodable(v) for k, v in value.items())
    return True


class EncodableText(BaseModel):
    """A model base that refuses any field holding text that cannot be encoded."""

    @field_validator("*", mode="after")
    @classmethod
    def _text_is_encodable(cls, value: Any) -> Any:
        if not encodable(value):
            raise ValueError(NOT_ENCODABLE)
        return value
