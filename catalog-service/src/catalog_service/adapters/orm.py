"""The catalog's tables (its own schema): books, who may download which PDF, outbox, inbox."""
from __future__ import annotations

from bookstore_shared.db import new_metadata
from bookstore_shared.inbox import inbox_table
from bookstore_shared.outbox import outbox_table
from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, Numeric, String, Table, Text

metadata = new_metadata()

_ID = BigInteger().with_variant(Integer, "sqlite")
_LONG_TEXT = Text().with_variant(Text(16_777_215), "mysql")

BOOK = Table(
    "book", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("title", String(255), nullable=False, index=True),
    Column("author", String(255), nullable=False, index=True),
    Column("price", Numeric(12, 2), nullable=False),
    Column("description", Text, nullable=True),
    Column("pdf_key", String(64), nullable=True),
    Column("pdf_size", BigInteger, nullable=True),
    Column("pdf_sha256", String(64), nullable=True),
    # Stock read model (see domain.model.StockState).
    Column("confirmed_stock", Integer, nullable=False),
    Column("confirmed_stock_version", BigInteger, nullable=False),
    Column("confirmed_stock_revision", BigInteger, nullable=False, default=0),
    Column("published_stock", Integer, nullable=False),
    Column("published_stock_version", BigInteger, nullable=False),
    # Generated from the PDF by the ai service.
    Column("ai_status", String(16), nullable=False),
    Column("summary", _LONG_TEXT, nullable=True),
    Column("generated_description", Text, nullable=True),
    Column("ai_provider", String(64), nullable=True),
    Column("ai_model", String(128), nullable=True),
    Column("ai_error", Text, nullable=True),
    Column("ai_updated_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Who may download which PDF, per order (the catalog never asks order-service): granted by
# order.confirmed, withdrawn by order.cancelled. A withdrawal that arrives first leaves a row
# without granted_at, so the late confirmation grants nothing; another live order keeps the right.
PDF_RIGHT = Table(
    "pdf_right", metadata,
    Column("order_id", _ID, primary_key=True),
    Column("book_id", _ID, primary_key=True),
    Column("user_id", _ID, nullable=False),
    Column("granted_at", DateTime(timezone=True), nullable=True),
    Column("withdrawn_at", DateTime(timezone=True), nullable=True),
    Index("ix_pdf_right_user_book", "user_id", "book_id"),
)

OUTBOX = outbox_table(metadata)
INBOX = inbox_table(metadata)
