"""Composition root of inventory-service."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bookstore_shared.bus import Bus
from bookstore_shared.runtime import ServiceRuntime

from .adapters.orm import INBOX, OUTBOX
from .config import Settings
from .entrypoints import consumers


@dataclass
class Inventory:
    """Everything the service runs on."""

    settings: Settings
    runtime: ServiceRuntime


def bootstrap(settings: Settings, bus: Bus | None = None) -> Inventory:
    """Wire database, bus, outbox relay and consumers (nothing connects until runtime.start())."""
    runtime = ServiceRuntime(settings, outbox_table=OUTBOX, inbox_table=INBOX,
                             migrations_dir=Path(__file__).parent / "migrations", bus=bus)
    consumers.register(runtime)
    return Inventory(settings=settings, runtime=runtime)
