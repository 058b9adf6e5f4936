"""Running one claimed job: fetch the PDF, extract its text, summarise, publish the outcome."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import BookSummarized
from bookstore_shared.outbox import Outbox
from sqlalchemy.orm import Session, sessionmaker

from ..adapters.repository import JobRepository
from ..domain.exceptions import BookGone, PdfUnavailable, SummaryFailed
from ..domain.model import Job, Outcome, Summary, has_text

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

    sessions: sessionmaker[Session]
    jobs: JobRepository
    outbox: Outbox
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
    with ctx.sessions() as session:
        if not ctx.jobs.still_ours(session, job):
            session.rollback()
            log.info("summary job superseded, result discarded", extra={"job_id": job.id})
            return "superseded"
        if drop or outcome is None:
            ctx.jobs.drop(session, job)
            session.commit()
            log.info("summary job dropped: the book is gone", extra={"book_id": job.book_id})
            return "dropped"
        ctx.jobs.finish(session, job, outcome)
        ctx.outbox.add(session, _event(job, outcome))
        session.commit()
    log.info("book summarized", extra={"book_id": job.book_id, "status": outcome.status,
                                       "provider": outcome.provider, "error": outcome.error})
    return outcome.status


def _requeue(job: Job, ctx: JobContext, *, reason: str) -> str:
    delay = ctx.fetch_backoff_s * 2 ** job.fetch_attempts
    with ctx.sessions() as session:
        if ctx.jobs.still_ours(session, job):
            ctx.jobs.retry_later(session, job, delay_s=delay)
        session.commit()
    log.warning("PDF fetch failed, job requeued", extra={"book_id": job.book_id, "error": reason,
                                                         "delay_s": delay})
    return "requeued"


def _event(job: Job, outcome: Outcome) -> Envelope:
    payload = BookSummarized(book_id=job.book_id, pdf_key=job.pdf_key, status=outcome.status,
                             summary=outcome.summary, description=outcome.description,
                             provider=outcome.provider, model=outcome.model, error=outcome.error)
    env = Envelope.wrap(payload, producer="ai", correlation_id=job.correlation_id)
    return env.model_copy(update={"causation_id": job.causation_id}) if job.causation_id else env
