from decimal import Decimal

import orjson
import pytest
from bookstore_shared.context import correlation_id_var
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import BookCreated, OrderPlaced, UserRegistered


def test_wrapping_a_payload_fills_every_envelope_field():
    env = Envelope.wrap(UserRegistered(user_id=1, username="ann", email="a@x.io"), producer="auth")
    assert Envelope.from_bytes(env.to_bytes()) == env
    body = orjson.loads(env.to_bytes())  # untraced: no trace fields on the wire
    assert set(body) == {"id", "type", "version", "occurred_at", "producer", "correlation_id",
                         "causation_id", "data"}
    assert body["type"] == "user.registered" and body["version"] == 1
    assert body["producer"] == "auth" and body["occurred_at"].endswith("Z") or "+00:00" in \
        body["occurred_at"]
    assert body["data"] == {"user_id": 1, "username": "ann", "email": "a@x.io"}


def test_a_caused_event_carries_the_correlation_and_causation_of_its_cause():
    cause = Envelope.wrap(OrderPlaced(order_id=7, user_id=1, items=[{"book_id": 2, "quantity": 1}]),
                          producer="order", correlation_id="corr-1")
    effect = Envelope.wrap(UserRegistered(user_id=1, username="a", email="a@x.io"),
                           producer="inventory", causation=cause)
    assert effect.correlation_id == "corr-1" and effect.causation_id == cause.id


def test_the_request_correlation_id_is_used_when_there_is_no_cause():
    token = correlation_id_var.set("req-42")
    try:
        env = Envelope.wrap(UserRegistered(user_id=1, username="a", email="a@x.io"), producer="auth")
    finally:
        correlation_id_var.reset(token)
    assert env.correlation_id == "req-42"


def test_payloads_are_typed_and_money_stays_exact():
    env = Envelope.wrap(BookCreated(book_id=1, title="T", author="A", price=Decimal("19.99"),
                                    stock=3), producer="catalog")
    payload = Envelope.from_bytes(env.to_bytes()).payload()
    assert isinstance(payload, BookCreated) and payload.price == Decimal("19.99")


def test_unknown_fields_are_ignored_and_missing_ones_rejected():
    env = Envelope(type="user.registered", producer="x", correlation_id="c",
                   data={"user_id": 1, "username": "a", "email": "e", "extra": True})
    assert env.payload().model_dump() == {"user_id": 1, "username": "a", "email": "e"}
    broken = Envelope(type="user.registered", producer="x", correlation_id="c", data={})
    with pytest.raises(ValueError):
        broken.payload()


def test_malformed_bytes_are_a_value_error():
    with pytest.raises(ValueError):
        Envelope.from_bytes(b"{not json")
