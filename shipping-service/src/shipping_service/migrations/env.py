"""Alembic environment of shipping-service."""
from bookstore_shared.migrations_env import run
from shipping_service.adapters.orm import metadata

run(metadata)
