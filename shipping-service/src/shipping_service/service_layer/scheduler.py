"""The thread that moves shipments along their schedule, which lives in the database."""
from __future__ import annotations

import logging
import threading

from bookstore_shared.events import utcnow
from bookstore_shared.outbox import Outbox
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from ..adapters import repository as repo
from ..domain.model import Timings
from .handlers import SCHEDULE_CHANGED, advance_due_shipments

log = logging.getLogger(__name__)


class ShipmentScheduler:
    """Sleeps until the earliest due shipment (or a wake-up), then advances what is due.

    Replicas share the work through `FOR UPDATE SKIP LOCKED`; a restart resumes from the rows.
    """

    def __init__(self, sessions: sessionmaker, outbox: Outbox, timings: Timings, *,
                 max_idle_s: float = 2.0, batch: int = 100):
        self._sessions = sessions
        self._outbox = outbox
        self._timings = timings
        self._max_idle = max_idle_s
        self._batch = batch
        self._wakeup = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.healthy = True

        @event.listens_for(sessions, "after_commit")
        def _after_commit(session: Session) -> None:
            if session.info.pop(SCHEDULE_CHANGED, False):
                self._wakeup.set()

        @event.listens_for(sessions, "after_rollback")
        def _after_rollback(session: Session) -> None:
            session.info.pop(SCHEDULE_CHANGED, None)

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True, name="shipment-scheduler")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wakeup.set()
        if self._thread:
            self._thread.join(timeout=10)

    def wake(self) -> None:
        """Re-read the schedule now."""
        self._wakeup.set()

    def run_once(self) -> float:
        """Advance due shipments; returns how long to sleep before the next one is due."""
        with self._sessions() as session:
            moved = advance_due_shipments(session, now=utcnow(), timings=self._timings,
                                          outbox=self._outbox, limit=self._batch)
            if moved >= self._batch:
                session.commit()
                return 0.0
            # Read in the same transaction (it sees the moves just made): no second one per tick.
            due = repo.next_due_at(session)
            session.commit()
        if due is None:
            return self._max_idle
        # Never spin: a due row another replica holds right now is skipped, not waited on.
        return min(self._max_idle, max(0.02, (due - utcnow()).total_seconds()))

    def _run(self) -> None:
        backoff = 0.2
        while not self._stop.is_set():
            try:
                pause = self.run_once()
                self.healthy, backoff = True, 0.2
            except Exception as exc:  # noqa: BLE001 - keep scheduling whatever failed
                self.healthy = False
                log.warning("shipment scheduler paused",
                            extra={"error": f"{type(exc).__name__}: {exc}"})
                pause, backoff = backoff, min(backoff * 2, 5.0)
            if pause > 0:
                self._wakeup.wait(pause)
            self._wakeup.clear()
