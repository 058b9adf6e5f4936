"""Live WebSocket connections and fan-out on the event loop.

Consumer threads hand deliveries over with `loop.call_soon_threadsafe`; fan-out only puts text on
bounded per-connection queues, so one slow client can never stall the others: when its queue is
full it is closed (1013) instead.
"""
from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable

from ..domain.messages import (
    CLOSE_POLICY_VIOLATION,
    CLOSE_SERVICE_RESTART,
    CLOSE_TRY_AGAIN_LATER,
    Delivery,
)

log = logging.getLogger(__name__)


class Connection:
    """One socket's bounded outgoing queue and its close request."""

    def __init__(self, *, user_id: int, session_id: str, max_queue: int = 256):
        self.user_id = user_id
        self.session_id = session_id
        self.queue: asyncio.Queue[str] = asyncio.Queue(maxsize=max_queue)
        self.close_code: int | None = None
        self.close_reason = ""
        self.closing = asyncio.Event()

    def offer(self, text: str) -> bool:
        """Queue a message; False (and a close request) when the client is too far behind."""
        if self.closing.is_set():
            return False
        try:
            self.queue.put_nowait(text)
            return True
        except asyncio.QueueFull:
            self.request_close(CLOSE_TRY_AGAIN_LATER, "client too slow")
            return False

    def request_close(self, code: int, reason: str) -> None:
        """Ask the socket's task to close with `code`; pending messages are dropped."""
        if self.closing.is_set():
            return
        self.close_code, self.close_reason = code, reason
        while not self.queue.empty():
            self.queue.get_nowait()
        self.closing.set()


class Hub:
    """Who is connected (by user and session) and the delivery of messages to them."""

    def __init__(self, *, on_overflow: Callable[[], None] = lambda: None):
        self._by_user: dict[int, set[Connection]] = defaultdict(set)
        self._by_session: dict[str, set[Connection]] = defaultdict(set)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._on_overflow = on_overflow
        self._consumed = False  # the fan-out queue has consumed at least once
        self._gap = False  # ... and lost its connection since

    def set_overflow_callback(self, callback: Callable[[], None]) -> None:
        """Called once per client closed for being too slow (metrics)."""
        self._on_overflow = callback

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """The loop that owns the connections (set when the app starts)."""
        self._loop = loop

    @property
    def connection_count(self) -> int:
        return sum(len(c) for c in self._by_user.values())

    def register(self, conn: Connection) -> None:
        self._by_user[conn.user_id].add(conn)
        self._by_session[conn.session_id].add(conn)

    def unregister(self, conn: Connection) -> None:
        for index, key in ((self._by_user, conn.user_id), (self._by_session, conn.session_id)):
            conns = index.get(key)
            if conns is not None:
                conns.discard(conn)
                if not conns:
                    del index[key]

    def dispatch(self, delivery: Delivery) -> int:
        """Queue `delivery` for every connection allowed to see it; returns how many took it."""
        if delivery.is_broadcast:
            targets = [c for conns in self._by_user.values() for c in conns]
        else:
            targets = list(self._by_user.get(delivery.user_id, ()))
        taken = 0
        for conn in targets:
            already_closing = conn.closing.is_set()
            if conn.offer(delivery.text):
                taken += 1
            elif not already_closing and conn.close_code == CLOSE_TRY_AGAIN_LATER:
                log.warning("closing a slow WebSocket client", extra={"user_id": conn.user_id})
                self._on_overflow()
        return taken

    def close_session(self, session_id: str) -> int:
        """Close (1008) every socket opened with a revoked session; returns how many."""
        conns = list(self._by_session.get(session_id, ()))
        for conn in conns:
            conn.request_close(CLOSE_POLICY_VIOLATION, "session revoked")
        return len(conns)

    def close_all(self, code: int, reason: str) -> int:
        """Close every socket; returns how many."""
        conns = [c for conns in self._by_user.values() for c in conns]
        for conn in conns:
            conn.request_close(code, reason)
        return len(conns)

    def _close_after_gap(self, _arg: object) -> None:
        closed = self.close_all(CLOSE_SERVICE_RESTART, "updates were missed, reconnect")
        log.warning("fan-out queue back after a broker outage: sockets closed so clients "
                    "re-fetch", extra={"closed": closed})

    # ---- from consumer threads ----------------------------------------------------------------
    def fan_out_connected(self, consuming: bool) -> None:
        """The bus hook of this replica's fan-out queue. The queue is exclusive: while its
        broker connection is down it does not exist, and what is published meanwhile never
        reaches these sockets. The socket does not replay, so once the queue consumes again every
        open socket is closed (1012): its client reconnects and re-fetches what it shows."""
        if not consuming:
            self._gap = self._consumed
        elif self._gap:
            self._gap = False
            self._call(self._close_after_gap, None)
        else:
            self._consumed = True

    def dispatch_threadsafe(self, delivery: Delivery) -> None:
        """Hand a delivery to the event loop (no-op before the app has started). An update for
        a user without a socket on this replica is dropped here, without waking the loop: it
        would have reached nobody (a socket that opens meanwhile connected after the change it
        tells of, as it would have if the loop had run first)."""
        if not delivery.is_broadcast and delivery.user_id not in self._by_user:
            return
        self._call(self.dispatch, delivery)

    def close_session_threadsafe(self, session_id: str) -> None:
        self._call(self.close_session, session_id)

    def _call(self, fn, arg) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(fn, arg)
        except RuntimeError:  # the loop closed in between: nobody is connected any more
            pass
