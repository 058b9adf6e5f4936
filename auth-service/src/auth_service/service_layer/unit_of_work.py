"""The unit of work auth's use cases run in: its repositories plus the kit's transaction."""
from __future__ import annotations

from bookstore_shared.kit import SqlUnitOfWork
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
