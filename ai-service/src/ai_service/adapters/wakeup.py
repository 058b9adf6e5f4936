"""Wakes the job workers right after a transaction that queued a job commits."""
from __future__ import annotations

import threading

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

_QUEUED = "ai_job_queued"


class JobSignal:
    """`mark(session)` inside the unit of work; workers `wait()` until a commit carried a job."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def watch(self, factory: sessionmaker) -> None:
        @event.listens_for(factory, "after_commit")
        def _after_commit(session: Session) -> None:
            if session.info.pop(_QUEUED, False):
                self._event.set()

        @event.listens_for(factory, "after_rollback")
        def _after_rollback(session: Session) -> None:
            session.info.pop(_QUEUED, None)

    def mark(self, session: Session) -> None:
        """Note that this transaction queues a job."""
        session.info[_QUEUED] = True

    def wait(self, timeout: float) -> None:
        """Block until woken or `timeout` passes."""
        if self._event.wait(timeout):
            self._event.clear()

    def wake(self) -> None:
        self._event.set()
