"""Notification service settings (BOOKSTORE_* names are a public interface)."""
from __future__ import annotations

from typing import Literal

from bookstore_shared.security import JWKS_PATH
from bookstore_shared.settings import BaseServiceSettings
from pydantic import AliasChoices, Field, SecretStr

_DEFAULT_SMTP_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class Settings(BaseServiceSettings):
    """Settings of the notification service."""

    service_name: str = "notification"

    # Unset host: messages are written as .eml files under <data dir>/mail (standalone mode).
    smtp_host: str | None = Field(None, validation_alias=_env("BOOKSTORE_SMTP_HOST"))
    smtp_port_setting: int | None = Field(None, validation_alias=_env("BOOKSTORE_SMTP_PORT"),
                                          ge=1, le=65535)
    smtp_user: str | None = Field(None, validation_alias=_env("BOOKSTORE_SMTP_USER"))
    smtp_password: SecretStr | None = Field(None, validation_alias=_env("BOOKSTORE_SMTP_PASSWORD"))
    smtp_security: Literal["none", "starttls", "ssl"] = Field(
        "none", validation_alias=_env("BOOKSTORE_SMTP_SECURITY"))
    smtp_timeout_s: float = Field(30.0, validation_alias=_env("BOOKSTORE_SMTP_TIMEOUT_S"), gt=0)
    mail_from: str = Field("Bookstore <no-reply@bookstore.local>",
                           validation_alias=_env("BOOKSTORE_MAIL_FROM"))
    mail_max_attempts: int = Field(8, validation_alias=_env("BOOKSTORE_MAIL_MAX_ATTEMPTS"), ge=1)
    mail_retry_base_s: float = Field(1.0, validation_alias=_env("BOOKSTORE_MAIL_RETRY_BASE_S"),
                                     gt=0)
    mail_retry_max_s: float = Field(300.0, validation_alias=_env("BOOKSTORE_MAIL_RETRY_MAX_S"),
                                    gt=0)
    # How long a sender owns the one email it is sending; a sender killed mid-send leaves its
    # email to be sent again by any replica once this has passed (cover SMTP + PDF fetch time).
    mail_lease_s: float = Field(120.0, validation_alias=_env("BOOKSTORE_MAIL_LEASE_S"), gt=0)
    # Messages a WebSocket may have waiting before the client is judged too slow and closed.
    ws_queue_size: int = Field(256, validation_alias=_env("BOOKSTORE_WS_QUEUE_SIZE"), ge=1)
    broadcast_max_chars: int = 1000

    @property
    def smtp_port(self) -> int:
        """The configured port, else the usual one for the security mode."""
        return self.smtp_port_setting or _DEFAULT_SMTP_PORTS[self.smtp_security]

    @property
    def jwks_url(self) -> str:
        """Where the auth service publishes its signing keys."""
        return self.service_url("auth") + JWKS_PATH
