"""The typed handler registry and the in-memory unit of work (no I/O)."""
from __future__ import annotations

import pytest
from bookstore_shared.bus import topic_matches
from bookstore_shared.db import new_metadata
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import (
    BookCreated,
    BookUpdated,
    NotificationBroadcast,
    OrderStatusChanged,
    ShipmentUpdated,
    UserRegistered,
)
from bookstore_shared.inbox import inbox_table
from bookstore_shared.kit import (
    BatchedConsumer,
    HandlerRegistry,
    InMemoryUnitOfWork,
    Only,
    subscribe_in_memory,
)


def registered(n: int) -> Envelope:
    return Envelope.wrap(UserRegistered(user_id=n, username=f"u{n}", email=f"u{n}@x.io"),
                         producer="auth")


def greet(event: UserRegistered, *, uow: InMemoryUnitOfWork, greeting: str) -> None:
    uow.emit(NotificationBroadcast(message=f"{greeting} {event.username}"))


def test_a_handler_gets_the_validated_payload_the_unit_of_work_and_its_bound_dependencies():
    dispatcher = HandlerRegistry({UserRegistered: greet}).bind(greeting="hello")
    uow = InMemoryUnitOfWork(producer="notification")
    cause = registered(1)
    with uow:
        uow.cause = cause
        dispatcher.dispatch(cause, uow)
        uow.commit()

    assert uow.published_payloads() == [NotificationBroadcast(message="hello u1")]
    (sent,) = uow.published
    assert (sent.producer, sent.causation_id, sent.correlation_id) == (
        "notification", cause.id, cause.correlation_id)


def test_a_handler_that_names_the_envelope_receives_it():
    seen = []
    dispatcher = HandlerRegistry({UserRegistered: lambda event, envelope: seen.append(
        (event.user_id, envelope.id))}).bind()
    env = registered(2)
    dispatcher.dispatch(env, InMemoryUnitOfWork())
    assert seen == [(2, env.id)]


def test_a_dependency_bootstrap_does_not_provide_fails_at_startup_not_per_event():
    with pytest.raises(TypeError, match="greeting"):
        HandlerRegistry({UserRegistered: greet}).bind()


def test_the_registry_binds_exactly_the_routing_keys_of_its_event_classes():
    noop = lambda event: None
    registry = HandlerRegistry({BookCreated: noop, BookUpdated: noop, UserRegistered: noop})
    assert registry.routing_keys() == ["book.created", "book.updated", "user.registered"]


def test_events_emitted_in_a_unit_of_work_that_does_not_commit_are_never_published():
    uow = InMemoryUnitOfWork()
    with uow:
        uow.emit(NotificationBroadcast(message="lost"))
    with uow:
        uow.emit(NotificationBroadcast(message="kept"))
        uow.commit()
    assert uow.published_payloads() == [NotificationBroadcast(message="kept")]
    assert uow.commits == 1


class _RecordingBus:
    def subscribe(self, queue, patterns, handler, *, exclusive=False, on_connection=None):
        self.queue, self.patterns, self.handler = queue, list(patterns), handler
        self.exclusive, self.on_connection = exclusive, on_connection


def test_memory_only_handlers_get_a_queue_of_their_own_and_an_unreadable_event_is_dropped():
    seen: list[str] = []

    def remember(event: UserRegistered, *, names: list[str]) -> None:
        names.append(event.username)

    bus = _RecordingBus()
    subscribe_in_memory(bus, HandlerRegistry({UserRegistered: remember}), queue="x.replica",
                        names=seen)
    assert (bus.queue, bus.exclusive, bus.patterns) == ("x.replica", True, ["user.registered"])
    bus.handler(registered(1))
    unreadable = registered(2).model_copy(update={"data": {"user_id": "not a number"}})
    bus.handler(unreadable)  # logged, not raised: nothing to retry in memory
    assert seen == ["u1"]


def test_memory_only_handlers_may_not_ask_for_a_unit_of_work():
    def needs_a_transaction(event: UserRegistered, *, uow: InMemoryUnitOfWork) -> None:
        pass

    with pytest.raises(TypeError, match="needs_a_transaction"):
        subscribe_in_memory(_RecordingBus(), HandlerRegistry({UserRegistered:
                                                              needs_a_transaction}),
                            queue="x.replica")


def shipment(n: int, status: str) -> Envelope:
    return Envelope.wrap(ShipmentUpdated(shipment_id=n, order_id=n, status=status),
                         producer="shipping")


def test_a_handler_taking_some_statuses_binds_exactly_their_routing_keys():
    noop = lambda event: None
    registry = HandlerRegistry({ShipmentUpdated: Only(noop, "READY", "DELIVERED"),
                                UserRegistered: noop})
    assert registry.routing_keys() == ["shipment.updated.DELIVERED", "shipment.updated.READY",
                                       "user.registered"]


def test_a_plain_handler_of_an_event_routed_by_status_binds_every_status():
    registry = HandlerRegistry({OrderStatusChanged: lambda event: None})
    assert registry.routing_keys() == ["order.status_changed.#"]
    assert topic_matches("order.status_changed.#", "order.status_changed.SHIPPED")
    assert topic_matches("order.status_changed.#", "order.status_changed")  # older producers


def test_only_is_checked_against_the_contract_at_startup():
    noop = lambda event: None
    with pytest.raises(ValueError, match="REDY"):  # not a ShipmentUpdated status
        HandlerRegistry({ShipmentUpdated: Only(noop, "READY", "REDY")})
    with pytest.raises(ValueError, match="SHIPPED.X"):  # one topic word, no dots
        HandlerRegistry({OrderStatusChanged: Only(noop, "SHIPPED.X")})
    with pytest.raises(TypeError, match="no routing attribute"):
        HandlerRegistry({UserRegistered: Only(noop, "admin")})
    with pytest.raises(TypeError, match="no value"):
        Only(noop)


def test_a_status_the_handler_does_not_take_is_acked_without_a_transaction():
    """Bound to READY alone, the queue still gets another status when a message is replayed to
    it by hand, or published under the bare key by a producer from before per-status keys."""
    applied: list[str] = []

    def record(event: ShipmentUpdated, *, uow: InMemoryUnitOfWork) -> None:
        applied.append(event.status)

    registry = HandlerRegistry({ShipmentUpdated: Only(record, "READY")})
    opened: list[InMemoryUnitOfWork] = []

    def uow() -> InMemoryUnitOfWork:
        opened.append(InMemoryUnitOfWork(producer="tests"))
        return opened[-1]

    consumer = BatchedConsumer(consumer="tests", dispatcher=registry.bind(), uow=uow,
                               inbox=inbox_table(new_metadata()), batch_size=10)
    consumer.handle_batch([shipment(1, "PREPARING"), shipment(2, "SHIPPED")])
    assert (applied, opened) == ([], [])
    dispatcher = registry.bind()
    assert dispatcher.acts_on(shipment(3, "READY"))
    assert not dispatcher.acts_on(shipment(4, "PREPARING"))
    dispatcher.dispatch(shipment(4, "PREPARING"), InMemoryUnitOfWork(producer="tests"))
    assert applied == []  # dispatching it directly applies the same check
    dispatcher.dispatch(shipment(3, "READY"), InMemoryUnitOfWork(producer="tests"))
    assert applied == ["READY"]
