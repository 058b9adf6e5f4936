"""Bookstore orders: placing, cancelling, and the saga that carries an order to delivery."""
from bookstore_shared.services import Service

# Registered in pyproject.toml (entry point group "bookstore.services"); see bookstore_shared.services.
SERVICE = Service(name="order", port_offset=3)
