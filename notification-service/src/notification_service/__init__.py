"""Bookstore notifications: WebSocket fan-out and email (the purchased PDF attached)."""
from bookstore_shared.services import Service

# Registered in pyproject.toml (entry point group "bookstore.services"); see bookstore_shared.services.
SERVICE = Service(name="notification", port_offset=6)
