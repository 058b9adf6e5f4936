"""RabbitMQ bus on pika: durable topic exchange, a durable queue per consuming service, manual acks
after the handler returns, publisher confirms, retry queues with backoff, then a dead-letter queue.

Every thread gets its own connection and channel (pika's BlockingConnection is not thread-safe).
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Collection, Sequence
from contextlib import suppress
from datetime import UTC, datetime
from functools import partial

import pika
from pika.exceptions import AMQPError, ChannelClosedByBroker
from tenacity import Retrying, retry_if_exception_type, stop_never, wait_exponential

from ..events import Envelope
from .base import (
    ConnectionHook,
    DeadLetter,
    Handler,
    Subscription,
    is_transient,
    report_failure,
)
from .confirms import ConfirmingPublisher, PublishNotConfirmed
from .linger import Linger

log = logging.getLogger(__name__)

ATTEMPTS_HEADER = "x-bookstore-attempts"
REASON_HEADER = "x-bookstore-error"
DEAD_AT_HEADER = "x-bookstore-dead-lettered-at"
_PARKING_HEADERS = (ATTEMPTS_HEADER, REASON_HEADER, DEAD_AT_HEADER)
NOT_FOUND = 404
DEPTH_EVERY_S = 5.0  # how often a consumer thread counts the messages waiting in its queue
# How long a consumer thread waits for a delivery before it looks at the queue depth again; a
# stopping bus wakes its threads at once (`stop`). Each wake-up of an idle consumer costs some
# CPU: at 0.25 s, the idle system's consumer loops took ~0.8 % of one CPU more than at 2 s.
IDLE_POLL_S = 2.0


class BrokerUnavailable(RuntimeError):
    """The broker could not take (or confirm) a message right now."""


class RabbitBus:
    """Topic exchange `<instance>.events`; queues `<instance>.<name>`, `.retry.<ms>`, `.dlq`."""

    def __init__(self, url: str, *, instance: str, queue_type: str = "classic",
                 prefetch: int = 64, retry_delays_ms: Sequence[int] = (500, 2000, 8000, 30000),
                 consumers: int = 1, batch_linger_ms: int = 0):
        self._params = pika.URLParameters(url)
        self._params.heartbeat = 60
        self._params.blocked_connection_timeout = 30
        self._params.connection_attempts = 1
        self.instance = instance
        self.exchange = f"{instance}.events"
        self._queue_type = queue_type
        self._prefetch = prefetch
        # Consumer threads per service queue and process (ARCHITECTURE.md, "Consumer threads"):
        # one applies what has arrived in one transaction per batch; more took turns at the GIL.
        self._consumers = max(1, consumers)
        # How long a batch of a busy queue waits for more deliveries (bus/linger.py).
        self._linger_s = max(0, batch_linger_ms) / 1000
        self._delays = list(retry_delays_ms)
        self._subs: list[Subscription] = []
        self._threads: list[threading.Thread] = []
        self._connected: dict[tuple[int, int], bool] = {}
        self._consuming: dict[tuple[int, int], pika.BlockingConnection] = {}
        self._stopping = threading.Event()
        self._local = threading.local()
        self._publisher_ok = True
        self._depths: dict[str, tuple[int, float]] = {}

    # ---- naming and topology -------------------------------------------------------------
    def queue_name(self, queue: str) -> str:
        """The broker-side name of a service queue."""
        return f"{self.instance}.{queue}"

    def _queue_args(self, **extra: object) -> dict:
        return {"x-queue-type": self._queue_type, **extra}

    def _declare(self, ch, sub: Subscription) -> str:
        ch.exchange_declare(self.exchange, exchange_type="topic", durable=True)
        base = self.queue_name(sub.queue)
        ch.queue_declare(f"{base}.dlq", durable=True, arguments=self._queue_args())
        if sub.exclusive:
            name = f"{base}.{uuid.uuid4().hex[:12]}"
            ch.queue_declare(name, exclusive=True, auto_delete=True)
        else:
            name = base
            ch.queue_declare(name, durable=True, arguments=self._queue_args())
            for delay in self._delays:
                ch.queue_declare(f"{base}.retry.{delay}", durable=True, arguments=self._queue_args(
                    **{"x-message-ttl": delay, "x-dead-letter-exchange": "",
                       "x-dead-letter-routing-key": base}))
        for pattern in sub.patterns:
            ch.queue_bind(name, self.exchange, routing_key=pattern)
        return name

    def _connect(self) -> pika.BlockingConnection:
        for attempt in Retrying(wait=wait_exponential(multiplier=0.2, max=5), stop=stop_never,
                                retry=retry_if_exception_type(AMQPError), reraise=True):
            with attempt:
                if self._stopping.is_set():
                    raise BrokerUnavailable("bus is stopping")
                return pika.BlockingConnection(self._params)
        raise BrokerUnavailable("unreachable")  # pragma: no cover - Retrying never gives up

    # ---- publishing ----------------------------------------------------------------------
    def _publisher(self) -> ConfirmingPublisher:
        pub = getattr(self._local, "publisher", None)
        if pub is None or not pub.is_open:
            if pub is not None:
                pub.close()
            pub = ConfirmingPublisher(self._params, self.exchange)
            self._local.publisher = pub
        return pub

    def _drop_publisher(self) -> None:
        pub = getattr(self._local, "publisher", None)
        self._local.publisher = None
        if pub is not None:
            pub.close()

    def publish(self, envelopes: Sequence[Envelope]) -> None:
        """Publish persistent messages as one pipelined batch and wait for every confirm."""
        try:
            self._publisher().publish(envelopes, _properties)
            self._publisher_ok = True
        except (AMQPError, OSError, PublishNotConfirmed) as exc:
            self._publisher_ok = False
            self._drop_publisher()
            raise BrokerUnavailable(f"publish failed: {type(exc).__name__}") from exc

    # ---- consuming -----------------------------------------------------------------------
    def subscribe(self, queue: str, patterns: Sequence[str], handler: Handler, *,
                  exclusive: bool = False, on_connection: ConnectionHook | None = None) -> None:
        sub = Subscription(queue, tuple(patterns), handler, exclusive, on_connection)
        self._subs.append(sub)
        if self._threads:
            self._spawn(len(self._subs) - 1, sub)

    def start(self) -> None:
        self._stopping.clear()
        for index, sub in enumerate(self._subs):
            self._spawn(index, sub)

    def stop(self) -> None:
        self._stopping.set()
        for conn in list(self._consuming.values()):
            with suppress(Exception):  # closed meanwhile: its thread is leaving anyway
                conn.add_callback_threadsafe(_nothing)  # ends its wait for a delivery now
        for t in self._threads:
            t.join(timeout=10)
        self._threads.clear()
        self._drop_publisher()

    def is_healthy(self) -> bool:
        return self._publisher_ok and all(
            self._connected.get((i, k), False) for i, sub in enumerate(self._subs)
            for k in range(self._threads_for(sub)))

    def queue_depths(self) -> dict[str, tuple[int, float]]:
        """What the consumer threads last counted in their queues (see `_count_waiting`)."""
        return dict(self._depths)

    def _count_waiting(self, ch, name: str, sub: Subscription) -> None:
        """Every DEPTH_EVERY_S, on the consumer's own channel (pika channels are not
        thread-safe, so a metrics scrape must not use them): the messages ready in its queue."""
        _count, sampled_at = self._depths.get(sub.queue, (0, float("-inf")))
        if time.monotonic() - sampled_at >= DEPTH_EVERY_S:
            waiting = ch.queue_declare(name, passive=True).method.message_count
            self._depths[sub.queue] = (waiting, time.monotonic())

    def _threads_for(self, sub: Subscription) -> int:
        return 1 if sub.exclusive else self._consumers

    def _spawn(self, index: int, sub: Subscription) -> None:
        for k in range(self._threads_for(sub)):
            t = threading.Thread(target=self._consume_forever, args=((index, k), sub),
                                 daemon=True, name=f"consume-{sub.queue}-{k}")
            self._threads.append(t)
            t.start()

    def _consume_forever(self, index: tuple[int, int], sub: Subscription) -> None:
        while not self._stopping.is_set():
            conn = None
            try:
                conn = self._connect()
                self._consuming[index] = conn
                ch = conn.channel()
                ch.confirm_delivery()
                name = self._declare(ch, sub)
                ch.basic_qos(prefetch_count=self._prefetch)
                size = sub.batch_size
                delivered: list[tuple] = []
                if size > 1:  # collected while pika reads the socket, handled after
                    ch.basic_consume(name, on_message_callback=partial(_collect, delivered))
                else:
                    # A process's own queue is gone with its connection, so an ack there would
                    # keep nothing safe that a crash can lose: it is consumed without acks (its
                    # handlers only change memory, and a failing event is parked at once).
                    ch.basic_consume(name, on_message_callback=partial(self._on_message, sub),
                                     auto_ack=_unacknowledged(sub))
                self._connected[index] = True
                self._depths.pop(sub.queue, None)  # counted afresh on this connection
                if sub.on_connection is not None:
                    sub.on_connection(True)
                log.info("consuming", extra={"queue": name})
                linger = Linger(self._linger_s)
                while not self._stopping.is_set():
                    conn.process_data_events(time_limit=IDLE_POLL_S)  # or once something arrived
                    linger.arrived(len(delivered))
                    if linger.worth_waiting(len(delivered), size):
                        time.sleep(linger.seconds)  # more are on their way: take them together
                        before = len(delivered)
                        conn.process_data_events(time_limit=0)
                        linger.arrived(len(delivered) - before)
                    self._count_waiting(ch, name, sub)
                    while delivered:
                        batch = delivered[:size]
                        del delivered[:size]
                        self._on_batch(sub, ch, batch)
            except BrokerUnavailable:
                pass
            except (AMQPError, OSError) as exc:
                log.warning("consumer lost its connection, reconnecting",
                            extra={"queue": sub.queue, "error": type(exc).__name__})
                self._lost(index, sub)
                self._stopping.wait(0.5)
            finally:
                self._consuming.pop(index, None)
                self._lost(index, sub)
                if conn is not None and conn.is_open:
                    with suppress(Exception):  # it is already broken
                        conn.close()

    def _lost(self, index: tuple[int, int], sub: Subscription) -> None:
        if self._connected.get(index):
            self._connected[index] = False
            if sub.on_connection is not None:
                sub.on_connection(False)

    def _on_batch(self, sub: Subscription, ch, batch: list[tuple]) -> None:
        """Handle deliveries together, then ack them with one multiple-ack; if the batch fails,
        handle each alone, so only the failing one is retried or parked."""
        parsed = []
        for method, props, body in batch:
            try:
                parsed.append((Envelope.from_bytes(body), method, props, body))
            except ValueError:
                self._on_message(sub, ch, method, props, body)  # parks and acks it
        if len(parsed) > 1:
            try:
                sub.handler.handle_batch([env for env, *_ in parsed])
                ch.basic_ack(parsed[-1][1].delivery_tag, multiple=True)
                return
            except Exception:  # noqa: BLE001 - one at a time finds the failing delivery
                log.info("batch failed, handling its events one at a time",
                         extra={"queue": sub.queue, "batch": len(parsed)})
        for env, method, props, body in parsed:
            self._on_message(sub, ch, method, props, body, env)

    def _on_message(self, sub: Subscription, ch, method, props, body: bytes,
                    env: Envelope | None = None) -> None:
        attempts = int((props.headers or {}).get(ATTEMPTS_HEADER, 0))
        try:
            env = env or Envelope.from_bytes(body)
        except ValueError as exc:
            self._park(ch, sub, body, props, f"malformed envelope: {exc}"[:500], attempts + 1)
            self._ack(ch, sub, method)
            # labelled by event type (the AMQP `type`), not the routing key with its status
            report_failure(sub.handler, props.type or method.routing_key, dead_lettered=True)
            return
        try:
            sub.handler(env)
        except Exception as exc:  # noqa: BLE001 - every failure is retried, then parked
            transient = is_transient(exc) and not sub.exclusive
            attempts += 1
            reason = f"{type(exc).__name__}: {exc}"[:500]
            if not transient and (sub.exclusive or attempts > len(self._delays)):
                log.error("event dead-lettered", extra={"queue": sub.queue, "event_id": env.id,
                                                        "event_type": env.type, "reason": reason})
                self._park(ch, sub, body, props, reason, attempts)
                report_failure(sub.handler, env.type, dead_lettered=True)
            else:
                log.warning("event failed, will retry", extra={
                    "queue": sub.queue, "event_id": env.id, "attempt": attempts, "reason": reason})
                delay = self._delays[min(attempts, len(self._delays)) - 1]
                ch.basic_publish("", f"{self.queue_name(sub.queue)}.retry.{delay}", body,
                                 _with_headers(props, {ATTEMPTS_HEADER: attempts}))
                report_failure(sub.handler, env.type, dead_lettered=False)
        self._ack(ch, sub, method)

    @staticmethod
    def _ack(ch, sub: Subscription, method) -> None:
        if not _unacknowledged(sub):
            ch.basic_ack(method.delivery_tag)

    def _park(self, ch, sub: Subscription, body: bytes, props, reason: str, attempts: int) -> None:
        ch.basic_publish("", f"{self.queue_name(sub.queue)}.dlq", body, _with_headers(
            props, {ATTEMPTS_HEADER: attempts, REASON_HEADER: reason,
                    DEAD_AT_HEADER: datetime.now(UTC).isoformat()}))

    # ---- dead letters (operator tools) -------------------------------------------------------
    def dead_letters(self, queue: str, *, limit: int = 100) -> list[DeadLetter]:
        """Peek at parked messages without removing them."""
        letters: list[DeadLetter] = []
        conn = pika.BlockingConnection(self._params)
        try:
            ch = conn.channel()
            for _ in range(limit):
                method, props, body = _get_or_none(ch, f"{self.queue_name(queue)}.dlq")
                if method is None:
                    break
                headers = props.headers or {}
                try:
                    env = Envelope.from_bytes(body)
                except ValueError:  # a malformed message is listed too, not a crash
                    env = None
                # Parked through the default exchange: the event's own key is in `type`.
                key = props.type or (env.type if env is not None else method.routing_key)
                letters.append(DeadLetter(env, key,
                                          str(headers.get(REASON_HEADER, "")),
                                          int(headers.get(ATTEMPTS_HEADER, 0)), body,
                                          dead_lettered_at=_moment(headers.get(DEAD_AT_HEADER)),
                                          message_id=props.message_id))
            # closing the channel without acks puts every peeked message back
        finally:
            conn.close()
        return letters

    def dead_letter_counts(self, queues: Sequence[str]) -> dict[str, int]:
        """How many messages each queue has parked (queues without a dead-letter queue left out)."""
        counts: dict[str, int] = {}
        conn = pika.BlockingConnection(self._params)
        try:
            for queue in queues:
                ch = conn.channel()  # a missing queue closes the channel, not the connection
                try:
                    ok = ch.queue_declare(f"{self.queue_name(queue)}.dlq", passive=True)
                    counts[queue] = ok.method.message_count
                except ChannelClosedByBroker as exc:
                    if exc.reply_code != NOT_FOUND:
                        raise
                finally:
                    if ch.is_open:
                        ch.close()
        finally:
            if conn.is_open:
                conn.close()
        return counts

    def purge_dead_letters(self, queue: str) -> int:
        """Drop parked messages; returns how many."""
        conn = pika.BlockingConnection(self._params)
        try:
            return conn.channel().queue_purge(f"{self.queue_name(queue)}.dlq").method.message_count
        except ChannelClosedByBroker as exc:
            if exc.reply_code == NOT_FOUND:
                return 0
            raise
        finally:
            conn.close()

    def replay_dead_letters(self, queue: str, ids: Collection[str] | None = None) -> int:
        """Move parked messages (all, or those with these ids) back to the service queue with a
        fresh attempt count; the others stay parked, in their order."""
        conn = pika.BlockingConnection(self._params)
        count = 0
        try:
            ch = conn.channel()
            ch.confirm_delivery()
            while True:
                method, props, body = _get_or_none(ch, f"{self.queue_name(queue)}.dlq")
                if method is None:
                    return count  # closing the channel puts the unacked, unchosen ones back
                if ids is not None and _letter_id(body, props) not in ids:
                    continue
                headers = {k: v for k, v in (props.headers or {}).items()
                           if k not in _PARKING_HEADERS}
                ch.basic_publish("", self.queue_name(queue), body,
                                 _with_headers(props, headers, replace=True))
                ch.basic_ack(method.delivery_tag)
                count += 1
        finally:
            conn.close()


def _unacknowledged(sub: Subscription) -> bool:
    """Consumed without acks: a process's own queue, one delivery at a time."""
    return sub.exclusive and sub.batch_size == 1


