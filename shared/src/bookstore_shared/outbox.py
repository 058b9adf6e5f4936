"""Transactional outbox: events are rows written in the same transaction as the state change; a
relay thread publishes them with confirms and marks them sent. Nothing is published before commit.

The relay's usual path takes no lock and reads nothing: the transaction that staged events hands
them to its own process's relay right after COMMIT, which publishes them at once and marks what
it published sent in one UPDATE every MARK_EVERY_S. Rows the hand-off did not cover are swept
from the table (SELECT ... FOR UPDATE SKIP LOCKED, publish, mark, in one transaction):
- everything unsent when the relay starts, and after any failure, until the sweep catches up
  (hand-offs made meanwhile are dropped: the sweep finds those rows);
- rows still unsent SWEEP_AFTER_S after they were staged, every SWEEP_EVERY_S: a process that
  died between COMMIT and publishing, a hand-off older than HANDOFF_MAX_AGE_S (left to the sweep
  rather than racing it).
Delivery stays at least once: a process killed after publishing and before marking publishes
those events again when it (or another replica) sweeps; consumers are idempotent.
"""
from __future__ import annotations

import logging
import time
from collections import deque
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
MARK_EVERY_S = 0.2  # published events are marked sent in one UPDATE at most this often
HANDOFF_MAX_AGE_S = 10.0  # a handed-over event not yet published by then is left to the sweep
SWEEP_AFTER_S = 30.0  # unsent rows this old are the sweep's (> HANDOFF_MAX_AGE_S, with margin)
SWEEP_EVERY_S = 5.0
SWEPT_MEMORY_S = 30.0  # ids a sweep published: a late hand-off of one of them is not re-sent


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
    """Adds events to the current unit of work and hands them to the relay after commit."""

    def __init__(self, table: Table):
        self.table = table
        self._insert = insert(table)  # built once, reused with new parameters
        self.signal = CommitSignal("bookstore_outbox_staged")

    def add(self, session: Session, *envelopes: Envelope) -> None:
        """Stage events in the session's transaction; they leave only if it commits."""
        if not envelopes:
            return
        now = utcnow()
        session.execute(self._insert, [
            {"event_id": e.id, "event_type": e.type, "body": e.to_bytes(), "created_at": now}
            for e in envelopes])
        staged_at = time.monotonic()
        self.signal.mark(session, *((staged_at, e) for e in envelopes))

    def watch(self, factory: sessionmaker) -> None:
        """Hand staged events to the relay right after the commit (no polling delay)."""
        self.signal.watch(factory)

    def wake(self) -> None:
        self.signal.wake()


