"""What every bus offers: confirmed publishing and queue subscriptions with retries and a DLQ."""
from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache
from typing import Protocol, runtime_checkable

from ..events import Envelope

Handler = Callable[[Envelope], None]
"""Processes one event; raising means "failed, retry later" (then dead-letter)."""


@runtime_checkable
class BatchHandler(Protocol):
    """A handler that can also take several deliveries at once (in one transaction).

    A bus hands it what the broker has already delivered, up to `batch_size`, and acks them
    together; when `handle_batch` raises, the bus falls back to calling the handler on each
    delivery alone, so only the failing one is retried or dead-lettered.
    """

    batch_size: int

    def __call__(self, envelope: Envelope) -> None: ...

    def handle_batch(self, envelopes: Sequence[Envelope]) -> None: ...


def batch_size_of(handler: Handler) -> int:
    """How many deliveries `handler` takes at once (1 for a plain handler)."""
    return max(1, handler.batch_size) if isinstance(handler, BatchHandler) else 1

@runtime_checkable
class FailureAware(Protocol):
    """A handler told what became of a delivery it failed: retried later or dead-lettered (the
    kit counts outcomes per service; the bus decides them)."""

    def delivery_failed(self, routing_key: str, *, dead_lettered: bool) -> None: ...


def report_failure(handler: Handler, routing_key: str, *, dead_lettered: bool) -> None:
    """Tell a `FailureAware` handler what the bus did with a delivery it failed."""
    if isinstance(handler, FailureAware):
        handler.delivery_failed(routing_key, dead_lettered=dead_lettered)


ConnectionHook = Callable[[bool], None]
"""Told True once a queue is consuming (again, after a reconnection) and False when its
connection is lost: an exclusive queue does not exist in between, and misses what is published."""


@dataclass(frozen=True)
class Subscription:
    """A queue bound to routing patterns. `exclusive` queues are per process (fan-out to replicas)."""

    queue: str
    patterns: tuple[str, ...]
    handler: Handler = field(compare=False)
    exclusive: bool = False
    on_connection: ConnectionHook | None = field(default=None, compare=False)

    @cached_property
    def batch_size(self) -> int:
        """`batch_size_of(handler)`, found once: an isinstance check against a runtime Protocol
        costs microseconds, which a check per delivery spent on every one."""
        return batch_size_of(self.handler)


@dataclass(frozen=True)
class DeadLetter:
    """A message parked after its last failed attempt (`envelope` is None when the body is not
    an envelope at all; `body` then holds the bytes as they arrived)."""

    envelope: Envelope | None
    routing_key: str
    reason: str
    attempts: int
    body: bytes = field(default=b"", compare=False, repr=False)
    dead_lettered_at: datetime | None = None
    message_id: str | None = None

    @property
    def id(self) -> str | None:
        """What names the letter for a replay: the envelope's id, else the message's id."""
        return self.envelope.id if self.envelope is not None else self.message_id


class Bus(Protocol):
    """The message bus; RabbitBus in production, InProcessBus standalone and in unit tests."""

    def publish(self, envelopes: Sequence[Envelope]) -> None:
        """Publish and wait until the broker has them (raise if it cannot confirm)."""

    def subscribe(self, queue: str, patterns: Sequence[str], handler: Handler, *,
                  exclusive: bool = False, on_connection: ConnectionHook | None = None) -> None:
        """Register a consumer; call before `start()`."""

    def start(self) -> None:
        """Start consuming."""

    def stop(self) -> None:
        """Stop consuming and close connections."""

    def is_healthy(self) -> bool:
        """True when publishing and consuming can work right now."""

    def queue_depths(self) -> dict[str, tuple[int, float]]:
        """{queue: (messages waiting, time.monotonic() when counted)} for the queues this bus
        consumes, as last counted (never a call to the broker: it answers a metrics scrape)."""

    def dead_letters(self, queue: str, *, limit: int = 100) -> list[DeadLetter]:
        """Messages of `queue` parked after their last failed attempt."""

    def dead_letter_counts(self, queues: Sequence[str]) -> dict[str, int]:
        """How many messages each queue has parked; queues the bus does not have are left out."""

    def replay_dead_letters(self, queue: str, ids: Collection[str] | None = None) -> int:
        """Move parked messages (all, or those with these ids) back to `queue` with a fresh
        attempt count."""

    def purge_dead_letters(self, queue: str) -> int:
        """Drop parked messages of `queue`."""


@lru_cache(maxsize=4096)
def _words_match(pattern: tuple[str, ...], key: tuple[str, ...]) -> bool:
    if not pattern:
        return not key
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_words_match(rest, key[i:]) for i in range(len(key) + 1))
    return bool(key) and head in ("*", key[0]) and _words_match(rest, key[1:])


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic semantics: `*` is exactly one word, `#` zero or more words."""
    return _words_match(tuple(pattern.split(".")), tuple(routing_key.split(".")))


def is_transient(exc: BaseException) -> bool:
    """An outage (database or broker unreachable, lock timeout), not a bad message: such failures
    are retried without counting towards the dead-letter limit, so an outage parks nothing."""
    from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError

    return isinstance(exc, (OperationalError, InterfaceError, DisconnectionError, ConnectionError,
                            TimeoutError))


def retry_delays_ms(spec: str) -> list[int]:
    """Parse "500,2000,8000" into backoff delays; attempts = len(delays) + 1."""
    return [int(x) for x in spec.split(",") if x.strip()]
