"""Composition root of order-service: the one place that wires it (tests override arguments)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bookstore_shared.bus import Bus
from bookstore_shared.internal import internal_headers
from bookstore_shared.kit import consume
from bookstore_shared.kit.container import Container
from bookstore_shared.runtime import ServiceRuntime

from .adapters.catalog import Catalog, HttpCatalog
from .adapters.orm import INBOX, OUTBOX
from .config import Settings
from .entrypoints.consumers import HANDLERS
from .service_layer.unit_of_work import PRODUCER, OrderUnitOfWork


@dataclass(kw_only=True)
class OrderContainer(Container):
    """The kit's container plus the catalog client, which placing an order asks on a miss."""

    catalog: Catalog


def bootstrap(settings: Settings, bus: Bus | None = None, *,
              catalog: Catalog | None = None) -> OrderContainer:
    """Wire database, bus, outbox relay, catalog client and consumers (nothing connects until
    runtime.start())."""
    runtime = ServiceRuntime(settings, outbox_table=OUTBOX, inbox_table=INBOX,
                             migrations_dir=Path(__file__).parent / "migrations", bus=bus)
    catalog = catalog or HttpCatalog(settings.service_url("catalog"),
                                     timeout_s=settings.catalog_timeout_s,
                                     headers=internal_headers(settings))

    def uow() -> OrderUnitOfWork:
        return OrderUnitOfWork(runtime.sessions, runtime.outbox, producer=PRODUCER)

    consumer = consume(runtime, HANDLERS, uow=uow, inbox=INBOX)
    return OrderContainer(settings=settings, runtime=runtime, uow=uow,
                          dispatcher=consumer.dispatcher, catalog=catalog)
