"""Order service settings."""
from __future__ import annotations

from bookstore_shared.settings import BaseServiceSettings
from pydantic import AliasChoices, Field


class Settings(BaseServiceSettings):
    """BOOKSTORE_* settings plus the catalog lookup timeout."""

    service_name: str = "order"
    catalog_timeout_s: float = Field(3.0, validation_alias=AliasChoices(
        "BOOKSTORE_CATALOG_TIMEOUT_S"), gt=0)
