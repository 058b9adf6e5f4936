"""Composition root of shipping-service."""
from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bookstore_shared.background import CommitSignal
from bookstore_shared.bus import Bus
from bookstore_shared.kit import consume
from bookstore_shared.kit.container import Container
from bookstore_shared.runtime import ServiceRuntime
from starlette.concurrency import run_in_threadpool

from .adapters.orm import INBOX, OUTBOX
from .config import Settings
from .entrypoints.consumers import HANDLERS
from .service_layer.scheduler import SCHEDULE_CHANGED, ShipmentScheduler
from .service_layer.unit_of_work import PRODUCER, ShippingUnitOfWork


@dataclass(kw_only=True)
class ShippingContainer(Container):
    """The kit's container plus the scheduler, which starts after the runtime and stops before."""

    scheduler: ShipmentScheduler

    def start(self) -> None:
        """Database, bus and relay first, then the schedule (it resumes from the database)."""
        self.runtime.start()
        self.scheduler.start()

    def stop(self) -> None:
        self.scheduler.stop()
        self.runtime.stop()

    def checks(self) -> dict:
        """Readiness: the runtime's checks and a working scheduler."""
        return {**self.runtime.checks(), "scheduler": lambda: self.scheduler.healthy}

    def lifespan(self):
        """A FastAPI lifespan that starts and stops everything off the event loop."""

        @asynccontextmanager
        async def _lifespan(app):
            await run_in_threadpool(self.start)
            try:
                yield
            finally:
                await run_in_threadpool(self.stop)

        return _lifespan


def bootstrap(settings: Settings, bus: Bus | None = None) -> ShippingContainer:
    """Wire database, bus, outbox relay, consumers and scheduler (nothing connects yet)."""
    runtime = ServiceRuntime(settings, outbox_table=OUTBOX, inbox_table=INBOX,
                             migrations_dir=Path(__file__).parent / "migrations", bus=bus)

    def uow() -> ShippingUnitOfWork:
        return ShippingUnitOfWork(runtime.sessions, runtime.outbox, producer=PRODUCER)

    schedule = CommitSignal(SCHEDULE_CHANGED)  # set after a commit that scheduled a step
    schedule.watch(runtime.sessions)
    consumer = consume(runtime, HANDLERS, uow=uow, inbox=INBOX, timings=settings.timings,
                       schedule=schedule)
    scheduler = ShipmentScheduler(uow, signal=schedule, max_idle_s=settings.scheduler_max_idle_s)
    return ShippingContainer(settings=settings, runtime=runtime, uow=uow,
                             dispatcher=consumer.dispatcher, scheduler=scheduler)
