"""The RabbitMQ topology the services declare, read from the code itself (no copied constants).

Each service's app is built with a recording bus (SQLite under a temporary data dir, nothing
connects), which yields its subscriptions; `RabbitBus._declare` then runs against a recording
channel, which yields the exact exchange, queues, arguments and bindings the service would declare.
"""
from __future__ import annotations

import functools
import importlib
import importlib.util
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bookstore_shared.bus import RabbitBus, retry_delays_ms
from bookstore_shared.bus.base import Subscription
from bookstore_shared.services import registered
from bookstore_shared.settings import BaseServiceSettings

INSTANCE = BaseServiceSettings.model_fields["instance"].default
DEFAULT_DELAYS = retry_delays_ms(BaseServiceSettings.model_fields["retry_delays_ms"].default)


class RecordingBus:
    """A Bus that only remembers `subscribe` calls."""

    def __init__(self) -> None:
        self.subscriptions: list[Subscription] = []

    def subscribe(self, queue, patterns, handler, *, exclusive=False, on_connection=None) -> None:
        self.subscriptions.append(Subscription(queue, tuple(patterns), handler, exclusive))

    def publish(self, envelopes) -> None:
        pass

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def is_healthy(self) -> bool:
        return True

    def dead_letters(self, queue, *, limit=100):
        return []

    def replay_dead_letters(self, queue) -> int:
        return 0

    def purge_dead_letters(self, queue) -> int:
        return 0


@dataclass
class RecordingChannel:
    """Collects what `RabbitBus._declare` asks the broker for."""

    exchanges: dict = field(default_factory=dict)
    queues: dict = field(default_factory=dict)
    bindings: list = field(default_factory=list)

    def exchange_declare(self, name, exchange_type="direct", durable=False, **_):
        self.exchanges[name] = {"type": exchange_type, "durable": durable}

    def queue_declare(self, name, durable=False, exclusive=False, auto_delete=False,
                      arguments=None, **_):
        self.queues[name] = {"durable": durable, "exclusive": exclusive,
                             "auto_delete": auto_delete, "arguments": dict(arguments or {})}

    def queue_bind(self, queue, exchange, routing_key=None, **_):
        self.bindings.append((exchange, queue, routing_key))


@functools.cache
def subscriptions(pkg: str) -> list[Subscription]:
    """What one service subscribes to when its app is created (nothing is started)."""
    main = importlib.import_module(f"{pkg}.main")
    config = importlib.import_module(f"{pkg}.config")
    bus = RecordingBus()
    with tempfile.TemporaryDirectory() as tmp:
        settings = config.Settings(_env_file=None, data_dir=Path(tmp), mysql_url=None,
                                   database_url=None, rabbitmq_url=None, instance=INSTANCE)
        main.create_app(settings=settings, bus=bus)
    return bus.subscriptions


def declared(subs: list[Subscription], *, queue_type: str = "classic") -> RecordingChannel:
    """Everything RabbitBus declares for these subscriptions (exclusive per-replica queues too)."""
    bus = RabbitBus("amqp://localhost/", instance=INSTANCE, queue_type=queue_type,
                    retry_delays_ms=DEFAULT_DELAYS)
    ch = RecordingChannel()
    for sub in subs:
        bus._declare(ch, sub)
    return ch


def is_written(pkg: str) -> bool:
    """True when the service's entry module exists (services are built in parallel)."""
    return importlib.util.find_spec(f"{pkg}.main") is not None


def all_subscriptions(*, allow_missing: bool = False) -> dict[str, list[Subscription]]:
    """Service name -> its subscriptions, for every service the launcher starts."""
    return {s.name: subscriptions(s.package) for s in registered()
            if not allow_missing or is_written(s.package)}
