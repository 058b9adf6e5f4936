"""The inbox: the event ids a consumer already applied, recorded in the same transaction as the
effect (bookstore_shared.kit.consumer writes it), so a redelivered event changes nothing."""
from __future__ import annotations

from sqlalchemy import Column, DateTime, MetaData, String, Table


def inbox_table(metadata: MetaData) -> Table:
    """The `inbox` table: one row per (consumer, event id) already processed."""
    return Table(
        "inbox", metadata,
        Column("consumer", String(64), primary_key=True),
        Column("event_id", String(36), primary_key=True),
        Column("processed_at", DateTime(timezone=True), nullable=False),
    )
