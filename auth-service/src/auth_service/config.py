"""Auth service settings (BOOKSTORE_* names are a public interface)."""
from __future__ import annotations

from bookstore_shared.settings import BaseServiceSettings
from pydantic import AliasChoices, Field, SecretStr


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class Settings(BaseServiceSettings):
    """Settings of the auth service."""

    service_name: str = "auth"

    # A PEM RSA private key; when set it wins over the key generated and stored in the database.
    jwt_private_key: SecretStr | None = Field(None, validation_alias=_env("BOOKSTORE_JWT_PRIVATE_KEY"))
    access_token_ttl_s: int = Field(900, validation_alias=_env("BOOKSTORE_ACCESS_TOKEN_TTL_S"),
                                    ge=1)
    refresh_token_ttl_s: int = Field(14 * 24 * 3600,
                                     validation_alias=_env("BOOKSTORE_REFRESH_TOKEN_TTL_S"), ge=1)
    login_max_failures_per_account: int = Field(
        10, validation_alias=_env("BOOKSTORE_LOGIN_MAX_FAILURES_PER_ACCOUNT"), ge=1)
    login_account_window_s: int = Field(
        900, validation_alias=_env("BOOKSTORE_LOGIN_ACCOUNT_WINDOW_S"), ge=1)
    login_max_failures_per_ip: int = Field(
        100, validation_alias=_env("BOOKSTORE_LOGIN_MAX_FAILURES_PER_IP"), ge=1)
    login_ip_window_s: int = Field(60, validation_alias=_env("BOOKSTORE_LOGIN_IP_WINDOW_S"), ge=1)
    # Mark the login cookie Secure (set it when clients reach the gateway over HTTPS).
    cookie_secure: bool = Field(False, validation_alias=_env("BOOKSTORE_COOKIE_SECURE"))
    max_body_bytes: int = Field(16_384, validation_alias=_env("BOOKSTORE_AUTH_MAX_BODY_BYTES"),
                                ge=1024)
    # When set, the first POST /create_admin must send it as X-Bootstrap-Token (deployments set
    # it, so the first admin is not whoever calls first); unset: open, as in development.
    bootstrap_admin_token: SecretStr | None = Field(
        None, validation_alias=_env("BOOKSTORE_BOOTSTRAP_ADMIN_TOKEN"), min_length=16)
