"""Order service settings."""
from __future__ import annotations

from bookstore_shared.settings import BaseServiceSettings
from pydantic import Field


class Settings(BaseServiceSettings):
    """BOOKSTORE_* settings plus the catalog lookup timeout."""

    service_name: str = "order"
    catalog_timeout_s: float = Field(3.0, gt=0)
