"""Composition root: database, bus, consumers, summarizer and worker threads."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bookstore_shared.background import CommitSignal
from bookstore_shared.bus import Bus
from bookstore_shared.internal import internal_headers
from bookstore_shared.runtime import ServiceRuntime

from .adapters.catalog import CatalogClient
from .adapters.orm import INBOX, OUTBOX
from .adapters.pdf import extract_pages
from .adapters.repository import JobRepository
from .config import Settings
from .domain.extractive import summarize_extractive
from .domain.mapreduce import MapReduceSummarizer
from .domain.model import OFFLINE_MODEL, OFFLINE_PROVIDER
from .entrypoints import consumers
from .service_layer.jobs import JobContext, SummaryEngine
from .service_layer.worker import JobWorker

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass
class Container:
    """What the app holds on to."""

    settings: Settings
    runtime: ServiceRuntime
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


def bootstrap(settings: Settings, bus: Bus | None = None) -> Container:
    """Wire the service; nothing connects until the runtime starts."""
    runtime = ServiceRuntime(settings, outbox_table=OUTBOX, inbox_table=INBOX,
                             migrations_dir=MIGRATIONS, bus=bus)
    jobs = JobRepository()
    signal = CommitSignal("ai_job_queued")  # wakes the workers when a job is queued
    signal.watch(runtime.sessions)
    consumers.register(runtime, jobs=jobs, signal=signal)
    catalog = CatalogClient(settings.service_url("catalog"), headers=internal_headers(settings))
    engine = summary_engine(settings)
    ctx = JobContext(sessions=runtime.sessions, jobs=jobs, outbox=runtime.outbox, engine=engine,
                     fetch_pdf=catalog.fetch_pdf, extract_pages=extract_pages,
                     fetch_attempts=settings.ai_fetch_attempts)
    worker = JobWorker(ctx, signal, threads=settings.ai_workers, lease_s=settings.ai_job_lease_s,
                       poll_s=settings.ai_poll_s)
    return Container(settings, runtime, worker, catalog, engine)
