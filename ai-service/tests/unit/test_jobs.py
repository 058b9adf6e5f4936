"""A claimed job on the fake unit of work: the slow work runs with no transaction open, and the
job's own unit of work records the outcome and emits `book.summarized` with the event's ids."""
from ai_service.domain.exceptions import BookGone, PdfUnavailable
from ai_service.domain.model import JobStatus, Summary
from ai_service.service_layer.jobs import run_job
from bookstore_shared.events.contracts import BookSummarized


def claimed(uow, book_id: int = 1, *, correlation_id="corr-1", causation_id="event-1"):
    with uow:
        uow.jobs.enqueue(book_id=book_id, pdf_key=f"pdf-{book_id}",
                         correlation_id=correlation_id, causation_id=causation_id)
        uow.commit()
    with uow:
        job = uow.jobs.claim(lease_s=60)
        uow.commit()
    return job


def test_a_summary_is_recorded_and_published_under_the_book_event(uow, job_ctx, outside):
    job = claimed(uow)

    assert run_job(job, job_ctx) == "ready"

    [env] = uow.published
    assert env.payload() == BookSummarized(
        book_id=1, pdf_key="pdf-1", status="ready", summary="A summary.",
        description="A description.", provider="openai", model="gpt-test")
    assert (env.producer, env.correlation_id, env.causation_id) == ("ai", "corr-1", "event-1")
    assert uow.jobs.rows[job.id].status is JobStatus.DONE
    assert outside.calls_in_transaction == []  # catalog, pypdf and the model: none in a transaction


def test_a_job_queued_without_ids_publishes_with_a_fresh_correlation_and_no_cause(uow, job_ctx):
    run_job(claimed(uow, correlation_id=None, causation_id=None), job_ctx)

    [env] = uow.published
    assert env.causation_id is None and env.correlation_id


def test_a_job_cancelled_while_it_ran_discards_its_result(uow, job_ctx):
    job = claimed(uow)
    with uow:
        uow.jobs.cancel_book(book_id=1)  # the book was deleted meanwhile
        uow.commit()

    assert run_job(job, job_ctx) == "superseded"
    assert uow.published == [] and uow.jobs.rows[job.id].status is JobStatus.CANCELLED


def test_a_book_gone_from_the_catalog_drops_the_job_without_an_event(uow, job_ctx, outside):
    outside.pdf = BookGone()
    job = claimed(uow)

    assert run_job(job, job_ctx) == "dropped"
    assert uow.published == [] and uow.jobs.rows[job.id].status is JobStatus.DROPPED


def test_an_unreachable_catalog_requeues_with_backoff_then_reports_the_failure(uow, job_ctx,
                                                                               outside):
    outside.pdf = PdfUnavailable("catalog answered 503")
    job = claimed(uow)

    assert run_job(job, job_ctx) == "requeued"
    row = uow.jobs.rows[job.id]
    assert (row.status, row.fetch_attempts, row.retry_in_s) == (JobStatus.QUEUED, 1, 2.0)
    assert uow.published == []

    row.retry_in_s = None  # its time came
    with uow:
        again = uow.jobs.claim(lease_s=60)
        uow.commit()
    assert run_job(again, job_ctx) == "failed"  # the last of fetch_attempts=2
    [env] = uow.published
    assert env.payload().status == "failed" and "catalog answered 503" in env.payload().error


def test_a_crash_in_the_summarizer_is_published_as_a_failure_not_raised(uow, job_ctx, outside):
    outside.summary = None  # the summarizer returns garbage: summary.summary fails
    assert run_job(claimed(uow), job_ctx) == "failed"
    assert uow.published[0].payload().error == "internal error (AttributeError)"


def test_an_empty_summary_counts_as_no_text(uow, job_ctx, outside):
    outside.summary = Summary("  ", "")
    assert run_job(claimed(uow), job_ctx) == "no_text"
    assert uow.published[0].payload().status == "no_text"
