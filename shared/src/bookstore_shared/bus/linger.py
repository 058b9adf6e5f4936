"""When a batch waits for more deliveries before it is applied (RabbitMQ consumers).

Every batch costs its fixed share whatever its size: a transaction, the inbox and outbox inserts,
a COMMIT, an ack, a relay round. At 50 orders/s on two cores most batches held one or two
deliveries, and an order cost 37 ms of CPU; at 100/s batches were larger and it cost 24. Waiting a
few milliseconds for the deliveries already on their way buys that saving at lower rates too.

The wait is only worth it when more deliveries are likely within it: the queue must have received,
over the last full second, at least one delivery per `linger` (50/s for 20 ms). Under light load a
batch is therefore one message, handled at once; a full batch never waits either.
"""
from __future__ import annotations

import time
from collections.abc import Callable

WINDOW_S = 1.0


class Linger:
    """Per consumer thread: `arrived(n)` after each read from the socket, then `worth_waiting`."""

    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self._clock = clock
        self._window_start = clock()
        self._in_window = 0
        self._last_rate = 0.0  # deliveries per second over the last full window

    def arrived(self, count: int) -> None:
        """`count` deliveries were read from the socket just now."""
        now = self._clock()
        elapsed = now - self._window_start
        if elapsed >= WINDOW_S:
            # a window with nothing in it (a quiet spell) reads as a rate of zero
            self._last_rate = self._in_window / elapsed if elapsed < 2 * WINDOW_S else 0.0
            self._window_start, self._in_window = now, 0
        self._in_window += count

    def worth_waiting(self, pending: int, batch_size: int) -> bool:
        """Wait `seconds` before applying `pending` deliveries? Only for a batch not yet full,
        from a queue busy enough that another delivery is due within the wait."""
        return (self.seconds > 0 and 0 < pending < batch_size
                and self._last_rate * self.seconds >= 1.0)
