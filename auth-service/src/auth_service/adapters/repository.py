"""Reads and writes of the auth tables, in the unit of work's session (SQLAlchemy Core).

Each repository is a Protocol (what the service layer sees; in memory in the unit tests) and a
SQL class. A unique key refused by the database surfaces as `AlreadyStored`, so the service layer
never needs SQLAlchemy's exceptions.
"""
from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import delete, insert, or_, select, true, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..domain.exceptions import AlreadyStored
from ..domain.model import NewUser, RevokedSession, User, UserSession
from .orm import admin_bootstrap, login_failure, user, user_session
from .timeutil import as_utc


class UserRepository(Protocol):
    """Accounts and the one-time first-admin claim."""

    def get(self, user_id: int) -> User | None: ...
    def find_for_login(self, identifier: str) -> User | None: ...
    def taken_fields(self, new: NewUser) -> list[str]: ...
    def add(self, new: NewUser, *, password_hash: str, is_admin: bool, now: datetime) -> int: ...
    def set_password_hash(self, user_id: int, password_hash: str) -> None: ...
    def claim_admin_bootstrap(self, *, now: datetime) -> None: ...
    def record_bootstrap_admin(self, user_id: int) -> None: ...
    def admin_bootstrapped(self) -> bool: ...


class SessionRepository(Protocol):
    """Login sessions (what `sid` in a token points at)."""

    def add(self, new: UserSession, *, now: datetime) -> None: ...
    def get(self, session_id: str, *, for_update: bool = False) -> UserSession | None: ...
    def rotate(self, session_id: str, *, refresh_jti: str, access_expires_at: datetime,
               refresh_expires_at: datetime) -> None: ...
    def revoke(self, session_id: str, *, reason: str, now: datetime) -> bool: ...
    def revoked_unexpired(self, *, now: datetime,
                          limit: int = 100_000) -> list[RevokedSession]: ...
    def purge_dead(self, *, before: datetime, limit: int = 1000) -> int: ...


class LoginFailureRepository(Protocol):
    """Recorded login attempts, counted by the rate limits."""

    def times(self, *, account_key: str, client_address: str, account_since: datetime,
              client_since: datetime,
              except_id: int | None = None) -> tuple[list[datetime], list[datetime]]: ...
    def add(self, *, account_key: str, client_address: str, now: datetime) -> int: ...
    def remove(self, failure_id: int) -> None: ...
    def clear_account(self, account_key: str) -> None: ...
    def purge(self, *, before: datetime) -> None: ...


def _user(row: Row | None) -> User | None:
    if row is None:
        return None
    return User(id=row.id, username=row.username, email=row.email,
                password_hash=row.password_hash, is_admin=bool(row.is_admin),
                created_at=as_utc(row.created_at))


def _session(row: Row | None) -> UserSession | None:
    if row is None:
        return None
    return UserSession(id=row.id, user_id=row.user_id, refresh_jti=row.refresh_jti,
                       access_expires_at=as_utc(row.access_expires_at),
                       refresh_expires_at=as_utc(row.refresh_expires_at),
                       revoked_at=as_utc(row.revoked_at) if row.revoked_at else None,
                       revoked_reason=row.revoked_reason)


class SqlUserRepository:
    """The `user` and `admin_bootstrap` tables through one session (the unit of work's)."""

    def __init__(self, session: Session):
        self.session = session

    def get(self, user_id: int) -> User | None:
        """The user with this id, or None."""
        return _user(self.session.execute(select(user).where(user.c.id == user_id)).first())

    def find_for_login(self, identifier: str) -> User | None:
        """The user whose email or username is `identifier` (emails are stored in lower case)."""
        cond = (user.c.email == identifier.strip().lower()) if "@" in identifier \
            else (user.c.username == identifier.strip())
        return _user(self.session.execute(select(user).where(cond)).first())

    def taken_fields(self, new: NewUser) -> list[str]:
        """Which of username and email already belong to someone."""
        rows = self.session.execute(select(user.c.username, user.c.email).where(
            or_(user.c.username == new.username, user.c.email == new.email))).all()
        taken = []
        if any(r.username.lower() == new.username.lower() for r in rows):
            taken.append("username")
        if any(r.email == new.email for r in rows):
            taken.append("email")
        return taken

    def add(self, new: NewUser, *, password_hash: str, is_admin: bool, now: datetime) -> int:
        """Insert a user and return its id; AlreadyStored on a duplicate username or email."""
        try:
            result = self.session.execute(insert(user).values(
                username=new.username, email=new.email, password_hash=password_hash,
                is_admin=is_admin, created_at=now))
        except IntegrityError:
            raise AlreadyStored() from None
        return int(result.inserted_primary_key[0])

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self.session.execute(update(user).where(user.c.id == user_id)
                             .values(password_hash=password_hash))

    def claim_admin_bootstrap(self, *, now: datetime) -> None:
        """Insert the singleton bootstrap row; AlreadyStored when another bootstrap won."""
        try:
            self.session.execute(insert(admin_bootstrap).values(id=1, created_at=now))
        except IntegrityError:
            raise AlreadyStored() from None

    def record_bootstrap_admin(self, user_id: int) -> None:
        self.session.execute(update(admin_bootstrap).where(admin_bootstrap.c.id == 1)
                             .values(user_id=user_id))

    def admin_bootstrapped(self) -> bool:
        """True once the first admin exists."""
        return self.session.execute(select(admin_bootstrap.c.id)).first() is not None


