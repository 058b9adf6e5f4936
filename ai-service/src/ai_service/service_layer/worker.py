"""Worker threads: claim queued jobs (woken on commit, polling as a fallback) and run them."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..adapters.wakeup import JobSignal
from ..domain.model import Job
from .jobs import JobContext, run_job

log = logging.getLogger(__name__)


class JobWorker:
    """`threads` workers sharing the queue with each other and with other replicas."""

    def __init__(self, ctx: JobContext, signal: JobSignal, *, threads: int = 1,
                 lease_s: float = 1800.0, poll_s: float = 2.0,
                 on_finished: Callable[[str], None] | None = None):
        self._ctx = ctx
        self._signal = signal
        self._count = threads
        self._lease = lease_s
        self._poll = poll_s
        self.on_finished = on_finished
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Start the threads; jobs queued before a restart are picked up straight away."""
        self._stop.clear()
        self._threads = [threading.Thread(target=self._run, daemon=True, name=f"ai-worker-{i}")
                         for i in range(self._count)]
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the current job (a job cut short stays leased and is taken over later)."""
        self._stop.set()
        self._signal.wake()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def is_alive(self) -> bool:
        """True while every worker thread runs."""
        return bool(self._threads) and all(t.is_alive() for t in self._threads)

    def claim(self) -> Job | None:
        """Claim the next runnable job, if any."""
        with self._ctx.sessions() as session:
            job = self._ctx.jobs.claim(session, lease_s=self._lease)
            session.commit()
            return job

    def run_once(self) -> str | None:
        """Claim and run one job; its final state, or None when nothing was waiting."""
        job = self.claim()
        if job is None:
            return None
        with self._lease_kept(job):
            state = run_job(job, self._ctx)
        if self.on_finished:
            self.on_finished(state)
        return state

    @contextmanager
    def _lease_kept(self, job: Job) -> Iterator[None]:
        """Renew the job's lease while it runs, so no other replica takes over a long job."""
        done = threading.Event()

        def renew() -> None:
            while not done.wait(self._lease / 3):
                try:
                    with self._ctx.sessions() as session:
                        self._ctx.jobs.renew(session, job, lease_s=self._lease)
                        session.commit()
                except Exception:  # noqa: BLE001 - the next renewal may work; the lease is long
                    log.warning("summary job lease not renewed", extra={"job_id": job.id})

        thread = threading.Thread(target=renew, daemon=True, name=f"ai-lease-{job.id}")
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join(5)

    def _run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            try:
                if self.run_once() is None:
                    self._signal.wait(self._poll)
                backoff = 0.5
            except Exception:
                log.exception("summary worker error; retrying")
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
