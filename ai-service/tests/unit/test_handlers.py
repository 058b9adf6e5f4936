"""ai's event handlers on the fake unit of work, dispatched through the real registry: which book
events queue a summary job, which cancel one, and what the job keeps of its event."""
from decimal import Decimal

from ai_service.domain.model import JobStatus
from ai_service.entrypoints.consumers import HANDLERS
from bookstore_shared.background import CommitSignal
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import BookCreated, BookDeleted, BookUpdated
from bookstore_testing.kit import apply_events

JOB_QUEUED = CommitSignal("tests_job_queued")


def handle(uow, *events) -> list[Envelope]:
    """Apply events through the registry as the consumer does; the envelopes they arrived in."""
    return apply_events(HANDLERS.bind(job_queued=JOB_QUEUED), uow, *events, producer="catalog")


def book(book_id: int, pdf_key: str | None, *, changed: bool = True, cls=BookCreated):
    return cls(book_id=book_id, title="T", author="A", price=Decimal("9.99"), stock=1,
               pdf_key=pdf_key, pdf_changed=changed)


def statuses(uow, book_id: int) -> list[tuple[str, JobStatus]]:
    return [(r.pdf_key, r.status) for r in uow.jobs.of_book(book_id)]


def test_a_new_pdf_queues_a_job_that_remembers_its_event_and_wakes_the_workers(uow):
    [env] = handle(uow, book(1, "pdf-1"))

    [row] = uow.jobs.of_book(1)
    assert (row.pdf_key, row.status) == ("pdf-1", JobStatus.QUEUED)
    assert (row.correlation_id, row.causation_id) == (env.correlation_id, env.id)
    assert uow.woken == [JOB_QUEUED]
    assert uow.published == []  # the result is published by the job, later


def test_a_redelivered_event_or_an_unchanged_pdf_queues_nothing_more(uow):
    handle(uow, book(2, "pdf-2"), book(2, "pdf-2", changed=False, cls=BookUpdated))

    assert statuses(uow, 2) == [("pdf-2", JobStatus.QUEUED)]
    assert uow.woken == [JOB_QUEUED]


def test_a_changed_pdf_supersedes_the_earlier_job(uow):
    handle(uow, book(3, "pdf-3"), book(3, "pdf-3b", cls=BookUpdated),
           book(3, "pdf-3b", changed=True, cls=BookUpdated))

    assert statuses(uow, 3) == [("pdf-3", JobStatus.CANCELLED), ("pdf-3b", JobStatus.CANCELLED),
                                ("pdf-3b", JobStatus.QUEUED)]


def test_a_removed_pdf_or_a_deleted_book_cancels_pending_work(uow):
    handle(uow, book(4, "pdf-4"), book(4, None, changed=False, cls=BookUpdated))
    handle(uow, book(5, "pdf-5"), BookDeleted(book_id=5))

    assert statuses(uow, 4) == [("pdf-4", JobStatus.CANCELLED)]
    assert statuses(uow, 5) == [("pdf-5", JobStatus.CANCELLED)]


def test_a_book_without_a_pdf_queues_nothing(uow):
    handle(uow, book(6, None, changed=False))
    assert uow.jobs.rows == {} and uow.woken == []


def test_the_ai_queue_is_bound_only_to_the_events_it_handles():
    assert HANDLERS.routing_keys() == ["book.created", "book.deleted", "book.updated"]
