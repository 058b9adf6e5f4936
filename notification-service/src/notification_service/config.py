"""Notification service settings (BOOKSTORE_* names are a public interface)."""
from __future__ import annotations

from typing import ClassVar, Literal

from bookstore_shared.security import JWKS_PATH
from bookstore_shared.settings import BaseServiceSettings, background_linger
from pydantic import Field, SecretStr, model_validator

_DEFAULT_SMTP_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


class Settings(BaseServiceSettings):
    """Settings of the notification service."""

    service_name: str = "notification"
    # off an order's way to PROCESSING: emails leave ~0.1 s later (live updates never wait: their
    # queue is in memory, one delivery at a time)
    batch_linger_ms: int = background_linger()

    # Unset host: messages are written as .eml files under <data dir>/mail (standalone mode).
    smtp_host: str | None = None
    smtp_port: int | None = Field(None, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["none", "starttls", "ssl"] = "none"
    smtp_timeout_s: float = Field(30.0, gt=0)
    mail_from: str = "Bookstore <no-reply@bookstore.local>"
    mail_max_attempts: int = Field(8, ge=1)
    mail_retry_base_s: float = Field(1.0, gt=0)
    mail_retry_max_s: float = Field(300.0, gt=0)
    # How long a sender owns the one email it is sending; a sender killed mid-send leaves its
    # email to be sent again by any replica once this has passed (cover SMTP + PDF fetch time).
    mail_lease_s: float = Field(120.0, gt=0)
    # Messages a WebSocket may have waiting before the client is judged too slow and closed.
    ws_queue_size: int = Field(256, ge=1)
    # The contract's limit on a broadcast message (not a setting).
    broadcast_max_chars: ClassVar[int] = 1000

    @model_validator(mode="after")
    def _usual_smtp_port(self) -> Settings:
        """No port configured: the usual one for the security mode."""
        if self.smtp_port is None:
            self.smtp_port = _DEFAULT_SMTP_PORTS[self.smtp_security]
        return self

    @property
    def jwks_url(self) -> str:
        """Where the auth service publishes its signing keys."""
        return self.service_url("auth") + JWKS_PATH
