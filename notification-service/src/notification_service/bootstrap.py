"""Composition root: runtime, token verifier, WebSocket hub, mail transport and sender."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bookstore_shared.bus import Bus
from bookstore_shared.internal import internal_headers
from bookstore_shared.revocations import RevocationFeed, snapshot_fetcher
from bookstore_shared.runtime import ServiceRuntime
from bookstore_shared.security import JwksKeys, KeySource, TokenVerifier

from .adapters.catalog import CatalogClient
from .adapters.mail import FileTransport, MailTransport, SmtpTransport
from .adapters.orm import INBOX, OUTBOX
from .config import Settings
from .entrypoints.consumers import register_consumers
from .service_layer.hub import Hub
from .service_layer.mail_sender import MailSender, backoff_schedule


@dataclass
class Container:
    settings: Settings
    runtime: ServiceRuntime
    verifier: TokenVerifier
    hub: Hub
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
              catalog: CatalogClient | None = None) -> Container:
    """Wire the service; tests may pass their own bus, keys, transport or catalog client."""
    runtime = ServiceRuntime(settings, outbox_table=OUTBOX, inbox_table=INBOX,
                             migrations_dir=Path(__file__).parent / "migrations", bus=bus)
    verifier = TokenVerifier(keys or JwksKeys(settings.jwks_url))
    hub = Hub()
    transport = transport or mail_transport(settings)
    sender = MailSender(
        sessions=runtime.sessions, transport=transport,
        catalog=catalog or CatalogClient(settings.service_url("catalog"),
                                         headers=internal_headers(settings)),
        sender=settings.mail_from, max_attempts=settings.mail_max_attempts,
        backoff=backoff_schedule(base_s=settings.mail_retry_base_s,
                                 max_s=settings.mail_retry_max_s),
        lease=timedelta(seconds=settings.mail_lease_s))

    # The fan-out queue also carries auth.session_revoked; each time it starts consuming, auth's
    # snapshot fills in what was revoked while it did not exist.
    revocations = RevocationFeed(verifier.revoked, snapshot_fetcher(settings))
    register_consumers(runtime, hub, verifier, on_connection=revocations.queue_connected)
    return Container(settings, runtime, verifier, hub, transport, sender, revocations)
