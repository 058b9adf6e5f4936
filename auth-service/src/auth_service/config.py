"""Auth service settings (BOOKSTORE_* names are a public interface)."""
from __future__ import annotations

from bookstore_shared.settings import BaseServiceSettings
from pydantic import Field, SecretStr


class Settings(BaseServiceSettings):
    """Settings of the auth service."""

    service_name: str = "auth"

    # A PEM RSA private key; when set it wins over the key generated and stored in the database.
    jwt_private_key: SecretStr | None = None
    access_token_ttl_s: int = Field(900, ge=1)
    refresh_token_ttl_s: int = Field(14 * 24 * 3600, ge=1)
    login_max_failures_per_account: int = Field(10, ge=1)
    login_account_window_s: int = Field(900, ge=1)
    login_max_failures_per_ip: int = Field(100, ge=1)
    login_ip_window_s: int = Field(60, ge=1)
    # Mark the login cookie Secure (set it when clients reach the gateway over HTTPS).
    cookie_secure: bool = False
    auth_max_body_bytes: int = Field(16_384, ge=1024)
    # When set, the first POST /create_admin must send it as X-Bootstrap-Token (deployments set
    # it, so the first admin is not whoever calls first); unset: open, as in development.
    bootstrap_admin_token: SecretStr | None = Field(None, min_length=16)
