"""The auth service's tables (its own schema; nobody else reads them)."""
from __future__ import annotations

from bookstore_shared.db import new_metadata
from bookstore_shared.outbox import outbox_table
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects import mysql

metadata = new_metadata()

_ID = BigInteger().with_variant(Integer, "sqlite")
# Rate-limit windows need sub-second timestamps; MySQL's DATETIME drops fractions by default.
_PRECISE_AT = DateTime(timezone=True).with_variant(mysql.DATETIME(timezone=True, fsp=6),
                                                   "mysql", "mariadb")

user = Table(
    "user", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("username", String(50), nullable=False, unique=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# One row per login; tokens carry its id as `sid`. Revoking it kills access and refresh tokens.
user_session = Table(
    "user_session", metadata,
    Column("id", String(36), primary_key=True),
    Column("user_id", _ID, ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("refresh_jti", String(64), nullable=False),
    Column("access_expires_at", DateTime(timezone=True), nullable=False),
    Column("refresh_expires_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("revoked_reason", String(32), nullable=True),
    Index("ix_user_session_revoked_access", "revoked_at", "access_expires_at"),
    Index("ix_user_session_refresh_expires", "refresh_expires_at"),  # the purge of dead sessions
)

# A singleton row (id = 1) inserted with the first admin: the primary key lets only one
# bootstrap transaction commit, however many race.
admin_bootstrap = Table(
    "admin_bootstrap", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("user_id", _ID, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# The RSA key tokens are signed with; id = 1 is the active key (first writer wins).
signing_key = Table(
    "signing_key", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("kid", String(64), nullable=False, unique=True),
    Column("private_pem", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Failed logins, kept only as long as the widest rate-limit window needs them.
login_failure = Table(
    "login_failure", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("account_key", String(255), nullable=False),
    Column("client_address", String(64), nullable=False),
    Column("failed_at", _PRECISE_AT, nullable=False, index=True),
    Index("ix_login_failure_account", "account_key", "failed_at"),
    Index("ix_login_failure_client", "client_address", "failed_at"),
)

OUTBOX = outbox_table(metadata)
INBOX = None  # auth consumes no events
