"""Composition root: runtime (database, bus, outbox), PDF storage, consumers, the read cache."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bookstore_shared.bus import Bus
from bookstore_shared.kit import consume
from bookstore_shared.kit.container import Container
from bookstore_shared.runtime import ServiceRuntime

from .adapters.book_cache import BookCache
from .adapters.orm import INBOX, OUTBOX
from .adapters.storage import FileStorage, LocalDirectoryStorage
from .config import Settings
from .entrypoints.consumers import HANDLERS, subscribe_replica
from .entrypoints.reads import BookReads
from .service_layer.events_ahead import EventsAhead
from .service_layer.unit_of_work import CatalogUnitOfWork


@dataclass(kw_only=True)
class CatalogContainer(Container):
    """The kit's container plus the PDF storage and the read path (cache, events ahead)."""

    storage: FileStorage
    reads: BookReads

    def start_storage(self) -> None:
        """Create the storage directories (called by the lifespan)."""
        ensure = getattr(self.storage, "ensure", None)
        if ensure:
            ensure()


def bootstrap(settings: Settings, *, bus: Bus | None = None,
              storage: FileStorage | None = None) -> CatalogContainer:
    """Wire the catalog; nothing connects until the lifespan starts the runtime."""
    runtime = ServiceRuntime(settings, outbox_table=OUTBOX, inbox_table=INBOX,
                             migrations_dir=Path(__file__).parent / "migrations", bus=bus)
    # The cache keeps nothing until this process's replica queue receives changes.
    cache = BookCache(receiving=False)

    def uow() -> CatalogUnitOfWork:
        return CatalogUnitOfWork(runtime.sessions, runtime.outbox, cache=cache)

    reads = BookReads(uow=uow, cache=cache, ahead=EventsAhead())
    consumer = consume(runtime, HANDLERS, uow=uow, inbox=INBOX)
    subscribe_replica(runtime.bus, cache, reads.ahead)
    return CatalogContainer(settings=settings, runtime=runtime, uow=uow,
                            dispatcher=consumer.dispatcher,
                            storage=storage or LocalDirectoryStorage(settings.storage_dir),
                            reads=reads)
