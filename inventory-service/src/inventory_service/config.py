"""Settings of inventory-service."""
from __future__ import annotations

from bookstore_shared.settings import BaseServiceSettings


class Settings(BaseServiceSettings):
    """inventory-service reads only the shared settings."""

    service_name: str = "inventory"
