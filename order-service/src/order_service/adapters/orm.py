"""Tables of the order schema (orders, lines, their event timeline, idempotency keys, the book
read model)."""
from __future__ import annotations

from bookstore_shared.db import new_metadata
from bookstore_shared.inbox import inbox_table
from bookstore_shared.outbox import outbox_table
from sqlalchemy import (
                        BigInteger,
                        Boolean,
                        Column,
                        DateTime,
                        ForeignKey,
                        Index,
                        Integer,
                        Numeric,
                        String,
                        Table,
                        Text,
                        UniqueConstraint,
)
from sqlalchemy.dialects import mysql

metadata = new_metadata()

Id = BigInteger().with_variant(Integer, "sqlite")
PreciseTime = DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")

customer_order = Table(
    "customer_order", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("total", Numeric(12, 2), nullable=False),
    Column("cancel_reason", String(64), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_customer_order_user_id_id", "user_id", "id"),
)

order_line = Table(
    "order_line", metadata,
    Column("order_id", BigInteger, ForeignKey("customer_order.id", ondelete="CASCADE"),
           primary_key=True),
    Column("book_id", BigInteger, primary_key=True, autoincrement=False),
    Column("position", Integer, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", Numeric(12, 2), nullable=False),
    Column("title", Text, nullable=False),
)

# What happened to each order, oldest first (by id): written by the unit of work in the
# transaction that changed the order.
order_event = Table(
    "order_event", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_id", BigInteger, ForeignKey("customer_order.id", ondelete="CASCADE"),
           nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("producer", String(32), nullable=False),
    Column("occurred_at", PreciseTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("detail", String(200), nullable=True),
    UniqueConstraint("order_id", "event_id", name="uq_order_event_order_id_event_id"),
)

idempotency_record = Table(
    "idempotency_record", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", BigInteger, nullable=False),
    Column("idempotency_key", String(200), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    # the order the request placed, or (NULL) the book it was refused for as short of stock
    Column("order_id", BigInteger, ForeignKey("customer_order.id", ondelete="CASCADE"),
           nullable=True),
    Column("refused_book_id", BigInteger, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("user_id", "idempotency_key", name="uq_idempotency_record_user_id_key"),
)

# What this service knows of the catalog: prices and titles for pricing, stock for an early answer.
book = Table(
    "book", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("title", Text, nullable=False),
    Column("price", Numeric(12, 2), nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("synced_at", DateTime(timezone=True), nullable=False),
    Column("stock", Integer, nullable=True),
    Column("stock_version", BigInteger, nullable=True),
    Column("stock_synced_at", DateTime(timezone=True), nullable=True),
)

OUTBOX = outbox_table(metadata)
INBOX = inbox_table(metadata)