class SqlSessionRepository:
    """The `user_session` table through one session (the unit of work's)."""

    def __init__(self, session: Session):
        self.session = session

    def add(self, new: UserSession, *, now: datetime) -> None:
        self.session.execute(insert(user_session).values(
            id=new.id, user_id=new.user_id, refresh_jti=new.refresh_jti,
            access_expires_at=new.access_expires_at, refresh_expires_at=new.refresh_expires_at,
            created_at=now))

    def get(self, session_id: str, *, for_update: bool = False) -> UserSession | None:
        """The session (locked until the transaction ends when `for_update`)."""
        query = select(user_session).where(user_session.c.id == session_id)
        if for_update:
            query = query.with_for_update()
        return _session(self.session.execute(query).first())

    def rotate(self, session_id: str, *, refresh_jti: str, access_expires_at: datetime,
               refresh_expires_at: datetime) -> None:
        self.session.execute(update(user_session).where(user_session.c.id == session_id).values(
            refresh_jti=refresh_jti, access_expires_at=access_expires_at,
            refresh_expires_at=refresh_expires_at))

    def revoke(self, session_id: str, *, reason: str, now: datetime) -> bool:
        """Mark the session revoked; False when it already was."""
        result = self.session.execute(update(user_session).where(
            user_session.c.id == session_id, user_session.c.revoked_at.is_(None)).values(
            revoked_at=now, revoked_reason=reason))
        return result.rowcount == 1

    def revoked_unexpired(self, *, now: datetime, limit: int = 100_000) -> list[RevokedSession]:
        """Revoked sessions whose last access token has not expired yet."""
        rows = self.session.execute(
            select(user_session.c.id, user_session.c.user_id, user_session.c.access_expires_at)
            .where(user_session.c.revoked_at.is_not(None), user_session.c.access_expires_at > now)
            .order_by(user_session.c.access_expires_at).limit(limit)).all()
        return [RevokedSession(session_id=r.id, user_id=r.user_id,
                               expires_at=as_utc(r.access_expires_at)) for r in rows]

    def purge_dead(self, *, before: datetime, limit: int = 1000) -> int:
        """Delete sessions whose refresh token expired before `before` (none of their tokens can
        be used any more, revoked or not); at most `limit` rows, so no purge holds locks long."""
        return self.session.execute(delete(user_session)
                                    .where(user_session.c.refresh_expires_at < before)
                                    .with_dialect_options(mysql_limit=limit)).rowcount


class SqlLoginFailureRepository:
    """The `login_failure` table through one session (the unit of work's)."""

    def __init__(self, session: Session):
        self.session = session

    def times(self, *, account_key: str, client_address: str, account_since: datetime,
              client_since: datetime,
              except_id: int | None = None) -> tuple[list[datetime], list[datetime]]:
        """Timestamps of recent failures (and recorded attempts) for the account and for the
        client address, leaving out the attempt `except_id` (the caller's own)."""
        other = login_failure.c.id != except_id if except_id is not None else true()
        by_account = self.session.execute(select(login_failure.c.failed_at).where(
            login_failure.c.account_key == account_key,
            login_failure.c.failed_at > account_since, other)).scalars().all()
        by_client = self.session.execute(select(login_failure.c.failed_at).where(
            login_failure.c.client_address == client_address,
            login_failure.c.failed_at > client_since, other)).scalars().all()
        return [as_utc(t) for t in by_account], [as_utc(t) for t in by_client]

    def add(self, *, account_key: str, client_address: str, now: datetime) -> int:
        """Record a login attempt as failed until proven otherwise; returns its id."""
        result = self.session.execute(insert(login_failure).values(
            account_key=account_key, client_address=client_address, failed_at=now))
        return int(result.inserted_primary_key[0])

    def remove(self, failure_id: int) -> None:
        self.session.execute(delete(login_failure).where(login_failure.c.id == failure_id))

    def clear_account(self, account_key: str) -> None:
        self.session.execute(delete(login_failure)
                             .where(login_failure.c.account_key == account_key))

    def purge(self, *, before: datetime) -> None:
        self.session.execute(delete(login_failure).where(login_failure.c.failed_at < before))
