"""The unit of work auth's use cases run in: its repositories plus the kit's transaction."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from bookstore_shared.kit import SqlUnitOfWork, UnitOfWork
from sqlalchemy.orm import Session

from ..adapters.repository import (
    LoginFailureRepository,
    SessionRepository,
    SqlLoginFailureRepository,
    SqlSessionRepository,
    SqlUserRepository,
    UserRepository,
)


class AuthUnitOfWork(SqlUnitOfWork):
    """`uow.users`, `uow.sessions` (logins), `uow.login_failures`, `uow.emit(...)`,
    `uow.commit()`."""

    users: UserRepository
    sessions: SessionRepository
    login_failures: LoginFailureRepository

    def _open(self, session: Session) -> None:
        self.users = SqlUserRepository(session)
        self.sessions = SqlSessionRepository(session)
        self.login_failures = SqlLoginFailureRepository(session)


@contextmanager
def transaction(uow: UnitOfWork) -> Iterator[None]:
    """One transaction of a request's unit of work, rolled back unless committed inside.

    A login needs several transactions in a row (its attempt is committed before the limits are
    read; the password is checked with no transaction open), and a request has one unit of work
    (the route's `UowDep`). Ending each step here means no snapshot, row lock or pooled
    connection outlives the step, whatever raises, and argon2 never runs holding one.
    """
    try:
        yield
    finally:
        uow.rollback()
