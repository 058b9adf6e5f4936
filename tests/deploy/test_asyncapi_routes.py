"""The AsyncAPI document's consumers are the services whose queues are bound to each key, read from
the services' own subscriptions (deploy/topology.py), so the document cannot drift from the code."""
from __future__ import annotations

import topology
from bookstore_shared.bus import topic_matches
from bookstore_shared.events.contracts import REGISTRY
from gateway.asyncapi import ROUTES


def receives(pattern: str, event_type: str) -> bool:
    """Whether a binding takes `event_type`: its key, or for a routed event one of its
    `<type>.<value>` keys (any value is enough)."""
    if max(REGISTRY[event_type].items())[1].routed_by:
        words = event_type.split(".")
        return (pattern.split(".")[:len(words)] == words
                or topic_matches(pattern, f"{event_type}.ANY"))
    return topic_matches(pattern, event_type)


def bound_to(event_type: str) -> set[str]:
    """The services with a queue (shared or per replica) that receives `event_type`."""
    return {service for service, subs in topology.all_subscriptions().items()
            for sub in subs if any(receives(pattern, event_type) for pattern in sub.patterns)}


def test_every_event_type_has_a_route():
    assert sorted(ROUTES) == sorted(REGISTRY)


def test_the_documented_consumers_are_the_services_bound_to_each_key():
    drift = {event_type: {"documented": sorted(consumers), "bound": sorted(bound_to(event_type))}
             for event_type, (_, consumers) in ROUTES.items()
             if set(consumers) != bound_to(event_type)}
    assert drift == {}
