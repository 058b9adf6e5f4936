"""Settings of web-service: where the gateway is and how long to wait for it."""
from __future__ import annotations

from bookstore_shared.settings import BaseServiceSettings
from pydantic import AliasChoices, Field


class Settings(BaseServiceSettings):
    """The web service reads nothing but the public API, through the gateway."""

    service_name: str = "web"
    # Read by `service_url("gateway")`; unset: BOOKSTORE_HOST on the base port.
    gateway_url: str | None = Field(None, validation_alias=AliasChoices("BOOKSTORE_GATEWAY_URL"))
    api_timeout_s: float = Field(15.0, gt=0,
                                 validation_alias=AliasChoices("BOOKSTORE_WEB_API_TIMEOUT_S"))
    page_size: int = Field(12, ge=1, le=200, validation_alias=AliasChoices("BOOKSTORE_WEB_PAGE_SIZE"))
