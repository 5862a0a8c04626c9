"""The base of every request body the API reads: unknown fields are refused (a typo never
silently drops what the caller meant), and so is text that cannot be encoded, each with a 422
naming the field, before anything is written.

Request bodies that are case models (`dutyflow.domain.case.Model`) get the same from their own
base. Answers (response models) are not inputs and do not use this.
"""

from __future__ import annotations

from pydantic import ConfigDict

from dutyflow.domain.encodable import EncodableText


class InputModel(EncodableText):
    model_config = ConfigDict(extra="forbid")
