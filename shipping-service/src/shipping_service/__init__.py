"""Bookstore shipping: shipments and their simulated progress to delivery."""
from bookstore_shared.services import Service

# Registered in pyproject.toml (entry point group "bookstore.services"); see bookstore_shared.services.
SERVICE = Service(name="shipping", port_offset=5)
