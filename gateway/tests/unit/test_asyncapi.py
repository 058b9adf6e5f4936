"""docs/asyncapi.yaml is generated from the contracts, valid, and complete."""
import json
from pathlib import Path

import jsonschema
import yaml
from gateway.asyncapi import render

REPO = Path(__file__).resolve().parents[3]
SCHEMA = json.loads((Path(__file__).parents[1] / "schemas" / "asyncapi-2.6.0.json").read_text())

ROUTING_KEYS_OF_THE_ARCHITECTURE = [
    "user.registered", "auth.session_revoked", "book.created", "book.updated", "book.deleted",
    "book.summarized", "order.placed", "inventory.reserved", "inventory.rejected",
    "inventory.released", "inventory.stock_changed", "order.confirmed", "order.cancelled",
    "order.status_changed.{status}", "shipment.updated.{status}", "notification.broadcast",
]


def test_the_committed_document_was_regenerated_after_the_last_contract_change():
    committed = (REPO / "docs" / "asyncapi.yaml").read_text()
    assert committed == render(), "run `make asyncapi` and commit docs/asyncapi.yaml"


def test_the_document_validates_against_the_asyncapi_schema():
    jsonschema.Draft7Validator(SCHEMA).validate(yaml.safe_load(render()))


def test_every_routing_key_is_listed_with_its_payload_schema():
    doc = yaml.safe_load(render())
    assert sorted(doc["channels"]) == sorted(ROUTING_KEYS_OF_THE_ARCHITECTURE)
    for key, channel in doc["channels"].items():
        message = doc["components"]["messages"][channel["subscribe"]["message"]["$ref"]
                                                .rsplit("/", 1)[1]]
        envelope = doc["components"]["schemas"][message["payload"]["$ref"].rsplit("/", 1)[1]]
        assert envelope["properties"]["type"]["const"] == key.removesuffix(".{status}")
        payload = doc["components"]["schemas"][envelope["properties"]["data"]["$ref"]
                                               .rsplit("/", 1)[1]]
        assert payload["properties"], f"{key} has an empty payload schema"


def test_a_channel_routed_by_status_names_its_parameter():
    doc = yaml.safe_load(render())
    shipment = doc["channels"]["shipment.updated.{status}"]
    assert shipment["parameters"]["status"]["schema"]["enum"] == [
        "PREPARING", "READY", "SHIPPED", "DELIVERED", "CANCELLED"]
    assert "`shipment.updated.<status>`" in shipment["description"]
