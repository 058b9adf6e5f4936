"""Alembic environment of inventory-service."""
from bookstore_shared.migrations_env import run
from inventory_service.adapters.orm import metadata

run(metadata)
