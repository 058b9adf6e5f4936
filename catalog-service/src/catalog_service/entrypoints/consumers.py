"""Incoming events -> handlers, on two queues.

`HANDLERS`: the shared `catalog` queue (one replica applies each event, in batches, through the
inbox). `REPLICA_HANDLERS`: `catalog.replica`, a queue of each process's own, so every replica
hears every change that alters what its cache shows (memory only: no unit of work).
"""
from __future__ import annotations

from bookstore_shared.bus import Bus
from bookstore_shared.events.contracts import (
    BookCreated,
    BookDeleted,
    BookSummarized,
    BookUpdated,
    InventoryReserved,
    OrderCancelled,
    OrderConfirmed,
    StockChanged,
)
from bookstore_shared.kit import Dispatcher, HandlerRegistry, subscribe_in_memory

from ..adapters.book_cache import BookCache
from ..service_layer import handlers, replica_feed
from ..service_layer.events_ahead import EventsAhead

HANDLERS = HandlerRegistry({
    BookSummarized: handlers.store_summary,
    StockChanged: handlers.observe_stock,
    InventoryReserved: handlers.observe_reserved_stock,
    OrderConfirmed: handlers.grant_downloads,
    OrderCancelled: handlers.withdraw_downloads,
})

REPLICA_QUEUE = "catalog.replica"
REPLICA_HANDLERS = HandlerRegistry({
    BookCreated: replica_feed.book_changed,
    BookUpdated: replica_feed.book_changed,
    BookDeleted: replica_feed.book_deleted,
    BookSummarized: replica_feed.summary_reported,
    StockChanged: replica_feed.stock_reported,
    InventoryReserved: replica_feed.reserved_stock_reported,
})


def subscribe_replica(bus: Bus, cache: BookCache, ahead: EventsAhead) -> Dispatcher:
    """An exclusive queue per process: every replica gets every change. The queue exists only
    while connected (what is published meanwhile never reaches it): the cache follows that."""
    return subscribe_in_memory(bus, REPLICA_HANDLERS, queue=REPLICA_QUEUE,
                               on_connection=cache.receiving, cache=cache, ahead=ahead)
