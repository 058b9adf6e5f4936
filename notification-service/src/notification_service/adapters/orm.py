"""Tables of the notification schema: users read model, outgoing emails, outbox and inbox."""
from __future__ import annotations

from bookstore_shared.db import new_metadata
from bookstore_shared.inbox import inbox_table
from bookstore_shared.outbox import outbox_table
from sqlalchemy import BigInteger, Column, DateTime, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.dialects import mysql

metadata = new_metadata()
# Retry schedules are sub-second: keep microseconds on MySQL (plain DATETIME drops them).
PreciseTime = DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")

# Read model of users, fed by user.registered: who an order's user_id should be mailed to.
USER_CONTACT = Table(
    "user_contact", metadata,
    Column("user_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=False),
    Column("username", String(150), nullable=False),
    Column("email", String(320), nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
)

# One row per email to send; written in the consumer's inbox transaction, sent by the mail sender.
OUTGOING_EMAIL = Table(
    "outgoing_email", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("event_id", String(36), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("user_id", BigInteger().with_variant(Integer, "sqlite"), nullable=True),
    Column("recipient", String(320), nullable=False),
    Column("subject", String(255), nullable=False),
    Column("body", Text, nullable=False),
    # JSON list of {"book_id", "title"}: PDFs fetched from the catalog when the mail is sent.
    Column("attachments", Text, nullable=False, default="[]"),
    Column("message_id", String(255), nullable=False, unique=True),
    Column("status", String(16), nullable=False, index=True),  # pending|sending|sent|dead
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", PreciseTime, nullable=False),
    Column("claimed_until", PreciseTime, nullable=True),
    Column("last_error", String(500), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("traceparent", String(55), nullable=True),  # W3C trace context it was staged in
    UniqueConstraint("event_id", "kind", name="uq_outgoing_email_event_id_kind"),
)

OUTBOX = outbox_table(metadata)
INBOX = inbox_table(metadata)
