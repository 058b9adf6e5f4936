"""Gateway settings: the shared base plus upstream timeouts, CORS and the optional rate limit."""
from __future__ import annotations

from bookstore_shared.settings import BaseServiceSettings
from pydantic import AliasChoices, Field, field_validator


class Settings(BaseServiceSettings):
    """What the gateway reads from the environment."""

    service_name: str = "gateway"

    upstream_timeout_s: float = Field(
        30.0, gt=0, validation_alias=AliasChoices("BOOKSTORE_UPSTREAM_TIMEOUT_S"))
    connect_timeout_s: float = Field(
        2.0, gt=0, validation_alias=AliasChoices("BOOKSTORE_UPSTREAM_CONNECT_TIMEOUT_S"))
    upstream_pool_size: int = Field(
        1024, ge=1, validation_alias=AliasChoices("BOOKSTORE_UPSTREAM_POOL_SIZE"))
    cors_origins_csv: str = Field("", validation_alias=AliasChoices("BOOKSTORE_CORS_ORIGINS"))
    rate_limit_per_min: int | None = Field(
        None, ge=1, validation_alias=AliasChoices("BOOKSTORE_RATE_LIMIT_PER_MIN"))
    openapi_cache_s: float = Field(
        10.0, ge=0, validation_alias=AliasChoices("BOOKSTORE_OPENAPI_CACHE_S"))

    @field_validator("rate_limit_per_min", mode="before")
    @classmethod
    def _blank_is_off(cls, value):
        return None if value in ("", None) else value

    @property
    def cors_origins(self) -> list[str]:
        """Allowed browser origins (BOOKSTORE_CORS_ORIGINS, comma-separated; none by default)."""
        return [o.strip().rstrip("/") for o in self.cors_origins_csv.split(",") if o.strip()]
