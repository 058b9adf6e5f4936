"""Settings of web-service: how long to wait for the gateway and how many books a page shows."""
from __future__ import annotations

from bookstore_shared.settings import BaseServiceSettings
from pydantic import Field


class Settings(BaseServiceSettings):
    """The web service reads nothing but the public API, through the gateway (found like any
    service: BOOKSTORE_GATEWAY_URL, else BOOKSTORE_HOST on the base port)."""

    service_name: str = "web"
    web_api_timeout_s: float = Field(15.0, gt=0)
    web_page_size: int = Field(12, ge=1, le=200)
