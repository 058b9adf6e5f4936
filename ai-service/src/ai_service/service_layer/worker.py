"""Worker threads: claim queued jobs (woken on commit, polling as a fallback) and run them."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext

from bookstore_shared import telemetry
from bookstore_shared.background import BackgroundLoop, CommitSignal
from bookstore_shared.events import trace_context_of

from ..domain.model import Job
from .jobs import JobContext, run_job

log = logging.getLogger(__name__)


class JobWorker:
    """`threads` workers sharing the queue with each other and with other replicas."""

    def __init__(self, ctx: JobContext, signal: CommitSignal, *, threads: int = 1,
                 lease_s: float = 1800.0, poll_s: float = 2.0,
                 on_finished: Callable[[str], None] | None = None):
        self._ctx = ctx
        self._lease = lease_s
        self._poll = poll_s
        self.on_finished = on_finished
        self._tracer = telemetry.tracer("ai")
        self._loop = BackgroundLoop("ai-worker", self._step, signal=signal, threads=threads,
                                    backoff_s=0.5, max_backoff_s=10.0)

    def start(self) -> None:
        """Start the threads; jobs queued before a restart are picked up straight away."""
        self._loop.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the current job (a job cut short stays leased and is taken over later)."""
        self._loop.stop(timeout)

    def is_alive(self) -> bool:
        """True while every worker thread runs."""
        return self._loop.is_alive()

    def _step(self) -> float:
        return self._poll if self.run_once() is None else 0.0

    def claim(self) -> Job | None:
        """Claim the next runnable job, if any."""
        with self._ctx.uow() as uow:
            job = uow.jobs.claim(lease_s=self._lease)
            uow.commit()
            return job

    def run_once(self) -> str | None:
        """Claim and run one job; its final state, or None when nothing was waiting."""
        job = self.claim()
        if job is None:
            return None
        with self._lease_kept(job), self._span(job):
            state = run_job(job, self._ctx)
        if self.on_finished:
            self.on_finished(state)
        return state

    def _span(self, job: Job):
        """The job, in the trace of the event that queued it (when traced)."""
        if self._tracer is None or not job.traceparent:
            return nullcontext()
        return self._tracer.start_as_current_span(
            "summarize book", context=trace_context_of(job.traceparent),
            attributes={"book.id": job.book_id, "job.id": job.id})

    @contextmanager
    def _lease_kept(self, job: Job) -> Iterator[None]:
        """Renew the job's lease while it runs, so no other replica takes over a long job."""
        done = threading.Event()

        def renew() -> None:
            while not done.wait(self._lease / 3):
                try:
                    with self._ctx.uow() as uow:
                        uow.jobs.renew(job, lease_s=self._lease)
                        uow.commit()
                except Exception:  # noqa: BLE001 - the next renewal may work; the lease is long
                    log.warning("summary job lease not renewed", extra={"job_id": job.id})

        thread = threading.Thread(target=renew, daemon=True, name=f"ai-lease-{job.id}")
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join(5)
