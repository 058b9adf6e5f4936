"""Summary jobs and their outcomes."""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

# Fewer letters/digits than this across all pages means "no extractable text" (a scan).
MIN_TEXT_CHARS = 20

OFFLINE_PROVIDER = "offline"
OFFLINE_MODEL = "extractive-v1"


class JobStatus(StrEnum):
    """Where a job is: waiting, being worked on, or finished one way or another."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"            # a result was published
    CANCELLED = "cancelled"  # superseded by a newer PDF or the book was deleted
    DROPPED = "dropped"      # the catalog no longer had the book when the job ran


ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


@dataclass(frozen=True)
class Job:
    """A claimed job: which book and PDF, and the lease token proving the claim."""

    id: int
    book_id: int
    pdf_key: str
    token: str
    fetch_attempts: int = 0
    correlation_id: str | None = None
    causation_id: str | None = None
    traceparent: str | None = None  # the trace the job was queued in, if traced


@dataclass(frozen=True)
class Summary:
    """What a summarizer produces."""

    summary: str
    description: str


@dataclass(frozen=True)
class Outcome:
    """The result of a job, as published in `book.summarized`."""

    status: Literal["ready", "no_text", "failed"]
    provider: str
    model: str
    summary: str | None = None
    description: str | None = None
    error: str | None = None

    @classmethod
    def ready(cls, result: Summary, *, provider: str, model: str) -> Outcome:
        return cls("ready", provider, model, summary=result.summary, description=result.description)

    @classmethod
    def no_text(cls, *, provider: str, model: str) -> Outcome:
        return cls("no_text", provider, model,
                   error="the PDF has no extractable text (it may be a scanned image)")

    @classmethod
    def failed(cls, reason: str, *, provider: str, model: str) -> Outcome:
        return cls("failed", provider, model, error=reason[:300])


def needs_summary(*, pdf_key: str | None, pdf_changed: bool, already_seen: bool) -> bool:
    """A PDF is summarised when it is present and new (an unseen key) or explicitly changed."""
    return bool(pdf_key) and (pdf_changed or not already_seen)


def has_text(pages: list[str]) -> bool:
    """True when the pages carry real text, not just the stray marks a scan may yield."""
    return sum(len(re.findall(r"\w", page)) for page in pages) >= MIN_TEXT_CHARS
