"""The typed handler registry and the in-memory unit of work (no I/O)."""
from __future__ import annotations

import pytest
from bookstore_shared.db import new_metadata
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import (
    BookCreated,
    BookUpdated,
    NotificationBroadcast,
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


def test_an_event_a_handler_only_sometimes_acts_on_is_acked_without_a_transaction():
    greeted: list[str] = []

    def greet_admins(event: UserRegistered, *, uow: InMemoryUnitOfWork) -> None:
        greeted.append(event.username)

    registry = HandlerRegistry({UserRegistered: Only(
        greet_admins, when=lambda data: data["username"].startswith("admin"))})
    opened: list[InMemoryUnitOfWork] = []

    def uow() -> InMemoryUnitOfWork:
        opened.append(InMemoryUnitOfWork(producer="tests"))
        return opened[-1]

    consumer = BatchedConsumer(consumer="tests", dispatcher=registry.bind(), uow=uow,
                               inbox=inbox_table(new_metadata()), batch_size=10)
    consumer.handle_batch([registered(1), registered(2)])  # "u1", "u2": no admin among them
    assert (greeted, opened) == ([], [])
    admin = Envelope.wrap(UserRegistered(user_id=3, username="admin3", email="a@x.io"),
                          producer="auth")
    assert registry.bind().acts_on(admin) and not registry.bind().acts_on(registered(4))
    registry.bind().dispatch(registered(4), InMemoryUnitOfWork(producer="tests"))
    assert greeted == []  # dispatching it directly applies the same filter
