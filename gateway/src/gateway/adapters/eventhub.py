"""The admin event feed's hub: one exclusive bus queue per gateway process, fanned out to the
connected feed clients through bounded per-client queues (a client that falls behind is dropped)."""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from bookstore_shared.bus import Bus
from bookstore_shared.eventfeed import EventFilter
from bookstore_shared.events import Envelope
from starlette.concurrency import run_in_threadpool

log = logging.getLogger(__name__)

FEED_QUEUE = "gateway.events"


@dataclass(frozen=True)
class FeedEvent:
    """One event as every feed client sends it: routing key, event id, envelope JSON."""

    type: str
    id: str
    json: str


OVERFLOW = object()
"""Queued (alone) for a client that fell behind: its last message before it is dropped."""


@dataclass(eq=False)
class FeedClient:
    """One connected feed: its filter and the events waiting to be sent to it."""

    filter: EventFilter
    queue: asyncio.Queue
    dropped: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, event: FeedEvent) -> bool:
        """Queue an event; False (and only OVERFLOW left queued) when the client fell behind."""
        try:
            self.queue.put_nowait(event)
            return True
        except asyncio.QueueFull:
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(OVERFLOW)
            self.dropped.set()
            return False


class EventHub:
    """Subscribes `gateway.events` (`#`, exclusive) when the first client joins, then fans out."""

    def __init__(self, bus: Bus, *, max_clients: int, buffer: int, ready_timeout_s: float = 10.0,
                 metrics=None):
        """`metrics` (optional): an object with a `clients` gauge and an `overflows` counter."""
        self._bus = bus
        self.max_clients = max_clients
        self._buffer = buffer
        self._ready_timeout = ready_timeout_s
        self.metrics = metrics
        self._clients: set[FeedClient] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._subscribed = False
        self._lock: asyncio.Lock | None = None

    @property
    def clients(self) -> int:
        """How many feed clients are connected."""
        return len(self._clients)

    async def join(self, event_filter: EventFilter) -> FeedClient | None:
        """A new client receiving every matching event from now on; None when the hub is full."""
        if len(self._clients) >= self.max_clients:
            return None
        self._loop = asyncio.get_running_loop()
        client = FeedClient(event_filter, asyncio.Queue(maxsize=self._buffer))
        self._clients.add(client)
        self._gauge()
        try:
            await self._subscribe_once()
        except BaseException:
            self.leave(client)
            raise
        return client

    def leave(self, client: FeedClient) -> None:
        """Stop sending to a client (it disconnected or was dropped)."""
        self._clients.discard(client)
        self._gauge()

    async def _subscribe_once(self) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._subscribed:
                return
            await run_in_threadpool(self._bus.subscribe, FEED_QUEUE, ["#"], self.handle,
                                    exclusive=True)
            self._subscribed = True
            # The queue is bound once the bus reports every consumer connected.
            deadline = time.monotonic() + self._ready_timeout
            while not self._bus.is_healthy() and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            log.info("event feed subscribed", extra={"queue": FEED_QUEUE})

    def handle(self, envelope: Envelope) -> None:
        """Bus handler (a bus thread): hand the event to the event loop. Never raises."""
        loop = self._loop
        if not self._clients or loop is None:
            return
        try:
            loop.call_soon_threadsafe(self.fan_out, envelope)
        except RuntimeError:  # the loop is closed: the gateway is shutting down
            pass

    def fan_out(self, envelope: Envelope) -> None:
        """Offer an event to every client whose filter accepts it (on the event loop)."""
        event = None
        for client in list(self._clients):
            try:
                if not client.filter.accepts(envelope):
                    continue
            except Exception:
                log.exception("event feed filter failed", extra={"event_type": envelope.type})
                continue
            if event is None:
                event = FeedEvent(envelope.type, envelope.id, envelope.to_bytes().decode())
            if not client.offer(event):
                log.warning("event feed client fell behind; dropped",
                            extra={"buffer": self._buffer})
                if self.metrics is not None:
                    self.metrics.overflows.inc()
                self.leave(client)

    def _gauge(self) -> None:
        if self.metrics is not None:
            self.metrics.clients.set(len(self._clients))
