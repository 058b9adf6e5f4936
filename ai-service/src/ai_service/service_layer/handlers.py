"""Event handlers: they only record jobs (the long work runs in the worker, off the bus)."""
from __future__ import annotations

import logging

from bookstore_shared.background import CommitSignal
from sqlalchemy.orm import Session

from ..adapters.repository import JobRepository
from ..domain.model import needs_summary

log = logging.getLogger(__name__)


def book_changed(session: Session, *, book_id: int, pdf_key: str | None, pdf_changed: bool,
                 jobs: JobRepository, signal: CommitSignal, correlation_id: str | None = None,
                 causation_id: str | None = None) -> bool:
    """Queue a summary job when the book's PDF is new or changed; True if one was queued."""
    if not pdf_key:
        # The book has no PDF (any more): work on an earlier PDF is pointless.
        jobs.cancel_book(session, book_id=book_id)
        return False
    seen = jobs.seen(session, book_id=book_id, pdf_key=pdf_key)
    if not needs_summary(pdf_key=pdf_key, pdf_changed=pdf_changed, already_seen=seen):
        return False
    jobs.enqueue(session, book_id=book_id, pdf_key=pdf_key, correlation_id=correlation_id,
                 causation_id=causation_id)
    signal.mark(session)
    log.info("summary job queued", extra={"book_id": book_id, "pdf_key": pdf_key})
    return True


def book_deleted(session: Session, *, book_id: int, jobs: JobRepository) -> None:
    """Cancel the deleted book's pending work."""
    if jobs.cancel_book(session, book_id=book_id):
        log.info("summary jobs cancelled", extra={"book_id": book_id})
