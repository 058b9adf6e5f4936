"""Composition root: database, bus, handler registry, summarizer and job workers."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bookstore_shared.background import CommitSignal
from bookstore_shared.bus import Bus
from bookstore_shared.internal import internal_headers
from bookstore_shared.kit import consume
from bookstore_shared.kit.container import Container
from bookstore_shared.runtime import ServiceRuntime

from .adapters.catalog import CatalogClient
from .adapters.orm import INBOX, OUTBOX
from .adapters.pdf import extract_pages
from .config import Settings
from .domain.extractive import summarize_extractive
from .domain.mapreduce import MapReduceSummarizer
from .domain.model import OFFLINE_MODEL, OFFLINE_PROVIDER
from .entrypoints.consumers import HANDLERS
from .service_layer.jobs import JobContext, SummaryEngine
from .service_layer.unit_of_work import PRODUCER, AiUnitOfWork
from .service_layer.worker import JobWorker

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(kw_only=True)
class AiContainer(Container):
    """The kit's container plus the job workers, the catalog client they fetch PDFs with (closed
    at shutdown) and the summary engine."""

    worker: JobWorker
    catalog: CatalogClient
    engine: SummaryEngine


def summary_engine(settings: Settings) -> SummaryEngine:
    """OpenAI map-reduce when a key is configured, else the offline extractive summarizer."""
    if settings.openai_api_key is None:
        return SummaryEngine(OFFLINE_PROVIDER, OFFLINE_MODEL, summarize_extractive)
    from .adapters.openai_chat import OpenAIChat  # the client is heavy: import it only when used

    chat = OpenAIChat(api_key=settings.openai_api_key.get_secret_value(), model=settings.ai_model,
                      base_url=settings.openai_base_url, timeout_s=settings.ai_timeout_s,
                      max_attempts=settings.ai_max_attempts, backoff_s=settings.ai_backoff_s,
                      max_backoff_s=settings.ai_max_backoff_s)
    mapreduce = MapReduceSummarizer(chat, chunk_tokens=settings.chunk_tokens,
                                    answer_tokens=settings.ai_answer_tokens)
    return SummaryEngine("openai", settings.ai_model, mapreduce.summarize)


def bootstrap(settings: Settings, bus: Bus | None = None) -> AiContainer:
    """Wire the service; nothing connects until the runtime starts."""
    runtime = ServiceRuntime(settings, outbox_table=OUTBOX, inbox_table=INBOX,
                             migrations_dir=MIGRATIONS, bus=bus)

    def uow() -> AiUnitOfWork:
        return AiUnitOfWork(runtime.sessions, runtime.outbox, producer=PRODUCER)

    job_queued = CommitSignal("ai_job_queued")  # wakes the workers when a job is queued
    job_queued.watch(runtime.sessions)
    consumer = consume(runtime, HANDLERS, uow=uow, inbox=INBOX, job_queued=job_queued)
    catalog = CatalogClient(settings.service_url("catalog"), headers=internal_headers(settings))
    engine = summary_engine(settings)
    jobs = JobContext(uow=uow, engine=engine, fetch_pdf=catalog.fetch_pdf,
                      extract_pages=extract_pages, fetch_attempts=settings.ai_fetch_attempts)
    worker = JobWorker(jobs, job_queued, threads=settings.ai_workers,
                       lease_s=settings.ai_job_lease_s, poll_s=settings.ai_poll_s)
    return AiContainer(settings=settings, runtime=runtime, uow=uow,
                       dispatcher=consumer.dispatcher, worker=worker, catalog=catalog,
                       engine=engine)
