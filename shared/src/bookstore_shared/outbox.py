"""Transactional outbox: events are rows written in the same transaction as the state change; a
relay thread publishes them with confirms and marks them sent. Nothing is published before commit."""
from __future__ import annotations

import logging
import time
from datetime import UTC, timedelta

from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode
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
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from .background import BackgroundLoop, CommitSignal
from .bus import Bus
from .event_metrics import EventMetrics, OutboxBacklog
from .events import Envelope, tracing, utcnow

log = logging.getLogger(__name__)

BACKLOG_EVERY_S = 5.0  # how often the relay counts what waits (outbox_pending_events)


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
        self.signal = CommitSignal("bookstore_outbox_dirty")

    def add(self, session: Session, *envelopes: Envelope) -> None:
        """Stage events in the session's transaction; they leave only if it commits."""
        if not envelopes:
            return
        session.execute(self._insert, [
            {"event_id": e.id, "event_type": e.type, "body": e.to_bytes(), "created_at": utcnow()}
            for e in envelopes])
        self.signal.mark(session)

    def watch(self, factory: sessionmaker) -> None:
        """Wake the relay right after a commit that staged events (no polling delay)."""
        self.signal.watch(factory)

    def wake(self) -> None:
        self.signal.wake()


class OutboxRelay:
    """Publishes pending outbox rows in id order, in batches; survives broker and DB outages."""

    def __init__(self, outbox: Outbox, factory: sessionmaker, bus: Bus, *,
                 batch_size: int = 200, idle_poll_s: float = 1.0,
                 keep_sent_for: timedelta = timedelta(hours=1),
                 metrics: EventMetrics | None = None, tracer: trace.Tracer | None = None):
        self._outbox = outbox
        self._factory = factory
        self._bus = bus
        self._batch = batch_size
        self._idle = idle_poll_s
        self._keep = keep_sent_for
        self._rounds = 0
        self._metrics = metrics
        self._tracer = tracer
        self.backlog = OutboxBacklog()
        self._loop = BackgroundLoop("outbox-relay", self._step, signal=outbox.signal)
        table = outbox.table
        # built once: the relay runs these for every batch
        self._claim = (select(table.c.id, table.c.body).where(table.c.sent_at.is_(None))
                       .order_by(table.c.id).limit(batch_size).with_for_update(skip_locked=True))
        self._mark_sent = (update(table).where(table.c.id.in_(bindparam("ids", expanding=True)))
                           .values(sent_at=bindparam("now")))
        self._count_pending = (select(func.count(), func.min(table.c.created_at))
                               .where(table.c.sent_at.is_(None)))

    @property
    def healthy(self) -> bool:
        """False while relaying fails (broker or database down)."""
        return self._loop.healthy

    def start(self) -> None:
        self._loop.start()

    def stop(self) -> None:
        self._loop.stop()

    def _step(self) -> float:
        if self.backlog.sampled_at is None or \
                time.monotonic() - self.backlog.sampled_at >= BACKLOG_EVERY_S:
            self.sample_backlog()  # before relaying: a broker outage is when it matters
        sent = self.relay_once()
        self._rounds += 1
        if self._rounds % 600 == 0:
            self._purge_sent()
        return 0.0 if sent >= self._batch else self._idle

    def relay_once(self) -> int:
        """Publish one batch; returns how many rows were sent."""
        with self._factory() as session:
            rows = session.execute(self._claim).all()
            if not rows:
                session.rollback()
                self._bus.publish([])  # keeps the connection alive and detects outages
                return 0
            envelopes = [Envelope.from_bytes(r.body) for r in rows]
            self._publish(envelopes)
            session.execute(self._mark_sent, {"ids": [r.id for r in rows], "now": utcnow()})
            session.commit()
            if self._metrics is not None:
                for env in envelopes:
                    self._metrics.published.labels(env.type).inc()
            return len(rows)

    def _publish(self, envelopes: list[Envelope]) -> None:
        if self._tracer is None:
            self._bus.publish(envelopes)
            return
        spans = tracing.published(self._tracer, envelopes)
        try:
            self._bus.publish(envelopes)
        except Exception as exc:
            for span in spans:
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            raise
        finally:
            for span in spans:
                span.end()

    def sample_backlog(self) -> None:
        """Count the rows not yet published and find the oldest (for the gauges)."""
        with self._factory() as session:
            pending, oldest = session.execute(self._count_pending).one()
        if oldest is not None and oldest.tzinfo is None:  # SQLite keeps no time zone
            oldest = oldest.replace(tzinfo=UTC)
        self.backlog.record(pending, oldest)

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


