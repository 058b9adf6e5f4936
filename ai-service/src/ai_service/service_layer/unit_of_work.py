"""The unit of work ai's handlers and job steps run in: its job repository plus the kit's
transaction."""
from __future__ import annotations

from bookstore_shared.kit import SqlUnitOfWork
from sqlalchemy.orm import Session

from ..adapters.repository import JobRepository, SqlJobRepository

PRODUCER = "ai"


class AiUnitOfWork(SqlUnitOfWork):
    """`uow.jobs` (the summary job queue), `uow.emit(...)`, `uow.commit()`."""

    jobs: JobRepository

    def _open(self, session: Session) -> None:
        self.jobs = SqlJobRepository(session)
