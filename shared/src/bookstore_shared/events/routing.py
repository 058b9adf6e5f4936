"""The routing key an event travels under (ARCHITECTURE.md, "Events"): its type, extended by the
value of the payload's routing attribute where the contract names one (`EventPayload.routed_by`),
e.g. `order.status_changed.SHIPPED`, `shipment.updated.READY`. Every publisher (the RabbitMQ bus
and the in-process bus) routes with `routing_key`; the envelope's `type` stays the event type."""
from __future__ import annotations

import re

from .contracts import REGISTRY
from .envelope import Envelope

WORD = re.compile(r"[A-Za-z0-9_-]+")
"""What a routing attribute's value must be to extend the key (one topic word: no dots)."""


def routed_by(event_type: str, version: int = 1) -> str | None:
    """The payload field that extends this event's routing key (None: the key is the type)."""
    model = REGISTRY.get(event_type, {}).get(version)
    return model.routed_by if model is not None else None


def routing_key(envelope: Envelope) -> str:
    """`<type>.<value of the routing attribute>` for a keyed event, else `<type>`. A value that
    is missing or not one topic word leaves the bare type (queues bound to `<type>.#` get it)."""
    field = routed_by(envelope.type, envelope.version)
    if field is None:
        return envelope.type
    value = envelope.data.get(field)
    if not isinstance(value, str) or not WORD.fullmatch(value):
        return envelope.type
    return f"{envelope.type}.{value}"


def every_key_of(event_type: str) -> str:
    """The binding that takes every event of a type: `<type>.#` for a keyed event (which also
    matches the bare `<type>` producers published before keys were extended), else `<type>`."""
    keyed = any(model.routed_by for model in REGISTRY.get(event_type, {}).values())
    return f"{event_type}.#" if keyed else event_type


def bindings_for(pattern: str) -> list[str]:
    """The bindings that deliver what a pattern as a person writes it means: events whose type
    or routing key it matches (`eventfeed.EventFilter`). `shipment.*` or `order.status_changed`
    match a keyed type, so `<type>.#` is bound too; `#` or `order.status_changed.SHIPPED` need
    nothing more."""
    from ..bus.base import topic_matches  # the bus imports the events package

    return [pattern, *(f"{event_type}.#" for event_type in sorted(KEYED)
                       if topic_matches(pattern, event_type)
                       and not topic_matches(pattern, f"{event_type}.#"))]


KEYED = frozenset(t for t, versions in REGISTRY.items() if any(m.routed_by for m in
                                                                 versions.values()))
"""The event types whose routing key is extended by a routing attribute."""
