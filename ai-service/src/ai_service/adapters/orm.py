"""The AI service's tables (its own schema; nobody else reads them)."""
from __future__ import annotations

from bookstore_shared.db import new_metadata
from bookstore_shared.inbox import inbox_table
from bookstore_shared.outbox import outbox_table
from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, String, Table, Text
from sqlalchemy.dialects import mysql

metadata = new_metadata()

_ID = BigInteger().with_variant(Integer, "sqlite")
# Microseconds on MySQL too: leases and retry times are compared with sub-second precision.
_TS = DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")

# One row per summarisation request: queued by the consumer, run by a worker thread, which
# writes the result and its `book.summarized` event in one transaction.
summary_job = Table(
    "summary_job", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("book_id", BigInteger, nullable=False),
    Column("pdf_key", String(255), nullable=False),
    Column("status", String(16), nullable=False),
    Column("fetch_attempts", Integer, nullable=False, default=0),
    Column("available_at", _TS, nullable=False),
    Column("lease_token", String(36), nullable=True),
    Column("lease_expires_at", _TS, nullable=True),
    Column("correlation_id", String(128), nullable=True),
    Column("causation_id", String(36), nullable=True),
    Column("traceparent", String(55), nullable=True),  # the trace it was queued in
    Column("created_at", _TS, nullable=False),
    Column("started_at", _TS, nullable=True),
    Column("finished_at", _TS, nullable=True),
    Column("result_status", String(16), nullable=True),
    Column("summary", Text, nullable=True),
    Column("description", String(600), nullable=True),
    Column("provider", String(32), nullable=True),
    Column("model", String(100), nullable=True),
    Column("error", String(300), nullable=True),
    Index("ix_summary_job_book", "book_id", "pdf_key"),
    Index("ix_summary_job_pickup", "status", "available_at"),
)

OUTBOX = outbox_table(metadata)
INBOX = inbox_table(metadata)
