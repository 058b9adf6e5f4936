"""Transactional outbox: events are rows written in the same transaction as the state change; a
relay thread publishes them with confirms and marks them sent. Nothing is published before commit."""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    bindparam,
    delete,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from .bus import Bus
from .events import Envelope, utcnow

log = logging.getLogger(__name__)

_OUTBOX_DIRTY = "bookstore_outbox_dirty"


def outbox_table(metadata: MetaData) -> Table:
    """The `outbox` table, declared on the service's own metadata (so its migrations own it)."""
    return Table(
        "outbox", metadata,
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
               autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("event_type", String(64), nullable=False),
        Column("body", LargeBinary().with_variant(LargeBinary(16_777_215), "mysql"),
               nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("sent_at", DateTime(timezone=True), nullable=True, index=True),
    )


class Outbox:
    """Adds events to the current unit of work and wakes the relay after commit."""

    def __init__(self, table: Table):
        self.table = table
        self._insert = insert(table)  # built once, reused with new parameters
        self._wakeup = threading.Event()

    def add(self, session: Session, *envelopes: Envelope) -> None:
        """Stage events in the session's transaction; they leave only if it commits."""
        if not envelopes:
            return
        session.execute(self._insert, [
            {"event_id": e.id, "event_type": e.type, "body": e.to_bytes(), "created_at": utcnow()}
            for e in envelopes])
        session.info[_OUTBOX_DIRTY] = True

    def watch(self, factory: sessionmaker) -> None:
        """Wake the relay right after a commit that staged events (no polling delay)."""

        @event.listens_for(factory, "after_commit")
        def _after_commit(session: Session) -> None:
            if session.info.pop(_OUTBOX_DIRTY, False):
                self._wakeup.set()

        @event.listens_for(factory, "after_rollback")
        def _after_rollback(session: Session) -> None:
            session.info.pop(_OUTBOX_DIRTY, None)

    def wait_for_work(self, timeout: float) -> None:
        self._wakeup.wait(timeout)
        self._wakeup.clear()

    def wake(self) -> None:
        self._wakeup.set()


class OutboxRelay:
    """Publishes pending outbox rows in id order, in batches; survives broker and DB outages."""

    def __init__(self, outbox: Outbox, factory: sessionmaker, bus: Bus, *,
                 batch_size: int = 200, idle_poll_s: float = 1.0,
                 keep_sent_for: timedelta = timedelta(hours=1)):
        self._outbox = outbox
        self._factory = factory
        self._bus = bus
        self._batch = batch_size
        self._idle = idle_poll_s
        self._keep = keep_sent_for
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.healthy = True
        table = outbox.table
        # built once: the relay runs these for every batch
        self._claim = (select(table.c.id, table.c.body).where(table.c.sent_at.is_(None))
                       .order_by(table.c.id).limit(batch_size).with_for_update(skip_locked=True))
        self._mark_sent = (update(table).where(table.c.id.in_(bindparam("ids", expanding=True)))
                           .values(sent_at=bindparam("now")))

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True, name="outbox-relay")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._outbox.wake()
        if self._thread:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        backoff = 0.2
        rounds = 0
        while not self._stop.is_set():
            try:
                sent = self.relay_once()
                self.healthy = True
                backoff = 0.2
                rounds += 1
                if rounds % 600 == 0:
                    self._purge_sent()
                if sent < self._batch:
                    self._outbox.wait_for_work(self._idle)
            except Exception as exc:  # noqa: BLE001 - keep relaying whatever failed
                self.healthy = False
                log.warning("outbox relay paused", extra={"error": f"{type(exc).__name__}: {exc}"})
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)

    def relay_once(self) -> int:
        """Publish one batch; returns how many rows were sent."""
        with self._factory() as session:
            rows = session.execute(self._claim).all()
            if not rows:
                session.rollback()
                self._bus.publish([])  # keeps the connection alive and detects outages
                return 0
            self._bus.publish([Envelope.from_bytes(r.body) for r in rows])
            session.execute(self._mark_sent, {"ids": [r.id for r in rows], "now": utcnow()})
            session.commit()
            return len(rows)

    def _purge_sent(self) -> None:
        table = self._outbox.table
        with self._factory() as session:
            session.execute(delete(table).where(table.c.sent_at < utcnow() - self._keep))
            session.commit()


def pending_count(factory: sessionmaker, outbox: Outbox) -> int:
    """How many events wait to be published (for metrics and tests)."""
    table = outbox.table
    with factory() as session:
        return len(session.execute(select(table.c.id).where(table.c.sent_at.is_(None))).all())


