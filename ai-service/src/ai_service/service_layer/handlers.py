"""One handler per book event: each only records jobs in the consumer's unit of work. The long
work (fetching the PDF, asking OpenAI) runs in the job worker, outside any event's transaction."""
from __future__ import annotations

import logging

from bookstore_shared.background import CommitSignal
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import BookChanged, BookDeleted

from ..domain.model import needs_summary
from .unit_of_work import AiUnitOfWork

log = logging.getLogger(__name__)


def queue_summary(event: BookChanged, *, uow: AiUnitOfWork, envelope: Envelope,
                  job_queued: CommitSignal) -> None:
    """Queue a summary job when the book's PDF is new or changed (superseding earlier jobs of
    the book); the job keeps the event's ids, so its `book.summarized` names this event."""
    if not event.pdf_key:
        # The book has no PDF (any more): work on an earlier PDF is pointless.
        uow.jobs.cancel_book(book_id=event.book_id)
        return
    seen = uow.jobs.seen(book_id=event.book_id, pdf_key=event.pdf_key)
    if not needs_summary(pdf_key=event.pdf_key, pdf_changed=event.pdf_changed,
                         already_seen=seen):
        return
    uow.jobs.enqueue(book_id=event.book_id, pdf_key=event.pdf_key,
                     correlation_id=envelope.correlation_id, causation_id=envelope.id)
    uow.wake_after_commit(job_queued)  # a worker starts on it right after the commit
    log.info("summary job queued", extra={"book_id": event.book_id, "pdf_key": event.pdf_key})


def cancel_summaries(event: BookDeleted, *, uow: AiUnitOfWork) -> None:
    """Cancel the deleted book's pending work (a running job's result is then discarded)."""
    if uow.jobs.cancel_book(book_id=event.book_id):
        log.info("summary jobs cancelled", extra={"book_id": event.book_id})
