"""Sign-in throttling: after too many failed sign-ins for one account, or from one address,
within a window, further attempts are refused for a while without checking any password (which
also keeps a flood of guesses from tying up the password hashing).

- per account: `ACCOUNT_LIMIT` failures within `WINDOW` lock the account's sign-in for `LOCKOUT`;
- per address: `ADDRESS_LIMIT` failures within `WINDOW` lock sign-in from it for `LOCKOUT`.

A successful sign-in clears its account's failures. The counts live in the API process (several
API processes each count their own: the limits then apply per process).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

WINDOW = 15 * 60.0
LOCKOUT = 15 * 60.0
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20


class SignInThrottle:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._locked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(user_id: str, address: str) -> tuple[tuple[str, int], tuple[str, int]]:
        return (f"account:{user_id.lower()}", ACCOUNT_LIMIT), (f"address:{address}", ADDRESS_LIMIT)

    def wait_seconds(self, user_id: str, address: str) -> int:
        """0 when a sign-in may be tried now, else how long until it may."""
        now = self._clock()
        with self._lock:
            until = max(self._locked_until.get(key, 0.0) for key, _ in self._keys(user_id, address))
        return max(0, int(until - now + 0.999))

    def failed(self, user_id: str, address: str) -> None:
        now = self._clock()
        with self._lock:
            for key, limit in self._keys(user_id, address):
                recent = self._failures.setdefault(key, deque())
                recent.append(now)
                while recent and recent[0] <= now - WINDOW:
                    recent.popleft()
                if len(recent) >= limit:
                    self._locked_until[key] = now + LOCKOUT
                    recent.clear()

    def succeeded(self, user_id: str) -> None:
        with self._lock:
            self._failures.pop(f"account:{user_id.lower()}", None)
