"""Gateway settings: the shared base plus upstream timeouts, CORS, the optional rate limit and the
admin event feed's bounds."""
from __future__ import annotations

from bookstore_shared.settings import BaseServiceSettings
from pydantic import Field, field_validator


class Settings(BaseServiceSettings):
    """What the gateway reads from the environment."""

    service_name: str = "gateway"

    upstream_timeout_s: float = Field(30.0, gt=0)
    upstream_connect_timeout_s: float = Field(2.0, gt=0)
    upstream_pool_size: int = Field(1024, ge=1)
    cors_origins: str = ""
    rate_limit_per_min: int | None = Field(None, ge=1)
    openapi_cache_s: float = Field(10.0, ge=0)
    event_feed_max_clients: int = Field(20, ge=0)
    event_feed_buffer: int = Field(1000, ge=1)
    event_feed_heartbeat_s: float = Field(15.0, gt=0)
    # The catalog's PDF limit: the gateway refuses larger uploads before streaming them on.
    max_upload_mb: float = Field(16, gt=0, le=1024)

    @field_validator("cors_origins")
    @classmethod
    def _no_wildcard(cls, value: str) -> str:
        # Origins are allowed with credentials (the login cookie): "*" would let every site
        # make authenticated requests with a visitor's cookie.
        if any(o.strip() == "*" for o in value.split(",")):
            raise ValueError("BOOKSTORE_CORS_ORIGINS=* is not allowed (credentials are allowed "
                             "with CORS): list the origins")
        return value

    @field_validator("rate_limit_per_min", mode="before")
    @classmethod
    def _blank_is_off(cls, value):
        return None if value in ("", None) else value

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def allowed_origins(self) -> list[str]:
        """Allowed browser origins (BOOKSTORE_CORS_ORIGINS, comma-separated; none by default)."""
        return [o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip()]
