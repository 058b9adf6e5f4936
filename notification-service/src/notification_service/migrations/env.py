"""Alembic environment of the notification service."""
from bookstore_shared import migrations_env
from notification_service.adapters.orm import metadata

migrations_env.run(metadata)
