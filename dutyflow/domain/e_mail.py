"""One e-mail address: the one pattern for every place an address is typed or read.

A user's notification address, a reporter's address on a new report or a profile, and an agency's
e-mail channel in the directory are all checked here. The shape is what an SMTP envelope takes as
it is: one address, no display name, no spaces, no angle brackets, at most 254 characters. A
problem never repeats the address."""

from __future__ import annotations

import re

ONE_ADDRESS = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
LONGEST_ADDRESS = 254
E_MAIL_PROBLEM = "must be one e-mail address, like name@example.org"


def is_one_address(text: str) -> bool:
    """Whether ``text`` is exactly one e-mail address of the shape above."""
    return len(text) <= LONGEST_ADDRESS and ONE_ADDRESS.fullmatch(text) is not None
