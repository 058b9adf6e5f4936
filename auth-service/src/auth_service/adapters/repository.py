"""Reads and writes of the auth tables, always inside the caller's unit of work."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, insert, or_, select, true, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from ..domain.model import NewUser, User
from .orm import admin_bootstrap, login_failure, user, user_session
from .timeutil import as_utc


def _user(row: Row | None) -> User | None:
    if row is None:
        return None
    return User(id=row.id, username=row.username, email=row.email,
                password_hash=row.password_hash, is_admin=bool(row.is_admin),
                created_at=as_utc(row.created_at))


def get_user(session: Session, user_id: int) -> User | None:
    """The user with this id, or None."""
    return _user(session.execute(select(user).where(user.c.id == user_id)).first())


def find_user_for_login(session: Session, identifier: str) -> User | None:
    """The user whose email or username is `identifier` (emails are stored in lower case)."""
    cond = (user.c.email == identifier.strip().lower()) if "@" in identifier \
        else (user.c.username == identifier.strip())
    return _user(session.execute(select(user).where(cond)).first())


def taken_fields(session: Session, new: NewUser) -> list[str]:
    """Which of username and email already belong to someone."""
    rows = session.execute(select(user.c.username, user.c.email).where(
        or_(user.c.username == new.username, user.c.email == new.email))).all()
    taken = []
    if any(r.username.lower() == new.username.lower() for r in rows):
        taken.append("username")
    if any(r.email == new.email for r in rows):
        taken.append("email")
    return taken


def add_user(session: Session, new: NewUser, *, password_hash: str, is_admin: bool,
             now: datetime) -> int:
    """Insert a user and return its id (flushes; IntegrityError on a duplicate)."""
    result = session.execute(insert(user).values(
        username=new.username, email=new.email, password_hash=password_hash, is_admin=is_admin,
        created_at=now))
    return int(result.inserted_primary_key[0])


def set_password_hash(session: Session, user_id: int, password_hash: str) -> None:
    session.execute(update(user).where(user.c.id == user_id).values(password_hash=password_hash))


def claim_admin_bootstrap(session: Session, *, now: datetime) -> None:
    """Insert the singleton bootstrap row; IntegrityError when another admin bootstrap won."""
    session.execute(insert(admin_bootstrap).values(id=1, created_at=now))


def record_bootstrap_admin(session: Session, user_id: int) -> None:
    session.execute(update(admin_bootstrap).where(admin_bootstrap.c.id == 1)
                    .values(user_id=user_id))


def admin_bootstrapped(session: Session) -> bool:
    """True once the first admin exists."""
    return session.execute(select(admin_bootstrap.c.id)).first() is not None


# ---- sessions --------------------------------------------------------------------------------
def add_session(session: Session, *, session_id: str, user_id: int, refresh_jti: str,
                access_expires_at: datetime, refresh_expires_at: datetime, now: datetime) -> None:
    session.execute(insert(user_session).values(
        id=session_id, user_id=user_id, refresh_jti=refresh_jti,
        access_expires_at=access_expires_at, refresh_expires_at=refresh_expires_at,
        created_at=now))


def get_session(session: Session, session_id: str, *, for_update: bool = False) -> Row | None:
    """The session row (locked for the transaction when `for_update`)."""
    query = select(user_session).where(user_session.c.id == session_id)
    if for_update:
        query = query.with_for_update()
    return session.execute(query).first()


def rotate_session(session: Session, session_id: str, *, refresh_jti: str,
                   access_expires_at: datetime, refresh_expires_at: datetime) -> None:
    session.execute(update(user_session).where(user_session.c.id == session_id).values(
        refresh_jti=refresh_jti, access_expires_at=access_expires_at,
        refresh_expires_at=refresh_expires_at))


def revoke_session(session: Session, session_id: str, *, reason: str, now: datetime) -> bool:
    """Mark the session revoked; False when it already was."""
    result = session.execute(update(user_session).where(
        user_session.c.id == session_id, user_session.c.revoked_at.is_(None)).values(
        revoked_at=now, revoked_reason=reason))
    return result.rowcount == 1


def revoked_unexpired(session: Session, *, now: datetime, limit: int = 100_000) -> list[Row]:
    """Revoked sessions whose last access token has not expired yet."""
    return session.execute(
        select(user_session.c.id, user_session.c.user_id, user_session.c.access_expires_at)
        .where(user_session.c.revoked_at.is_not(None), user_session.c.access_expires_at > now)
        .order_by(user_session.c.access_expires_at).limit(limit)).all()


# ---- failed logins ---------------------------------------------------------------------------
def failure_times(session: Session, *, account_key: str, client_address: str,
                  account_since: datetime, client_since: datetime,
                  except_id: int | None = None) -> tuple[list, list]:
    """Timestamps of recent failures (and recorded attempts) for the account and for the client
    address, leaving out the attempt `except_id` (the caller's own)."""
    other = login_failure.c.id != except_id if except_id is not None else true()
    by_account = session.execute(select(login_failure.c.failed_at).where(
        login_failure.c.account_key == account_key,
        login_failure.c.failed_at > account_since, other)).scalars().all()
    by_client = session.execute(select(login_failure.c.failed_at).where(
        login_failure.c.client_address == client_address,
        login_failure.c.failed_at > client_since, other)).scalars().all()
    return [as_utc(t) for t in by_account], [as_utc(t) for t in by_client]


def add_failure(session: Session, *, account_key: str, client_address: str,
                now: datetime) -> int:
    """Record a login attempt as failed until proven otherwise; returns its id."""
    result = session.execute(insert(login_failure).values(
        account_key=account_key, client_address=client_address, failed_at=now))
    return int(result.inserted_primary_key[0])


def remove_failure(session: Session, failure_id: int) -> None:
    session.execute(delete(login_failure).where(login_failure.c.id == failure_id))


def clear_account_failures(session: Session, account_key: str) -> None:
    session.execute(delete(login_failure).where(login_failure.c.account_key == account_key))


def purge_dead_sessions(session: Session, *, before: datetime, limit: int = 1000) -> int:
    """Delete sessions whose refresh token expired before `before` (none of their tokens can be
    used any more, revoked or not); at most `limit` rows, so no purge holds locks for long."""
    return session.execute(delete(user_session)
                           .where(user_session.c.refresh_expires_at < before)
                           .with_dialect_options(mysql_limit=limit)).rowcount


def purge_failures(session: Session, *, before: datetime) -> None:
    session.execute(delete(login_failure).where(login_failure.c.failed_at < before))


def count_admins(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(user)
                               .where(user.c.is_admin.is_(True))).scalar_one())
