"""A publisher channel that pipelines publisher confirms: publish a whole batch, then wait once.

pika's BlockingChannel in confirm mode waits for each message's Basic.Ack before the next publish
(one broker round trip per message). This keeps the blocking connection (one per thread) but puts
the batch on the wire at once and waits for the acks — RabbitMQ usually answers a batch with one
`multiple` ack. It drives pika's own asynchronous channel under the blocking facade (`_impl`), the
way BlockingChannel.confirm_delivery does itself.
"""
from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress

import pika
from pika.spec import Basic

from ..events import Envelope, routing_key


class PublishNotConfirmed(RuntimeError):
    """The broker nacked a message, or the channel closed before every message was confirmed."""


class ConfirmingPublisher:
    """One connection + channel in confirm mode; `publish(batch)` returns once all are acked."""

    def __init__(self, params: pika.ConnectionParameters, exchange: str):
        self.connection = pika.BlockingConnection(params)
        self.channel = self.connection.channel()
        self._exchange = exchange
        self._next_tag = 1  # the broker numbers confirmed publishes 1, 2, ... per channel
        self._unconfirmed: set[int] = set()
        self._nacked = 0
        selected: list[bool] = []
        self.channel._impl.confirm_delivery(ack_nack_callback=self._on_confirm,
                                            callback=lambda _frame: selected.append(True))
        self.channel._flush_output(lambda: bool(selected))
        self.channel.exchange_declare(exchange, exchange_type="topic", durable=True)

    @property
    def is_open(self) -> bool:
        return self.channel.is_open and self.connection.is_open

    def _on_confirm(self, frame) -> None:
        method = frame.method
        if isinstance(method, Basic.Nack):
            self._nacked += 1
        if method.multiple:
            self._unconfirmed = {t for t in self._unconfirmed if t > method.delivery_tag}
        else:
            self._unconfirmed.discard(method.delivery_tag)

    def publish(self, envelopes: Sequence[Envelope], properties) -> None:
        """Publish every envelope (persistent, under `events.routing_key`), then wait until the
        broker confirmed them all."""
        if not envelopes:
            self.connection.process_data_events(time_limit=0)
            return
        impl = self.channel._impl
        self._nacked = 0
        for env in envelopes:
            impl.basic_publish(self._exchange, routing_key(env), env.to_bytes(), properties(env))
            self._unconfirmed.add(self._next_tag)
            self._next_tag += 1
        self.channel._flush_output(lambda: not self._unconfirmed)
        if self._unconfirmed or self._nacked:
            raise PublishNotConfirmed(
                f"{len(self._unconfirmed)} unconfirmed, {self._nacked} nacked")

    def close(self) -> None:
        with suppress(Exception):  # it is already broken
            self.connection.close()