def _collect(delivered: list[tuple], _ch, method, props, body: bytes) -> None:
    delivered.append((method, props, body))


def _get_or_none(ch, queue: str) -> tuple:
    """`basic_get` without ack; (None, None, None) when the queue is empty or does not exist."""
    try:
        return ch.basic_get(queue, auto_ack=False)
    except ChannelClosedByBroker as exc:
        if exc.reply_code == NOT_FOUND:
            return None, None, None
        raise


def _letter_id(body: bytes, props) -> str | None:
    try:
        return Envelope.from_bytes(body).id
    except ValueError:
        return props.message_id


def _moment(value) -> datetime | None:
    try:
        return datetime.fromisoformat(value.decode() if isinstance(value, bytes) else value)
    except (TypeError, ValueError):
        return None


def _properties(env: Envelope) -> pika.BasicProperties:
    return pika.BasicProperties(content_type="application/json", delivery_mode=2,
                                message_id=env.id, correlation_id=env.correlation_id,
                                type=env.type, app_id=env.producer)


def _with_headers(props, headers: dict, *, replace: bool = False) -> pika.BasicProperties:
    merged = dict(headers) if replace else {**(props.headers or {}), **headers}
    return pika.BasicProperties(content_type=props.content_type, delivery_mode=2,
                                message_id=props.message_id, correlation_id=props.correlation_id,
                                type=props.type, app_id=props.app_id, headers=merged)


def _nothing() -> None:
    """A callback that only wakes a connection's thread."""
