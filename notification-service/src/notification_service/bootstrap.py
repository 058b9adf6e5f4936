"""Composition root of notification-service: the one place that wires it (tests override
arguments: bus, keys, transport, catalog)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bookstore_shared.background import CommitSignal
from bookstore_shared.bus import Bus
from bookstore_shared.internal import internal_headers
from bookstore_shared.kit import Dispatcher, consume
from bookstore_shared.kit.container import Container
from bookstore_shared.revocations import RevocationFeed, snapshot_fetcher
from bookstore_shared.runtime import ServiceRuntime
from bookstore_shared.security import JwksKeys, KeySource, TokenVerifier

from .adapters.catalog import CatalogClient
from .adapters.mail import FileTransport, MailTransport, SmtpTransport
from .adapters.orm import INBOX, OUTBOX
from .config import Settings
from .entrypoints.consumers import EMAIL_HANDLERS, subscribe_live_updates
from .service_layer.hub import Hub
from .service_layer.mail_sender import MAIL_PENDING, MailHandOff, MailSender, backoff_schedule
from .service_layer.unit_of_work import PRODUCER, NotificationUnitOfWork


@dataclass(kw_only=True)
class NotificationContainer(Container):
    """The kit's container plus what the sockets and the mail sender need."""

    settings: Settings
    verifier: TokenVerifier
    hub: Hub
    live_updates: Dispatcher
    transport: MailTransport
    mail_sender: MailSender
    revocations: RevocationFeed


def mail_transport(settings: Settings) -> MailTransport:
    """SMTP when BOOKSTORE_SMTP_HOST is set, else `.eml` files under <data dir>/mail."""
    if not settings.smtp_host:
        return FileTransport(Path(settings.data_dir) / "mail")
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return SmtpTransport(host=settings.smtp_host, port=settings.smtp_port,
                         security=settings.smtp_security, user=settings.smtp_user,
                         password=password, timeout_s=settings.smtp_timeout_s)


def bootstrap(settings: Settings, *, bus: Bus | None = None, keys: KeySource | None = None,
              transport: MailTransport | None = None,
              catalog: CatalogClient | None = None) -> NotificationContainer:
    """Wire database, bus, relay, consumers, sockets and the mail sender (nothing connects
    until the lifespan starts the runtime)."""
    runtime = ServiceRuntime(settings, outbox_table=OUTBOX, inbox_table=INBOX,
                             migrations_dir=Path(__file__).parent / "migrations", bus=bus)

    def uow() -> NotificationUnitOfWork:
        return NotificationUnitOfWork(runtime.sessions, runtime.outbox, producer=PRODUCER)

    verifier = TokenVerifier(keys or JwksKeys(settings.jwks_url))
    hub = Hub()
    # The fan-out queue also carries auth.session_revoked; each time it starts consuming, auth's
    # snapshot fills in what was revoked while it did not exist, and the sockets open across
    # that gap are closed so that their clients re-fetch what they missed.
    revocations = RevocationFeed(verifier.revoked, snapshot_fetcher(settings, "auth"))

    def fan_out_connected(consuming: bool) -> None:
        revocations.queue_connected(consuming)
        hub.fan_out_connected(consuming)

    live_updates = subscribe_live_updates(runtime.bus, hub=hub, verifier=verifier,
                                          on_connection=fan_out_connected)

    mail_pending = CommitSignal(MAIL_PENDING)  # wakes the sender after a commit staging mail
    mail_pending.watch(runtime.sessions)
    transport = transport or mail_transport(settings)
    sender = MailSender(
        uow=uow, signal=mail_pending, transport=transport,
        catalog=catalog or CatalogClient(settings.service_url("catalog"),
                                         headers=internal_headers(settings)),
        sender=settings.mail_from, max_attempts=settings.mail_max_attempts,
        backoff=backoff_schedule(base_s=settings.mail_retry_base_s,
                                 max_s=settings.mail_retry_max_s),
        lease=timedelta(seconds=settings.mail_lease_s))
    email_consumer = consume(runtime, EMAIL_HANDLERS, uow=uow, inbox=INBOX,
                             mail_pending=MailHandOff(mail_pending, lease=sender.lease))
    return NotificationContainer(
        settings=settings, runtime=runtime, uow=uow, dispatcher=email_consumer.dispatcher,
        verifier=verifier, hub=hub, live_updates=live_updates, transport=transport,
        mail_sender=sender, revocations=revocations)
