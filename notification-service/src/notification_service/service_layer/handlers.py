"""Email handlers: one per incoming event. Each stages rows in the unit of work it is given, which
hands them to the mail sender once that commits; nothing is sent inside the transaction (the
sender does that, with retries, after the commit)."""
from __future__ import annotations

from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import (
    OrderCancelled,
    OrderConfirmed,
    OrderStatusChanged,
    UserRegistered,
)
from bookstore_shared.kit import RetryLater

from ..domain import emails
from ..domain.model import Contact
from .mail_sender import MailHandOff
from .unit_of_work import NotificationUnitOfWork


class RecipientUnknown(RetryLater):
    """The user's user.registered has not been seen yet; the bus retries the event later."""


def _stage(uow: NotificationUnitOfWork, envelope: Envelope, contact: Contact,
           content: emails.EmailContent, mail_pending: MailHandOff) -> None:
    # The event id names the email (one per event and kind; the Message-ID derives from it),
    # so a redelivered event can never stage a second copy.
    mail_pending.stage(uow, event_id=envelope.id, user_id=contact.user_id,
                       recipient=contact.email, content=content)


def _contact(uow: NotificationUnitOfWork, user_id: int) -> Contact:
    contact = uow.contacts.find(user_id)
    if contact is None:
        raise RecipientUnknown(f"no contact details for user {user_id} yet")
    return contact


def welcome_new_user(event: UserRegistered, *, uow: NotificationUnitOfWork,
                     envelope: Envelope, mail_pending: MailHandOff) -> None:
    """Remember the user's address (orders only carry the user_id) and send the welcome email."""
    contact = Contact(event.user_id, event.username, event.email)
    uow.contacts.save(contact)
    _stage(uow, envelope, contact, emails.welcome(username=event.username), mail_pending)


def mail_purchase(event: OrderConfirmed, *, uow: NotificationUnitOfWork, envelope: Envelope,
                  mail_pending: MailHandOff) -> None:
    """The purchase email; each book's PDF is attached (once per book) when it is sent."""
    contact = _contact(uow, event.user_id)
    books: dict[int, emails.BookRef] = {}
    for line in event.items:  # a book on two lines is attached once, under its first title
        books.setdefault(line.book_id, emails.BookRef(line.book_id, line.title))
    _stage(uow, envelope, contact, emails.purchase(username=contact.username,
                                                   order_id=event.order_id,
                                                   books=list(books.values())),
           mail_pending)


def mail_status_change(event: OrderStatusChanged, *, uow: NotificationUnitOfWork,
                       envelope: Envelope, mail_pending: MailHandOff) -> None:
    """A short email when an order ships or is delivered (the registry lets only those
    through)."""
    contact = _contact(uow, event.user_id)
    content = emails.status_change(username=contact.username, order_id=event.order_id,
                                   status=event.status, reason=event.reason)
    _stage(uow, envelope, contact, content, mail_pending)


def mail_cancellation(event: OrderCancelled, *, uow: NotificationUnitOfWork, envelope: Envelope,
                      mail_pending: MailHandOff) -> None:
    """A short email when an order is cancelled, with the reason."""
    contact = _contact(uow, event.user_id)
    content = emails.status_change(username=contact.username, order_id=event.order_id,
                                   status="CANCELLED", reason=event.reason)
    _stage(uow, envelope, contact, content, mail_pending)
