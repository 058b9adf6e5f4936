"""Composition root: runtime (database, bus, outbox), PDF storage, consumers, the read cache."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bookstore_shared.bus import Bus
from bookstore_shared.runtime import ServiceRuntime

from .adapters import book_changes
from .adapters.book_cache import BookCache
from .adapters.orm import INBOX, OUTBOX
from .adapters.storage import FileStorage, LocalDirectoryStorage
from .config import Settings
from .entrypoints import consumers
from .entrypoints.reads import BookReads
from .service_layer.events_ahead import EventsAhead
from .service_layer.handlers import CatalogDeps


@dataclass
class Catalog:
    """Everything the catalog's entry points use."""

    settings: Settings
    runtime: ServiceRuntime
    deps: CatalogDeps
    reads: BookReads

    def start_storage(self) -> None:
        """Create the storage directories (called by the lifespan)."""
        ensure = getattr(self.deps.storage, "ensure", None)
        if ensure:
            ensure()


def bootstrap(settings: Settings, *, bus: Bus | None = None,
              storage: FileStorage | None = None) -> Catalog:
    """Wire the catalog; nothing connects until the lifespan starts the runtime."""
    runtime = ServiceRuntime(settings, outbox_table=OUTBOX, inbox_table=INBOX,
                             migrations_dir=Path(__file__).parent / "migrations", bus=bus)
    storage = storage or LocalDirectoryStorage(settings.storage_dir)
    # The cache keeps nothing until this process's replica queue receives changes.
    reads = BookReads(sessions=runtime.sessions, cache=BookCache(receiving=False),
                      ahead=EventsAhead())
    book_changes.watch(runtime.sessions, reads.cache)
    consumers.subscribe(runtime)
    consumers.subscribe_replica(runtime, reads.cache, reads.ahead)
    return Catalog(settings=settings, runtime=runtime,
                   deps=CatalogDeps(sessions=runtime.sessions, outbox=runtime.outbox,
                                    storage=storage), reads=reads)
