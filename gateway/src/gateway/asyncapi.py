"""The AsyncAPI document of the event contracts, served by the gateway at `/asyncapi.yaml` and
written to `docs/asyncapi.yaml` by `make asyncapi` (`python -m gateway.asyncapi`).

It lives with the gateway, the edge that names the services anyway: the shared library names
none. Who consumes each routing key is checked against the queues the services bind
(`tests/deploy/test_asyncapi_routes.py`)."""
from __future__ import annotations

import sys

import yaml
from bookstore_shared.events.contracts import REGISTRY
from pydantic.json_schema import models_json_schema

# Who publishes and who consumes each routing key (ARCHITECTURE.md, "Events"); a consumer is a
# service with a queue bound to the key (its shared queue or a queue of each replica's own).
ROUTES: dict[str, tuple[str, tuple[str, ...]]] = {
    "user.registered": ("auth", ("notification",)),
    "auth.session_revoked": ("auth", ("gateway", "notification", "catalog", "order")),
    "book.created": ("catalog", ("inventory", "order", "ai", "catalog")),
    "book.updated": ("catalog", ("inventory", "order", "ai", "catalog")),
    "book.deleted": ("catalog", ("inventory", "order", "ai", "catalog")),
    "book.summarized": ("ai", ("catalog",)),
    "order.placed": ("order", ("inventory", "notification")),
    "inventory.reserved": ("inventory", ("order", "catalog")),
    "inventory.rejected": ("inventory", ("order",)),
    "inventory.released": ("inventory", ()),
    "inventory.stock_changed": ("inventory", ("catalog", "order")),
    "order.confirmed": ("order", ("shipping", "notification", "catalog")),
    "order.cancelled": ("order", ("inventory", "shipping", "catalog", "notification")),
    "order.status_changed": ("order", ("notification", "shipping")),
    "shipment.updated": ("shipping", ("order",)),
    "notification.broadcast": ("notification", ("notification",)),
}

ENVELOPE_DESCRIPTION = (
    "Every event travels in this envelope. Consumers ignore unknown fields; a breaking change "
    "of a payload gets a new version.")


def _message_name(event_type: str) -> str:
    return "".join(part.capitalize() for part in event_type.replace("_", ".").split("."))


def _envelope_schema(event_type: str, version: int, payload_ref: str) -> dict:
    return {
        "type": "object", "description": ENVELOPE_DESCRIPTION,
        "required": ["id", "type", "version", "occurred_at", "producer", "correlation_id", "data"],
        "properties": {
            "id": {"type": "string", "format": "uuid", "description": "idempotency key"},
            "type": {"type": "string", "const": event_type},
            "version": {"type": "integer", "const": version},
            "occurred_at": {"type": "string", "format": "date-time"},
            "producer": {"type": "string"},
            "correlation_id": {"type": "string",
                               "description": "the originating request's X-Request-ID"},
            "causation_id": {"type": ["string", "null"],
                             "description": "id of the event that caused this one"},
            "data": {"$ref": payload_ref},
            "traceparent": {"type": "string", "description": (
                "W3C trace context the event was emitted in (absent when not traced)")},
            "tracestate": {"type": "string", "description": "W3C tracestate, if any"},
        },
    }


def build_document(exchange: str = "bookstore.events") -> dict:
    """The AsyncAPI 2.6 document for every registered event."""
    models = [(model, "validation") for versions in REGISTRY.values() for model in versions.values()]
    refs, defs = models_json_schema(models, ref_template="#/components/schemas/{model}")
    schemas: dict = dict(defs.get("$defs", {}))
    messages: dict = {}
    channels: dict = {}
    for event_type, versions in sorted(REGISTRY.items()):
        version, model = max(versions.items())
        name = _message_name(event_type)
        schemas[f"{name}Envelope"] = _envelope_schema(
            event_type, version, refs[(model, "validation")]["$ref"])
        messages[name] = {
            "name": event_type, "title": name, "contentType": "application/json",
            "summary": (model.__doc__ or name).strip().splitlines()[0],
            "payload": {"$ref": f"#/components/schemas/{name}Envelope"},
        }
        producer, consumers = ROUTES[event_type]
        channel = event_type
        described = (f"Published by {producer}; consumed by {', '.join(consumers)}." if consumers
                     else f"Published by {producer}; no service consumes it (it is for taps).")
        field = model.routed_by
        if field is not None:  # `<type>.<value>`: a queue binds the values it takes
            channel = f"{event_type}.{{{field}}}"
            described += (f" The routing key is `{event_type}.<{field}>`; the envelope's `type` "
                          f"stays `{event_type}`.")
        channels[channel] = {
            "description": described,
            "subscribe": {"operationId": f"on{name}", "message": {"$ref":
                                                                 f"#/components/messages/{name}"}},
            "bindings": {"amqp": {"is": "routingKey", "exchange": {
                "name": exchange, "type": "topic", "durable": True, "autoDelete": False,
                "vhost": "/"}, "bindingVersion": "0.2.0"}},
        }
        if field is not None:
            schema = dict(model.model_json_schema()["properties"][field])
            schema.pop("title", None)
            channels[channel]["parameters"] = {field: {
                "description": f"the payload's `{field}`", "schema": schema}}
    return {
        "asyncapi": "2.6.0",
        "info": {"title": "Bookstore events", "version": "1.0.0", "description": (
            "Integration events of the Bookstore services, on one durable topic exchange "
            "(`<instance>.events`); the routing key is the event type, extended by the payload's "
            "routing attribute where it has one (`order.status_changed.SHIPPED`). Generated from "
            "shared/src/bookstore_shared/events/contracts.py — do not edit by hand.")},
        "servers": {"rabbitmq": {"url": "rabbitmq:5672", "protocol": "amqp",
                                 "description": "RabbitMQ; exchange `<instance>.events`"}},
        "defaultContentType": "application/json",
        "channels": channels,
        "components": {"messages": messages, "schemas": schemas},
    }


def render() -> str:
    """The document as YAML text (stable key order)."""
    return yaml.safe_dump(build_document(), sort_keys=False, allow_unicode=True, width=100)


if __name__ == "__main__":
    sys.stdout.write(render())
