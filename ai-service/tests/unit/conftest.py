"""Fakes for service-layer tests: the job queue in memory, the kit's in-memory unit of work, and a
job context whose catalog, PDF reader and summarizer are plain functions."""
from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field

import pytest
from ai_service.domain.model import ACTIVE, Job, JobStatus, Outcome, Summary
from ai_service.service_layer.jobs import JobContext, SummaryEngine
from bookstore_shared.kit import InMemoryUnitOfWork


@dataclass
class JobRow:
    """One stored job, as the summary_job table holds it."""

    id: int
    book_id: int
    pdf_key: str
    status: JobStatus = JobStatus.QUEUED
    fetch_attempts: int = 0
    lease_token: str | None = None
    correlation_id: str | None = None
    causation_id: str | None = None
    retry_in_s: float | None = None
    outcome: Outcome | None = None


class FakeJobRepository:
    """The job queue in a dict; the same answers as the SQL repository (time does not pass, so
    a requeued job is not claimable again and leases never expire)."""

    def __init__(self):
        self.rows: dict[int, JobRow] = {}
        self._ids = itertools.count(1)

    def of_book(self, book_id: int) -> list[JobRow]:
        return [r for r in self.rows.values() if r.book_id == book_id]

    def seen(self, *, book_id: int, pdf_key: str) -> bool:
        return any(r.pdf_key == pdf_key for r in self.of_book(book_id))

    def cancel_book(self, *, book_id: int) -> int:
        active = [r for r in self.of_book(book_id) if r.status in ACTIVE]
        for row in active:
            row.status = JobStatus.CANCELLED
        return len(active)

    def enqueue(self, *, book_id: int, pdf_key: str, correlation_id: str | None = None,
                causation_id: str | None = None) -> None:
        self.cancel_book(book_id=book_id)
        job_id = next(self._ids)
        self.rows[job_id] = JobRow(job_id, book_id, pdf_key, correlation_id=correlation_id,
                                   causation_id=causation_id)

    def claim(self, *, lease_s: float) -> Job | None:
        row = next((r for r in self.rows.values()
                    if r.status is JobStatus.QUEUED and r.retry_in_s is None), None)
        if row is None:
            return None
        row.status, row.lease_token = JobStatus.RUNNING, str(uuid.uuid4())
        return Job(row.id, row.book_id, row.pdf_key, row.lease_token, row.fetch_attempts,
                   row.correlation_id, row.causation_id)

    def still_ours(self, job: Job) -> bool:
        row = self.rows[job.id]
        return row.status is JobStatus.RUNNING and row.lease_token == job.token

    def renew(self, job: Job, *, lease_s: float) -> bool:
        return self.still_ours(job)

    def finish(self, job: Job, outcome: Outcome) -> None:
        row = self.rows[job.id]
        row.status, row.lease_token, row.outcome = JobStatus.DONE, None, outcome

    def drop(self, job: Job) -> None:
        row = self.rows[job.id]
        row.status, row.lease_token = JobStatus.DROPPED, None

    def retry_later(self, job: Job, *, delay_s: float) -> None:
        row = self.rows[job.id]
        row.status, row.lease_token, row.retry_in_s = JobStatus.QUEUED, None, delay_s
        row.fetch_attempts = job.fetch_attempts + 1


class FakeAiUnitOfWork(InMemoryUnitOfWork):
    """ai's unit of work in memory; `open` says whether a transaction is running right now."""

    def __init__(self):
        super().__init__(producer="ai")
        self.jobs = FakeJobRepository()
        self.open = False

    def __enter__(self):
        self.open = True
        return super().__enter__()

    def __exit__(self, *exc) -> None:
        super().__exit__(*exc)
        self.open = False


@dataclass
class Outside:
    """The job's collaborators: what the catalog answers, what the summarizer writes, and
    whether each was called with a transaction open (the slow work must run outside)."""

    uow: FakeAiUnitOfWork
    pdf: bytes | Exception = b"%PDF"
    pages: list[str] = field(default_factory=lambda: ["Some real text on a page. " * 3])
    summary: Summary = field(default_factory=lambda: Summary("A summary.", "A description."))
    calls_in_transaction: list[str] = field(default_factory=list)

    def fetch_pdf(self, book_id: int, *, pdf_key: str) -> bytes:
        self._note("fetch_pdf")
        if isinstance(self.pdf, Exception):
            raise self.pdf
        return self.pdf

    def extract_pages(self, pdf: bytes) -> list[str]:
        self._note("extract_pages")
        return self.pages

    def summarize(self, pages: list[str]) -> Summary:
        self._note("summarize")
        return self.summary

    def _note(self, name: str) -> None:
        if self.uow.open:
            self.calls_in_transaction.append(name)


@pytest.fixture
def uow() -> FakeAiUnitOfWork:
    return FakeAiUnitOfWork()


@pytest.fixture
def outside(uow) -> Outside:
    return Outside(uow)


@pytest.fixture
def job_ctx(uow, outside) -> JobContext:
    """A job context on the fake unit of work (one object: job steps share its fake tables)."""
    return JobContext(uow=lambda: uow, engine=SummaryEngine("openai", "gpt-test", outside.summarize),
                      fetch_pdf=outside.fetch_pdf, extract_pages=outside.extract_pages,
                      fetch_attempts=2, fetch_backoff_s=2.0)
