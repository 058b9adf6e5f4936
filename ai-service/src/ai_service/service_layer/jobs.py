"""Running one claimed job: fetch the PDF, extract its text, summarise, publish the outcome.

The slow part (the catalog, pypdf, OpenAI) runs with no transaction open; only recording the
outcome and emitting `book.summarized` happen in a unit of work, a short one of the job's own.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bookstore_shared.events.contracts import BookSummarized

from ..domain.exceptions import BookGone, PdfUnavailable, SummaryFailed
from ..domain.model import Job, Outcome, Summary, has_text
from .unit_of_work import AiUnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SummaryEngine:
    """Who writes summaries: provider and model names, and the function that does it."""

    provider: str
    model: str
    summarize: Callable[[list[str]], Summary]


@dataclass
class JobContext:
    """Everything a job needs (wired by bootstrap)."""

    uow: Callable[[], AiUnitOfWork]
    engine: SummaryEngine
    fetch_pdf: Callable[..., bytes]
    extract_pages: Callable[[bytes], list[str]]
    fetch_attempts: int = 5
    fetch_backoff_s: float = 2.0


def outcome_of(pages: list[str], engine: SummaryEngine) -> Outcome:
    """Summarise extracted pages; no text or an empty summary is `no_text`, errors `failed`."""
    names = {"provider": engine.provider, "model": engine.model}
    if not has_text(pages):
        return Outcome.no_text(**names)
    try:
        result = engine.summarize(pages)
    except SummaryFailed as exc:
        return Outcome.failed(exc.reason, **names)
    if not result.summary.strip():
        return Outcome.no_text(**names)
    return Outcome.ready(result, **names)


def run_job(job: Job, ctx: JobContext) -> str:
    """Do the work of one job and record what happened; returns the job's final state."""
    names = {"provider": ctx.engine.provider, "model": ctx.engine.model}
    try:
        outcome = outcome_of(ctx.extract_pages(ctx.fetch_pdf(job.book_id, pdf_key=job.pdf_key)),
                             ctx.engine)
    except BookGone:
        return _close(job, ctx, drop=True)
    except PdfUnavailable as exc:
        if job.fetch_attempts + 1 < ctx.fetch_attempts:
            return _requeue(job, ctx, reason=str(exc))
        outcome = Outcome.failed(f"the PDF could not be fetched: {exc}", **names)
    except SummaryFailed as exc:  # e.g. an unreadable PDF
        outcome = Outcome.failed(exc.reason, **names)
    except Exception as exc:
        log.exception("summary job crashed", extra={"job_id": job.id})
        outcome = Outcome.failed(f"internal error ({type(exc).__name__})", **names)
    return _close(job, ctx, outcome=outcome)


def _close(job: Job, ctx: JobContext, *, outcome: Outcome | None = None, drop: bool = False) -> str:
    with ctx.uow() as uow:
        if not uow.jobs.still_ours(job):
            log.info("summary job superseded, result discarded", extra={"job_id": job.id})
            return "superseded"
        if drop or outcome is None:
            uow.jobs.drop(job)
            uow.commit()
            log.info("summary job dropped: the book is gone", extra={"book_id": job.book_id})
            return "dropped"
        uow.jobs.finish(job, outcome)
        uow.emit_resumed(_summarized(job, outcome), correlation_id=job.correlation_id,
                         causation_id=job.causation_id)
        uow.commit()
    log.info("book summarized", extra={"book_id": job.book_id, "status": outcome.status,
                                       "provider": outcome.provider, "error": outcome.error})
    return outcome.status


def _requeue(job: Job, ctx: JobContext, *, reason: str) -> str:
    delay = ctx.fetch_backoff_s * 2 ** job.fetch_attempts
    with ctx.uow() as uow:
        if uow.jobs.still_ours(job):
            uow.jobs.retry_later(job, delay_s=delay)
        uow.commit()
    log.warning("PDF fetch failed, job requeued", extra={"book_id": job.book_id, "error": reason,
                                                         "delay_s": delay})
    return "requeued"


def _summarized(job: Job, outcome: Outcome) -> BookSummarized:
    return BookSummarized(book_id=job.book_id, pdf_key=job.pdf_key, status=outcome.status,
                          summary=outcome.summary, description=outcome.description,
                          provider=outcome.provider, model=outcome.model, error=outcome.error)
