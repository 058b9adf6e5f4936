"""Tables of the inventory schema."""
from __future__ import annotations

from bookstore_shared.db import new_metadata
from bookstore_shared.inbox import inbox_table
from bookstore_shared.outbox import outbox_table
from sqlalchemy import (
                        JSON,
                        BigInteger,
                        Boolean,
                        CheckConstraint,
                        Column,
                        DateTime,
                        Integer,
                        String,
                        Table,
                        false,
)

metadata = new_metadata()

stock = Table(
    "stock", metadata,
    Column("book_id", BigInteger, primary_key=True, autoincrement=False),
    Column("available", Integer, nullable=False),
    # The latest admin stock version applied (from the catalog's book events).
    Column("stock_version", BigInteger, nullable=True),
    Column("deleted", Boolean, nullable=False, server_default=false()),
    # Incremented by every change of `available`: the order of stock reports across replicas.
    Column("revision", BigInteger, nullable=False, server_default="0"),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("available >= 0", name="available_not_negative"),
)

reservation = Table(
    "reservation", metadata,
    # One row per order: the unique key serialises placement and cancellation of the same order.
    Column("order_id", BigInteger, primary_key=True, autoincrement=False),
    Column("user_id", BigInteger, nullable=True),
    Column("status", String(16), nullable=False),
    Column("items", JSON, nullable=False),
    Column("reason", String(64), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

OUTBOX = outbox_table(metadata)
INBOX = inbox_table(metadata)
