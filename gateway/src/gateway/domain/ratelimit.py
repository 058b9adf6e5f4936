"""Gateway-wide per-client request limit (fixed one-minute windows), off unless configured."""
from __future__ import annotations

import math
import time
from collections.abc import Callable


class FixedWindowLimiter:
    """At most `limit` requests per client per window; memory is cleared when a window ends."""

    def __init__(self, limit: int, *, window_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._window = -1
        self._counts: dict[str, int] = {}

    def hit(self, client: str) -> int | None:
        """Count one request; None when allowed, else the seconds to wait (Retry-After)."""
        now = self._clock()
        window = int(now // self.window_s)
        if window != self._window:
            self._window = window
            self._counts = {}
        count = self._counts.get(client, 0) + 1
        self._counts[client] = count
        if count <= self.limit:
            return None
        return max(1, math.ceil((window + 1) * self.window_s - now))
