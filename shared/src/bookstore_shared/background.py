"""Background work of a service process (outbox relay, shipment scheduler, mail sender, AI jobs):
threads that repeat one step, woken right after a transaction that made work for them commits,
polling as a fallback and backing off while a step fails (the database or broker is down)."""
from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)


class CommitSignal:
    """Set right after the commit of a transaction that marked it (never after a rollback).

    A unit of work marks it with `mark(session, *items)`, so the worker starts at once instead of
    at its next poll, and only once the work is visible to it. The items a transaction marked
    with are handed to the worker after its COMMIT (`take()`), in commit order; a rollback
    drops them.
    """

    def __init__(self, key: str):
        self.key = key
        self._event = threading.Event()
        self._handed: deque = deque()

    def watch(self, factory: sessionmaker) -> None:
        """Listen to commits and rollbacks of sessions made by `factory`."""

        @event.listens_for(factory, "after_commit")
        def _after_commit(session: Session) -> None:
            items = session.info.pop(self.key, None)
            if items is not None:
                self.hand(*items)

        @event.listens_for(factory, "after_rollback")
        def _after_rollback(session: Session) -> None:
            session.info.pop(self.key, None)

    def mark(self, session: Session, *items) -> None:
        """This transaction makes work: wake the worker once it commits, handing it `items`."""
        session.info.setdefault(self.key, []).extend(items)

    def hand(self, *items) -> None:
        """Hand `items` to the worker and wake it (what a commit that marked them does)."""
        self._handed.extend(items)
        self._event.set()

    def take(self, limit: int) -> list:
        """Up to `limit` of the items handed over by commits, oldest first."""
        handed = self._handed
        return [handed.popleft() for _ in range(min(limit, len(handed)))]

    def waiting(self) -> int:
        """How many handed-over items wait to be taken."""
        return len(self._handed)

    def discard(self) -> None:
        """Forget what was handed over (the worker will find that work another way)."""
        self._handed.clear()

    def wake(self) -> None:
        self._event.set()

    def wait(self, timeout: float) -> None:
        """Until woken or `timeout` passes (the step that follows finds what a lost wake-up
        would have announced)."""
        self._event.wait(timeout)
        self._event.clear()


class BackgroundLoop:
    """Runs `step` on `threads` daemon threads until stopped.

    `step()` returns how long to wait before the next step (0: at once); the signal cuts a wait
    short. A step that raises is logged and tried again after a backoff that doubles from
    `backoff_s` up to `max_backoff_s`; `healthy` is False from a failed step to the next good one.
    """

    def __init__(self, name: str, step: Callable[[], float], *, signal: CommitSignal,
                 threads: int = 1, backoff_s: float = 0.2, max_backoff_s: float = 5.0):
        self.name = name
        self.healthy = True
        self._step = step
        self._signal = signal
        self._count = threads
        self._backoff = backoff_s
        self._max_backoff = max_backoff_s
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self._stop.clear()
        self._threads = [threading.Thread(target=self._run, daemon=True,
                                          name=self.name if self._count == 1 else f"{self.name}-{i}")
                         for i in range(self._count)]
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the current step of each thread."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            while thread.is_alive() and time.monotonic() < deadline:
                self._signal.wake()  # again: another thread may have taken the last wake-up
                thread.join(0.05)
        self._threads.clear()

    def is_alive(self) -> bool:
        """True while every thread runs."""
        return bool(self._threads) and all(t.is_alive() for t in self._threads)

    def _run(self) -> None:
        backoff = self._backoff
        while not self._stop.is_set():
            try:
                pause = self._step()
                self.healthy, backoff = True, self._backoff
            except Exception as exc:  # noqa: BLE001 - keep working whatever failed
                self.healthy = False
                log.warning("background work failed, retrying", extra={
                    "loop": self.name, "retry_in_s": backoff,
                    "error": f"{type(exc).__name__}: {exc}"})
                pause, backoff = backoff, min(backoff * 2, self._max_backoff)
            if pause > 0 and not self._stop.is_set():
                self._signal.wait(pause)
