"""A telephone number as a link a phone can call: ``tel:`` and the number's digits (and a
leading ``+``), the number itself shown as written. Pure; the templates call `tel_href`.
"""

from __future__ import annotations

import re

_NOT_DIALLED = re.compile(r"[^0-9+]")


def tel_href(number: str | None) -> str | None:
    """``(916) 445-2771`` as ``tel:9164452771``; None when there is nothing to dial."""
    if not number:
        return None
    digits = _NOT_DIALLED.sub("", number)
    digits = digits[:1] + digits[1:].replace("+", "")
    return f"tel:{digits}" if any(c.isdigit() for c in digits) else None
