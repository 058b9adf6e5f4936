"""A subscription is told when its queue starts consuming and when its connection is lost."""
from __future__ import annotations

import threading
import time
from types import SimpleNamespace

from bookstore_shared.bus import InProcessBus, RabbitBus
from pika.exceptions import StreamLostError


class _Channel:
    def __getattr__(self, name):  # declarations, qos, consume: accepted and ignored
        return lambda *args, **kwargs: None

    def queue_declare(self, *args, **kwargs):  # an empty queue
        return SimpleNamespace(method=SimpleNamespace(message_count=0))


class _Connection:
    """Consumes until told to drop, like a connection the broker closed."""

    def __init__(self, drop: threading.Event):
        self._drop = drop
        self.is_open = True

    def channel(self) -> _Channel:
        return _Channel()

    def process_data_events(self, time_limit: float) -> None:
        if self._drop.is_set():
            self._drop.clear()
            self.is_open = False
            raise StreamLostError("connection lost")
        time.sleep(0.01)

    def close(self) -> None:
        self.is_open = False


def _wait(check) -> None:
    deadline = time.monotonic() + 5
    while not check():
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_a_rabbit_subscription_hears_of_every_connection_and_every_loss(monkeypatch):
    drop, seen = threading.Event(), []
    bus = RabbitBus("amqp://guest:guest@127.0.0.1:1/", instance="hooks")
    monkeypatch.setattr(bus, "_connect", lambda: _Connection(drop))
    bus.subscribe("replica", ["book.*"], lambda env: None, exclusive=True,
                  on_connection=seen.append)
    bus.start()
    try:
        _wait(lambda: seen == [True])
        drop.set()  # the exclusive queue is gone with the connection; a new one is declared
        _wait(lambda: seen == [True, False, True])
    finally:
        bus.stop()
    assert seen == [True, False, True, False]


def test_an_in_process_queue_is_consuming_from_the_moment_it_is_subscribed():
    seen = []
    InProcessBus().subscribe("replica", ["book.*"], lambda env: None, exclusive=True,
                             on_connection=seen.append)
    assert seen == [True]
