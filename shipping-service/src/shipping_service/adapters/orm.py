"""Tables of the shipping schema."""
from __future__ import annotations

from bookstore_shared.db import new_metadata
from bookstore_shared.inbox import inbox_table
from bookstore_shared.outbox import outbox_table
from sqlalchemy import BigInteger, Boolean, Column, DateTime, Integer, String, Table, false
from sqlalchemy.dialects import mysql

metadata = new_metadata()


def moment() -> DateTime:
    """UTC timestamp with microseconds (MySQL's DATETIME would drop sub-second delays)."""
    return DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


shipment = Table(
    "shipment", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("order_id", BigInteger, nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    # When the scheduler moves it next; NULL once it is final.
    Column("next_step_at", moment(), nullable=True, index=True),
    # An order cancelled before it was confirmed: no shipment, but a late confirmation is refused.
    Column("tombstone", Boolean, nullable=False, server_default=false()),
    # The saga's correlation id, so the scheduler's later updates stay in the same saga.
    Column("correlation_id", String(128), nullable=True),
    # The W3C trace context it was created in: the scheduler's updates continue that trace.
    Column("traceparent", String(55), nullable=True),
    Column("created_at", moment(), nullable=False),
    Column("updated_at", moment(), nullable=False),
    Column("shipped_at", moment(), nullable=True),
    Column("delivered_at", moment(), nullable=True),
    Column("cancelled_at", moment(), nullable=True),
)

OUTBOX = outbox_table(metadata)
INBOX = inbox_table(metadata)
