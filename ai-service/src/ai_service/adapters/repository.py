"""Summary jobs in the service's database (SQLAlchemy Core, in the unit of work's session)."""
from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Protocol

from bookstore_shared.events import current_trace_context, utcnow
from sqlalchemy import and_, exists, insert, or_, select, update
from sqlalchemy.orm import Session

from ..domain.model import ACTIVE, Job, JobStatus, Outcome
from .orm import summary_job as t


def _ready_to_run(now):
    return or_(and_(t.c.status == JobStatus.QUEUED, t.c.available_at <= now),
               and_(t.c.status == JobStatus.RUNNING, t.c.lease_expires_at < now))


class JobRepository(Protocol):
    """What the service layer reads and writes; SQL below, in memory in the unit tests."""

    def seen(self, *, book_id: int, pdf_key: str) -> bool: ...
    def cancel_book(self, *, book_id: int) -> int: ...
    def enqueue(self, *, book_id: int, pdf_key: str, correlation_id: str | None = None,
                causation_id: str | None = None) -> None: ...
    def claim(self, *, lease_s: float) -> Job | None: ...
    def still_ours(self, job: Job) -> bool: ...
    def renew(self, job: Job, *, lease_s: float) -> bool: ...
    def finish(self, job: Job, outcome: Outcome) -> None: ...
    def drop(self, job: Job) -> None: ...
    def retry_later(self, job: Job, *, delay_s: float) -> None: ...


class SqlJobRepository:
    """Queue, claim and finish summary jobs through one session (the unit of work's)."""

    def __init__(self, session: Session):
        self.session = session

    def seen(self, *, book_id: int, pdf_key: str) -> bool:
        """True when a job for this exact PDF was ever recorded."""
        return bool(self.session.execute(select(exists().where(
            t.c.book_id == book_id, t.c.pdf_key == pdf_key))).scalar())

    def cancel_book(self, *, book_id: int) -> int:
        """Cancel the book's waiting and running jobs; returns how many."""
        return self.session.execute(
            update(t).where(t.c.book_id == book_id, t.c.status.in_(ACTIVE))
            .values(status=JobStatus.CANCELLED, finished_at=utcnow())).rowcount

    def enqueue(self, *, book_id: int, pdf_key: str,
                correlation_id: str | None = None, causation_id: str | None = None) -> None:
        """Queue a job for this PDF, superseding any earlier job of the book."""
        self.cancel_book(book_id=book_id)
        now = utcnow()
        self.session.execute(insert(t).values(
            book_id=book_id, pdf_key=pdf_key, status=JobStatus.QUEUED, fetch_attempts=0,
            available_at=now, created_at=now, correlation_id=correlation_id,
            causation_id=causation_id, traceparent=current_trace_context().get("traceparent")))

    def claim(self, *, lease_s: float) -> Job | None:
        """Take the oldest runnable job (replicas skip each other's locked rows)."""
        now = utcnow()
        row = self.session.execute(
            select(t.c.id, t.c.book_id, t.c.pdf_key, t.c.fetch_attempts, t.c.correlation_id,
                   t.c.causation_id, t.c.traceparent)
            .where(_ready_to_run(now)).order_by(t.c.id).limit(1)
            .with_for_update(skip_locked=True)).first()
        if row is None:
            return None
        token = str(uuid.uuid4())
        taken = self.session.execute(
            update(t).where(t.c.id == row.id, _ready_to_run(now))
            .values(status=JobStatus.RUNNING, lease_token=token, started_at=now,
                    lease_expires_at=now + timedelta(seconds=lease_s))).rowcount
        if taken != 1:  # SQLite has no row locks: another thread got there first
            return None
        return Job(id=row.id, book_id=row.book_id, pdf_key=row.pdf_key, token=token,
                   fetch_attempts=row.fetch_attempts, correlation_id=row.correlation_id,
                   causation_id=row.causation_id, traceparent=row.traceparent)

    def still_ours(self, job: Job) -> bool:
        """Lock the job row if it is still running under our lease (not cancelled, not taken)."""
        return self.session.execute(
            select(t.c.id).where(t.c.id == job.id, t.c.lease_token == job.token,
                                 t.c.status == JobStatus.RUNNING).with_for_update()
        ).first() is not None

    def renew(self, job: Job, *, lease_s: float) -> bool:
        """Extend our lease on a running job; False when it is no longer ours."""
        return self.session.execute(
            update(t).where(t.c.id == job.id, t.c.lease_token == job.token,
                            t.c.status == JobStatus.RUNNING)
            .values(lease_expires_at=utcnow() + timedelta(seconds=lease_s))).rowcount == 1

    def finish(self, job: Job, outcome: Outcome) -> None:
        """Record the outcome of a job."""
        self.session.execute(update(t).where(t.c.id == job.id).values(
            status=JobStatus.DONE, finished_at=utcnow(), lease_token=None,
            result_status=outcome.status, summary=outcome.summary,
            description=outcome.description, provider=outcome.provider, model=outcome.model,
            error=outcome.error))

    def drop(self, job: Job) -> None:
        """Close a job whose book is gone."""
        self.session.execute(update(t).where(t.c.id == job.id).values(
            status=JobStatus.DROPPED, finished_at=utcnow(), lease_token=None))

    def retry_later(self, job: Job, *, delay_s: float) -> None:
        """Put the job back in the queue after a delay."""
        self.session.execute(update(t).where(t.c.id == job.id).values(
            status=JobStatus.QUEUED, lease_token=None, lease_expires_at=None,
            fetch_attempts=job.fetch_attempts + 1,
            available_at=utcnow() + timedelta(seconds=delay_s)))
