"""What each service's bootstrap() assembles: database, bus and outbox relay (its consumers come
from bookstore_shared.kit)."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import Table
from starlette.concurrency import run_in_threadpool

from . import telemetry
from .bus import Bus, InProcessBus, RabbitBus, retry_delays_ms
from .db import (
    database_url,
    ensure_database,
    is_database_reachable,
    make_engine,
    make_session_factory,
    upgrade_to_head,
)
from .event_metrics import EventMetrics
from .outbox import Outbox, OutboxRelay
from .settings import BaseServiceSettings

log = logging.getLogger(__name__)


def make_bus(settings: BaseServiceSettings) -> Bus:
    """RabbitMQ when BOOKSTORE_RABBITMQ_URL is set, else an in-process bus."""
    delays = retry_delays_ms(settings.retry_delays_ms)
    if settings.rabbitmq_url:
        return RabbitBus(settings.rabbitmq_url, instance=settings.instance,
                         queue_type=settings.queue_type, prefetch=settings.prefetch,
                         retry_delays_ms=delays, consumers=settings.consumers,
                         batch_linger_ms=settings.batch_linger_ms)
    return InProcessBus(retry_delays_ms=delays)


class ServiceRuntime:
    """Engine + sessions + bus + outbox relay for one service; started and stopped by the lifespan."""

    def __init__(self, settings: BaseServiceSettings, *, outbox_table: Table | None,
                 inbox_table: Table | None, migrations_dir: Path | None, bus: Bus | None = None,
                 owns_bus: bool | None = None):
        self.settings = settings
        self.url = database_url(settings)
        self.engine = make_engine(self.url)
        telemetry.instrument_engine(self.engine, settings.service_name)
        self.sessions = make_session_factory(self.engine)
        self.bus = bus or make_bus(settings)
        self._owns_bus = bus is None if owns_bus is None else owns_bus
        self._migrations = migrations_dir
        self._inbox = inbox_table
        self.outbox = Outbox(outbox_table) if outbox_table is not None else None
        self.metrics = EventMetrics(settings.service_name,
                                    queue_depths=lambda: self.bus.queue_depths())
        self.relay = OutboxRelay(self.outbox, self.sessions, self.bus, metrics=self.metrics,
                                 tracer=telemetry.tracer(settings.service_name)) \
            if self.outbox else None
        if self.relay:
            self.metrics.backlog = self.relay.backlog
        if self.outbox:
            self.outbox.watch(self.sessions)

    def prepare_database(self) -> None:
        """Create the schema if missing and apply migrations."""
        ensure_database(self.url)
        if self._migrations is not None:
            upgrade_to_head(self.engine, self._migrations)

    def start(self) -> None:
        self.prepare_database()
        if self._owns_bus:
            self.bus.start()
        if self.relay:
            self.relay.start()

    def stop(self) -> None:
        if self.relay:
            self.relay.stop()
        if self._owns_bus:
            self.bus.stop()
        self.engine.dispose()

    def checks(self) -> dict:
        """Readiness: the database answers and the broker is connected."""
        return {"database": lambda: is_database_reachable(self.engine),
                "broker": self.bus.is_healthy}

    def lifespan(self, *extra_startup):
        """A FastAPI lifespan that starts the runtime (off the event loop) and stops it."""

        @asynccontextmanager
        async def _lifespan(app):
            registry = getattr(app.state, "metrics_registry", None)
            if registry is not None and not getattr(app.state, "event_metrics", None):
                registry.register(self.metrics)  # served on the app's /metrics
                app.state.event_metrics = self.metrics
            await run_in_threadpool(self.start)
            for hook in extra_startup:
                await run_in_threadpool(hook)
            log.info("service started", extra={"service": self.settings.service_name})
            try:
                yield
            finally:
                await run_in_threadpool(self.stop)

        return _lifespan
