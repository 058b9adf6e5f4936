"""Unit of work: one transaction, the events it will publish, commit or roll back (by default).

Service code talks to `uow` only: its repositories (set by the service's subclass in `_open`),
`uow.emit(payload)` for events, `uow.commit()`. The SQL one writes the events to the outbox in
the same transaction (one multi-row insert) and wakes the relay after COMMIT; the in-memory one
keeps them in a list, so service-layer tests run without a database.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

from ..background import CommitSignal
from ..events import Envelope
from ..events.contracts import EventPayload
from ..outbox import Outbox


def ids_named(events: Sequence[Envelope], field: str) -> list[int]:
    """The ids the events' payloads give in `field` (say "order_id"), for `before_batch`; events
    without one are left out."""
    return [env.data[field] for env in events if isinstance(env.data.get(field), int)]


class UnitOfWork:
    """The transaction service code runs in; leaving the `with` block without commit() rolls back."""

    def __init__(self, *, producer: str):
        self.producer = producer
        self.cause: Envelope | None = None  # the event being handled: causation of what is emitted
        self._staged: list[Envelope] = []

    def __enter__(self) -> Self:
        self._staged = []
        self.cause = None
        return self

    def __exit__(self, *_exc) -> None:
        self.rollback()

    def emit(self, *payloads: EventPayload) -> None:
        """Publish these events if, and only if, this unit of work commits."""
        self._staged.extend(Envelope.wrap(p, producer=self.producer, causation=self.cause)
                            for p in payloads)

    def emit_resumed(self, *payloads: EventPayload, correlation_id: str | None,
                     causation_id: str | None) -> None:
        """Like emit(), for work that finishes long after the event that asked for it was
        handled (a queued job): the ids stored with the work name the cause and the correlation
        (without them: the request's correlation id, else a new one)."""
        for payload in payloads:
            env = Envelope.wrap(payload, producer=self.producer, correlation_id=correlation_id)
            self._staged.append(env.model_copy(update={"causation_id": causation_id}))

    @contextmanager
    def step(self) -> Iterator[None]:
        """One transaction of several in a row, for a request that must not hold a snapshot, a
        row lock or a pooled connection across slow work (a password hash, a call to another
        service) or that retries a step it lost a race in: whatever the step did not commit is
        rolled back when it ends, also on error, so the next step starts afresh."""
        try:
            yield
        finally:
            self.rollback()

    def commit(self) -> None:
        staged, self._staged = self._staged, []
        self._commit(staged)

    def rollback(self) -> None:
        self._staged = []
        self._rollback()

    def wake_after_commit(self, signal: CommitSignal, *items) -> None:
        """Start a background worker right after this transaction commits (never on rollback),
        handing it `items` (`signal.take()`)."""

    def before_batch(self, events: Sequence[Envelope]) -> None:
        """Called by the batched consumer before it hands several events to their handlers, one
        at a time, in this unit of work: the place to read (and lock) in one statement the rows
        each handler would otherwise read alone, for its repositories to answer from. Nothing by
        default. Rows locked here are locked in one statement, in key order, which also keeps
        two replicas' batches from locking the same rows in opposite orders."""

    def _commit(self, envelopes: list[Envelope]) -> None:
        raise NotImplementedError

    def _rollback(self) -> None:
        raise NotImplementedError


class SqlUnitOfWork(UnitOfWork):
    """A SQLAlchemy session plus the service's outbox; subclasses open repositories in `_open`."""

    session: Session

    def __init__(self, sessions: sessionmaker, outbox: Outbox, *, producer: str):
        super().__init__(producer=producer)
        self._sessions = sessions
        self._outbox = outbox

    def __enter__(self) -> Self:
        self.session = self._sessions()
        self._open(self.session)
        return super().__enter__()

    def __exit__(self, *exc) -> None:
        try:
            super().__exit__(*exc)
        finally:
            self.session.close()

    def _open(self, session: Session) -> None:
        """Create the service's repositories over `session`."""

    def wake_after_commit(self, signal: CommitSignal, *items) -> None:
        signal.mark(self.session, *items)

    def _commit(self, envelopes: list[Envelope]) -> None:
        self._outbox.add(self.session, *envelopes)  # one insert; wakes the relay after COMMIT
        self.session.commit()

    def _rollback(self) -> None:
        self.session.rollback()


class InMemoryUnitOfWork(UnitOfWork):
    """For service-layer tests: committed events land in `published`; subclasses add fake
    repositories (which, like cosmicpython's fakes, do not roll back)."""

    def __init__(self, *, producer: str = "tests"):
        super().__init__(producer=producer)
        self.published: list[Envelope] = []
        self.commits = 0
        self.woken: list[CommitSignal] = []
        self.handed: list = []  # the items of those wake-ups

    def wake_after_commit(self, signal: CommitSignal, *items) -> None:
        self.woken.append(signal)
        self.handed.extend(items)

    def _commit(self, envelopes: list[Envelope]) -> None:
        self.published.extend(envelopes)
        self.commits += 1

    def _rollback(self) -> None:
        pass

    def published_payloads(self) -> list[EventPayload]:
        """What committed, as typed payloads, in order."""
        return [env.payload() for env in self.published]
