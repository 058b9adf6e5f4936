"""Composition root: runtime (database, bus, outbox), catalog client and event consumers."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bookstore_shared.bus import Bus
from bookstore_shared.internal import internal_headers
from bookstore_shared.runtime import ServiceRuntime

from .adapters.catalog import Catalog, HttpCatalog
from .adapters.orm import INBOX, OUTBOX
from .config import Settings
from .entrypoints import consumers


@dataclass
class Container:
    """What the routes and consumers need."""

    settings: Settings
    runtime: ServiceRuntime
    catalog: Catalog

    @property
    def sessions(self):
        return self.runtime.sessions

    @property
    def outbox(self):
        return self.runtime.outbox


def bootstrap(settings: Settings, *, bus: Bus | None = None,
              catalog: Catalog | None = None) -> Container:
    """Wire the service; nothing connects until the runtime starts (in the lifespan)."""
    runtime = ServiceRuntime(settings, outbox_table=OUTBOX, inbox_table=INBOX,
                             migrations_dir=Path(__file__).parent / "migrations", bus=bus)
    catalog = catalog or HttpCatalog(settings.service_url("catalog"),
                                     timeout_s=settings.catalog_timeout_s,
                                     headers=internal_headers(settings))
    container = Container(settings=settings, runtime=runtime, catalog=catalog)
    consumers.register(container)
    return container
