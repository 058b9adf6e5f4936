"""Email-side event handlers: each runs inside the inbox transaction and only stages rows."""
from __future__ import annotations

from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import OrderConfirmed, OrderStatusChanged, UserRegistered
from sqlalchemy.orm import Session

from ..adapters import repository
from ..domain import emails

MAIL_PENDING = "notification_mail_pending"


class RecipientUnknown(Exception):
    """The user's user.registered has not been seen yet; the bus retries the event later."""


def _stage(session: Session, env: Envelope, contact: repository.Contact,
           content: emails.EmailContent) -> None:
    repository.add_email(session, event_id=env.id, user_id=contact.user_id,
                         recipient=contact.email, content=content)
    session.info[MAIL_PENDING] = True  # wakes the mail sender right after commit


def _contact(session: Session, user_id: int) -> repository.Contact:
    contact = repository.find_contact(session, user_id)
    if contact is None:
        raise RecipientUnknown(f"no contact details for user {user_id} yet")
    return contact


def user_registered(session: Session, env: Envelope) -> None:
    """Remember the user's address and send the welcome email."""
    event: UserRegistered = env.payload()
    repository.save_contact(session, user_id=event.user_id, username=event.username,
                            email=event.email)
    contact = repository.Contact(event.user_id, event.username, event.email)
    _stage(session, env, contact, emails.welcome(username=event.username))


def order_confirmed(session: Session, env: Envelope) -> None:
    """The purchase email, with each book's PDF attached when it is sent."""
    event: OrderConfirmed = env.payload()
    contact = _contact(session, event.user_id)
    books, seen = [], set()
    for line in event.items:
        if line.book_id not in seen:
            seen.add(line.book_id)
            books.append(emails.BookRef(line.book_id, line.title))
    _stage(session, env, contact, emails.purchase(username=contact.username,
                                                  order_id=event.order_id, books=books))


def order_status_changed(session: Session, env: Envelope) -> None:
    """A short email when an order ships, is delivered or is cancelled."""
    event: OrderStatusChanged = env.payload()
    content = emails.status_change(username="", order_id=event.order_id, status=event.status,
                                   reason=event.reason)
    if content is None:
        return
    contact = _contact(session, event.user_id)
    content = emails.status_change(username=contact.username, order_id=event.order_id,
                                   status=event.status, reason=event.reason)
    _stage(session, env, contact, content)


EMAIL_HANDLERS = {
    "user.registered": user_registered,
    "order.confirmed": order_confirmed,
    "order.status_changed": order_status_changed,
}


def sends_an_email(env: Envelope) -> bool:
    """False for order statuses nobody is emailed about (PENDING, PROCESSING)."""
    return (env.type != "order.status_changed"
            or env.data.get("status") in emails.EMAILED_STATUSES)


def handle_email_event(session: Session, env: Envelope) -> None:
    """Route one event of the shared `notification` queue to its handler."""
    handler = EMAIL_HANDLERS.get(env.type)
    if handler is not None:
        handler(session, env)
