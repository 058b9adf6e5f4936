"""Composition root of inventory-service: the one place that wires it (tests override arguments)."""
from __future__ import annotations

from pathlib import Path

from bookstore_shared.bus import Bus
from bookstore_shared.kit import consume
from bookstore_shared.kit.container import Container
from bookstore_shared.runtime import ServiceRuntime

from .adapters.orm import INBOX, OUTBOX
from .config import Settings
from .entrypoints.consumers import HANDLERS
from .service_layer.unit_of_work import PRODUCER, InventoryUnitOfWork


def bootstrap(settings: Settings, bus: Bus | None = None) -> Container:
    """Wire database, bus, outbox relay and consumers (nothing connects until runtime.start())."""
    runtime = ServiceRuntime(settings, outbox_table=OUTBOX, inbox_table=INBOX,
                             migrations_dir=Path(__file__).parent / "migrations", bus=bus)

    def uow() -> InventoryUnitOfWork:
        return InventoryUnitOfWork(runtime.sessions, runtime.outbox, producer=PRODUCER)

    consumer = consume(runtime, HANDLERS, uow=uow, inbox=INBOX)
    return Container(settings=settings, runtime=runtime, uow=uow,
                     dispatcher=consumer.dispatcher)
