"""Typed event handlers: `{OrderPlaced: reserve_stock, ...}`, dependencies injected by name.

A handler takes the validated payload as its first argument and names what else it needs:
`uow` (the unit of work of the current transaction), `envelope` (the event as it travelled,
for its id or producer) or any dependency given to `bind()` (settings, a client, a clock).
cosmicpython's `bootstrap.inject_dependencies` is the model: wiring happens once, at startup.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..events import Envelope
from ..events.contracts import REGISTRY, EventPayload, payload_model

EventHandler = Callable[..., None]
"""`handler(payload, *, uow, envelope, **dependencies)`: each keyword only if it is named."""

PER_EVENT = ("uow", "envelope")
"""What differs per call; every other parameter is a dependency bound at startup."""


class RetryLater(Exception):
    """Not yet: the event cannot be applied now (what it needs has not arrived); the bus retries
    it with backoff, then dead-letters it like any failure."""


@dataclass(frozen=True)
class Only:
    """A handler that acts on some events of its type only, e.g. `Only(record_shipment,
    when=lambda data: data["status"] in ("READY", "DELIVERED"))`: one routing key carries every
    shipment status. The others are acked without a transaction, an inbox row or validation (an
    event with no effect needs no idempotency record). `when` reads the event's raw data."""

    handler: EventHandler
    when: Callable[[Mapping[str, Any]], bool]


def routing_key_of(model: type[EventPayload]) -> str:
    """The routing key a payload class travels under."""
    for key, versions in REGISTRY.items():
        if model in versions.values():
            return key
    raise ValueError(f"{model.__name__} is not a registered event payload")


class HandlerRegistry:
    """Which handler applies each event class; also says which routing keys to bind."""

    def __init__(self, handlers: Mapping[type[EventPayload], EventHandler | Only]):
        self.handlers = {model: h.handler if isinstance(h, Only) else h
                         for model, h in handlers.items()}
        self._filters = {model: h.when for model, h in handlers.items() if isinstance(h, Only)}
        self._keys = {model: routing_key_of(model) for model in self.handlers}

    def routing_keys(self) -> list[str]:
        """Exactly the keys some handler needs (a queue bound to these gets nothing it ignores)."""
        return sorted(set(self._keys.values()))

    def bind(self, **dependencies: Any) -> Dispatcher:
        """Resolve each handler's dependencies once; fails now if one is missing."""
        return Dispatcher({model: _inject(handler, dependencies)
                           for model, handler in self.handlers.items()}, self._filters)


class Dispatcher:
    """Validates an envelope's payload and calls its handler with what it asked for."""

    def __init__(self, calls: Mapping[type[EventPayload], Callable[..., None]],
                 filters: Mapping[type[EventPayload], Callable[[Mapping[str, Any]], bool]]
                 | None = None):
        self._calls = dict(calls)
        self._filters = dict(filters or {})

    def handles(self, envelope: Envelope) -> bool:
        """True when some handler takes this event type and version."""
        try:
            return payload_model(envelope.type, envelope.version) in self._calls
        except ValueError:
            return False

    def acts_on(self, envelope: Envelope) -> bool:
        """True when a handler takes this event and its `Only` filter (if any) lets it through:
        the others have no effect, so the consumer acks them without a transaction."""
        try:
            model = payload_model(envelope.type, envelope.version)
        except ValueError:
            return False
        when = self._filters.get(model)
        return model in self._calls and (when is None or when(envelope.data))

    def dispatch(self, envelope: Envelope, uow: Any) -> None:
        """Apply one event inside `uow` (an event no handler acts on is ignored)."""
        if not self.acts_on(envelope):
            return
        model = payload_model(envelope.type, envelope.version)
        self._calls[model](model.model_validate(envelope.data), uow=uow, envelope=envelope)


def _inject(handler: EventHandler, dependencies: Mapping[str, Any]) -> Callable[..., None]:
    params = list(inspect.signature(handler).parameters)[1:]  # the first is the payload
    missing = [p for p in params if p not in PER_EVENT and p not in dependencies]
    if missing:
        raise TypeError(f"{handler.__name__} needs {missing}, which bootstrap() does not provide")
    bound = {p: dependencies[p] for p in params if p not in PER_EVENT}
    per_event = [p for p in params if p in PER_EVENT]

    def call(payload: EventPayload, *, uow: Any, envelope: Envelope) -> None:
        given = {"uow": uow, "envelope": envelope}
        handler(payload, **bound, **{p: given[p] for p in per_event})

    call.__name__ = handler.__name__
    return call
