"""The email handlers on the fake unit of work, dispatched through the real registry: which event
stages which email, for whom, and what is handed to the mail sender after the commit."""
from __future__ import annotations

import pytest
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import (
    OrderCancelled,
    OrderConfirmed,
    OrderLine,
    OrderStatusChanged,
    UserRegistered,
)
from bookstore_shared.kit import RetryLater
from bookstore_testing.kit import apply_events
from notification_service.domain.emails import BookRef, message_id_for
from notification_service.domain.model import SENDING, Contact
from notification_service.entrypoints.consumers import EMAIL_HANDLERS

ANN = Contact(201, "ann", "ann@example.com")


def handle(uow, mail_pending, *events) -> list[Envelope]:
    """Apply events through the registry as the consumer does; the envelopes they arrived in."""
    return apply_events(EMAIL_HANDLERS.bind(mail_pending=mail_pending), uow, *events)


def staged(uow) -> list[tuple[str, str, str]]:
    return [(e.kind, e.recipient, e.subject) for e in reversed(uow.emails.newest())]


def test_a_new_user_is_remembered_and_welcomed_and_the_email_handed_to_the_sender(
        make_uow, mail_pending):
    uow = make_uow()

    [env] = handle(uow, mail_pending,
                   UserRegistered(user_id=7, username="fay", email="fay@example.com"))

    assert uow.contacts.find(7) == Contact(7, "fay", "fay@example.com")
    assert staged(uow) == [("welcome", "fay@example.com", "Welcome to Bookstore")]
    [email] = uow.emails.newest()
    # claimed for this process's sender from the start: no other sender takes it meanwhile
    assert (email.status, email.attempts, email.message_id) == (
        SENDING, 1, message_id_for(env.id, "welcome"))
    assert uow.emails.claim_due(lease=mail_pending.lease, limit=10) == []
    assert uow.woken == [mail_pending.signal] and uow.commits == 1
    [(_staged_at, handed)] = uow.handed
    assert handed == email


def test_a_confirmed_order_stages_the_purchase_email_with_each_book_once(make_uow, mail_pending):
    uow = make_uow(ANN)

    handle(uow, mail_pending, OrderConfirmed(order_id=901, user_id=201, items=[
        OrderLine(book_id=5, quantity=1, title="Dune"),
        OrderLine(book_id=3, quantity=2, title="Emma"),
        OrderLine(book_id=5, quantity=1, title="Dune (again)")]))

    [email] = uow.emails.newest()
    assert (email.kind, email.recipient) == ("purchase", "ann@example.com")
    assert email.subject == "Your Bookstore order #901 is confirmed"
    assert email.books == (BookRef(5, "Dune"), BookRef(3, "Emma"))
    assert "Hello ann," in email.body


def test_an_order_of_a_user_not_known_yet_is_retried_later_and_stages_nothing(
        make_uow, mail_pending):
    uow = make_uow()

    with pytest.raises(RetryLater):
        handle(uow, mail_pending, OrderConfirmed(order_id=904, user_id=203, items=[
            OrderLine(book_id=1, quantity=1)]))

    assert uow.emails.newest() == [] and uow.woken == [] and uow.commits == 0


def test_shipped_delivered_and_cancelled_orders_are_mailed(make_uow, mail_pending):
    uow = make_uow(ANN)

    handle(uow, mail_pending, *[OrderStatusChanged(order_id=902, user_id=201, status=s)
                                for s in ("SHIPPED", "DELIVERED")],
           OrderCancelled(order_id=903, user_id=201, reason="insufficient_stock",
                          previous_status="PENDING", items=[OrderLine(book_id=1, quantity=1)]))

    assert [kind for kind, *_ in staged(uow)] == ["status_shipped", "status_delivered",
                                                   "status_cancelled"]
    cancelled = uow.emails.newest()[0]
    assert cancelled.subject == "Your Bookstore order #903: cancelled"
    assert "Reason: insufficient stock." in cancelled.body
    assert len(uow.woken) == 3


def test_a_status_nobody_is_mailed_about_needs_no_known_user(make_uow, mail_pending):
    """An order.status_changed of another status (none is published today) stages nothing."""
    uow = make_uow()
    handle(uow, mail_pending, OrderStatusChanged(order_id=905, user_id=999, status="RETURNED"))
    assert uow.emails.newest() == [] and uow.woken == []


def test_the_email_queue_is_bound_only_to_the_events_that_can_send_an_email():
    """Of the order statuses, only those somebody is emailed about reach the queue: PENDING
    (order.placed) is nobody's email and PROCESSING has the purchase email."""
    assert EMAIL_HANDLERS.routing_keys() == [
        "order.cancelled", "order.confirmed", "order.status_changed.DELIVERED",
        "order.status_changed.SHIPPED", "user.registered"]


def test_handlers_cannot_start_without_the_mail_senders_wake_up_signal():
    with pytest.raises(TypeError, match="mail_pending"):
        EMAIL_HANDLERS.bind()
