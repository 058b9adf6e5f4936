"""The thread that moves shipments along their schedule, which lives in the database."""
from __future__ import annotations

from bookstore_shared.background import BackgroundLoop, CommitSignal
from bookstore_shared.events import utcnow
from bookstore_shared.outbox import Outbox
from sqlalchemy.orm import sessionmaker

from ..adapters import repository as repo
from ..domain.model import Timings
from .handlers import SCHEDULE_CHANGED, advance_due_shipments


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
        self._signal = CommitSignal(SCHEDULE_CHANGED)  # a shipment was created or rescheduled
        self._signal.watch(sessions)
        self._loop = BackgroundLoop("shipment-scheduler", self.run_once, signal=self._signal)

    @property
    def healthy(self) -> bool:
        """False while advancing shipments fails (database down)."""
        return self._loop.healthy

    def start(self) -> None:
        self._loop.start()

    def stop(self) -> None:
        self._loop.stop()

    def wake(self) -> None:
        """Re-read the schedule now."""
        self._signal.wake()

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
