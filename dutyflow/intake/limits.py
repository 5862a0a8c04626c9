"""The largest request the intake service reads. The middleware that enforces it is the API's
(`dutyflow.api.body_limit.BodySizeLimit`): a body over the limit is refused with ``413`` whether
its ``Content-Length`` declares it or it only turns out too long while streamed, before any route
reads it whole.
"""

from __future__ import annotations

MAX_BODY_BYTES = 2 * 1024 * 1024
