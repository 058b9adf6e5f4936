"""Bookstore inventory: the only writer of stock, reserving and releasing for orders."""
from bookstore_shared.services import Service

# Registered in pyproject.toml (entry point group "bookstore.services"); see bookstore_shared.services.
SERVICE = Service(name="inventory", port_offset=4)