class OutboxRelay:
    """Publishes what commits hand over, sweeps what they did not; survives broker and DB
    outages (see the module's docstring)."""

    def __init__(self, outbox: Outbox, factory: sessionmaker, bus: Bus, *,
                 batch_size: int = 200, idle_poll_s: float = 1.0,
                 keep_sent_for: timedelta = timedelta(hours=1),
                 metrics: EventMetrics | None = None, tracer: trace.Tracer | None = None):
        self._outbox = outbox
        self._signal = outbox.signal
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
        self._recovering = True  # sweep everything unsent first
        self._next_sweep = 0.0
        self._unmarked: list[str] = []  # published, not yet marked sent
        self._unmarked_since = 0.0
        # ids sweeps published lately (a late hand-off of one is skipped), oldest batch first
        self._swept: set[str] = set()
        self._swept_batches: deque[tuple[float, list[str]]] = deque()
        table = outbox.table
        # built once: the relay runs these for every batch
        self._claim_all = (select(table.c.id, table.c.body).where(table.c.sent_at.is_(None))
                           .order_by(table.c.id).limit(batch_size)
                           .with_for_update(skip_locked=True))
        self._claim_old = self._claim_all.where(table.c.created_at < bindparam("before"))
        self._mark_sent = (update(table).where(table.c.id.in_(bindparam("ids", expanding=True)))
                           .values(sent_at=bindparam("now")))
        self._mark_published = (
            update(table).where(table.c.event_id.in_(bindparam("event_ids", expanding=True)))
            .values(sent_at=bindparam("now")))
        self._count_pending = (select(func.count(), func.min(table.c.created_at))
                               .where(table.c.sent_at.is_(None)))

    @property
    def healthy(self) -> bool:
        """False while relaying fails (broker or database down)."""
        return self._loop.healthy

    def start(self) -> None:
        self._recovering = True
        self._loop.start()

    def stop(self) -> None:
        self._loop.stop()
        try:
            self._mark(force=True)
        except Exception as exc:  # noqa: BLE001 - the sweep re-sends them (at least once)
            log.warning("could not mark published events sent", extra={
                "events": len(self._unmarked), "error": f"{type(exc).__name__}: {exc}"})

    def _step(self) -> float:
        if self.backlog.sampled_at is None or \
                time.monotonic() - self.backlog.sampled_at >= BACKLOG_EVERY_S:
            self.sample_backlog()  # before relaying: a broker outage is when it matters
        sent = self.relay_once()
        self._rounds += 1
        if self._rounds % 600 == 0:
            self._purge_sent()
        if sent >= self._batch or self._recovering or self._signal.waiting():
            return 0.0
        if self._unmarked:
            return max(0.0, self._unmarked_since + MARK_EVERY_S - time.monotonic())
        return self._idle

    def relay_once(self) -> int:
        """Publish what is waiting (one hand-off batch, or one sweep batch); returns how many
        events were sent."""
        try:
            if self._recovering:
                sent = self._sweep(before=None)
                self._recovering = sent >= self._batch
            else:
                sent = self._publish_handed()
                if time.monotonic() >= self._next_sweep:
                    self._next_sweep = time.monotonic() + SWEEP_EVERY_S
                    sent += self._sweep(before=utcnow() - timedelta(seconds=SWEEP_AFTER_S))
            if not sent:
                self._bus.publish([])  # keeps the connection alive and detects outages
            self._mark(force=False)
            return sent
        except Exception:
            self._recovering = True  # from the table, until caught up
            raise

    def _publish_handed(self) -> int:
        handed = self._signal.take(self._batch)
        if not handed:
            return 0
        now = time.monotonic()
        swept = self._swept
        envelopes = [env for staged_at, env in handed
                     if now - staged_at < HANDOFF_MAX_AGE_S and env.id not in swept]
        if envelopes:
            self._publish(envelopes)
            if not self._unmarked:
                self._unmarked_since = time.monotonic()
            self._unmarked.extend(env.id for env in envelopes)
        return len(envelopes)

    def _mark(self, *, force: bool) -> None:
        """Mark what the hand-off published sent (one UPDATE), when due."""
        if not self._unmarked or not (
                force or len(self._unmarked) >= self._batch
                or time.monotonic() - self._unmarked_since >= MARK_EVERY_S):
            return
        with self._factory() as session:
            session.execute(self._mark_published, {"event_ids": self._unmarked, "now": utcnow()})
            session.commit()
        self._unmarked = []

    def _sweep(self, *, before) -> int:
        """Publish one batch of unsent rows from the table (all of them, or those staged
        `before`), marking them in the same transaction that locked them."""
        self._mark(force=True)  # what the hand-off published is not swept again
        if before is None:
            self._signal.discard()  # committed already: this sweep or the next finds them
        with self._factory() as session:
            claim = self._claim_all if before is None else self._claim_old
            rows = session.execute(claim, {"before": before}).all()
            if not rows:
                session.rollback()
                return 0
            envelopes = [Envelope.from_bytes(r.body) for r in rows]
            self._publish(envelopes)
            session.execute(self._mark_sent, {"ids": [r.id for r in rows], "now": utcnow()})
            session.commit()
        self._remember_swept(envelopes)
        return len(rows)

    def _remember_swept(self, envelopes: list[Envelope]) -> None:
        now = time.monotonic()
        while self._swept_batches and self._swept_batches[0][0] <= now:
            self._swept.difference_update(self._swept_batches.popleft()[1])
        ids = [env.id for env in envelopes]
        self._swept_batches.append((now + SWEPT_MEMORY_S, ids))
        self._swept.update(ids)

    def _publish(self, envelopes: list[Envelope]) -> None:
        if self._tracer is None:
            self._bus.publish(envelopes)
        else:
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
        if self._metrics is not None:
            for env in envelopes:
                self._metrics.published_as(env.type).inc()

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


