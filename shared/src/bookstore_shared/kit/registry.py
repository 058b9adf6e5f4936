"""Typed event handlers: `{OrderPlaced: reserve_stock, ...}`, dependencies injected by name.

A handler takes the validated payload as its first argument and names what else it needs:
`uow` (the unit of work of the current transaction), `envelope` (the event as it travelled,
for its id or producer) or any dependency given to `bind()` (settings, a client, a clock).
cosmicpython's `bootstrap.inject_dependencies` is the model: wiring happens once, at startup.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any, Literal, get_args, get_origin

from ..events import Envelope, every_key_of
from ..events.contracts import REGISTRY, EventPayload, payload_model
from ..events.routing import WORD

EventHandler = Callable[..., None]
"""`handler(payload, *, uow, envelope, **dependencies)`: each keyword only if it is named."""

PER_EVENT = ("uow", "envelope")
"""What differs per call; every other parameter is a dependency bound at startup."""


class RetryLater(Exception):
    """Not yet: the event cannot be applied now (what it needs has not arrived); the bus retries
    it with backoff, then dead-letters it like any failure."""


class Only:
    """A handler that acts on some values of its event's routing attribute only, e.g.
    `Only(record_shipment, "READY", "DELIVERED")`: `shipment.updated` is routed by `status`
    (`EventPayload.routed_by`), so the queue is bound to `shipment.updated.READY` and
    `shipment.updated.DELIVERED` and receives no other status. A delivery with another value
    (replayed to the queue by hand, or published under the bare `shipment.updated` by a producer
    from before per-status keys) is still acked without a transaction, an inbox row or
    validation: an event with no effect needs no idempotency record."""

    __slots__ = ("handler", "values")

    def __init__(self, handler: EventHandler, *values: str):
        if not values:
            raise TypeError(f"Only({handler.__name__}) names no value to act on")
        self.handler = handler
        self.values = frozenset(values)

    def __repr__(self) -> str:
        return f"Only({self.handler.__name__}, {', '.join(sorted(self.values))})"


def routing_key_of(model: type[EventPayload]) -> str:
    """The event type of a payload class: its routing key, or the first words of its routing
    keys when the contract names a routing attribute (`events.routing_key`)."""
    for key, versions in REGISTRY.items():
        if model in versions.values():
            return key
    raise ValueError(f"{model.__name__} is not a registered event payload")


def _values_of(model: type[EventPayload], only: Only) -> tuple[str, frozenset[str]]:
    """The routing attribute `only` filters on, checked against the contract at startup."""
    field = model.routed_by
    if field is None:
        raise TypeError(f"{model.__name__} has no routing attribute: {only!r} cannot bind less "
                        "than every event of its type")
    bad = [v for v in only.values if not WORD.fullmatch(v)]
    allowed = get_args(model.model_fields[field].annotation)
    if get_origin(model.model_fields[field].annotation) is Literal:
        bad += [v for v in only.values if v not in allowed]
    if bad:
        raise ValueError(f"{only!r}: {sorted(bad)} is not a {model.__name__}.{field}")
    return field, only.values


class HandlerRegistry:
    """Which handler applies each event class; also says which routing keys to bind."""

    def __init__(self, handlers: Mapping[type[EventPayload], EventHandler | Only]):
        self.handlers = {model: h.handler if isinstance(h, Only) else h
                         for model, h in handlers.items()}
        self._filters = {model: _values_of(model, h) for model, h in handlers.items()
                         if isinstance(h, Only)}
        self._keys: dict[type[EventPayload], tuple[str, ...]] = {}
        for model in self.handlers:
            event_type = routing_key_of(model)
            if model in self._filters:  # only the values it acts on
                self._keys[model] = tuple(f"{event_type}.{v}" for v in self._filters[model][1])
            else:  # every event of the type: `<type>.#` for a keyed one
                self._keys[model] = (every_key_of(event_type),)

    def routing_keys(self) -> list[str]:
        """Exactly the keys some handler needs (a queue bound to these gets nothing it ignores):
        `<type>` per handled type, `<type>.#` for a keyed type taken whole, `<type>.<value>` per
        value an `Only` names."""
        return sorted({key for keys in self._keys.values() for key in keys})

    def bind(self, **dependencies: Any) -> Dispatcher:
        """Resolve each handler's dependencies once; fails now if one is missing."""
        return Dispatcher({model: _inject(handler, dependencies)
                           for model, handler in self.handlers.items()}, self._filters)


class Dispatcher:
    """Validates an envelope's payload and calls its handler with what it asked for."""

    def __init__(self, calls: Mapping[type[EventPayload], Callable[..., None]],
                 filters: Mapping[type[EventPayload], tuple[str, frozenset[str]]] | None = None):
        self._calls = dict(calls)
        self._filters = dict(filters or {})

    def handles(self, envelope: Envelope) -> bool:
        """True when some handler takes this event type and version."""
        try:
            return payload_model(envelope.type, envelope.version) in self._calls
        except ValueError:
            return False

    def acts_on(self, envelope: Envelope) -> bool:
        """True when a handler takes this event and, for an `Only`, its routing attribute has a
        value it names: the others have no effect, so the consumer acks them without a
        transaction (the queue's bindings already keep almost all of them away)."""
        try:
            model = payload_model(envelope.type, envelope.version)
        except ValueError:
            return False
        if model not in self._calls:
            return False
        only = self._filters.get(model)
        return only is None or envelope.data.get(only[0]) in only[1]

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
