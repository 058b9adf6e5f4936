"""Bookstore web: the storefront and the operations console, over the public API."""
from bookstore_shared.services import Service

# Registered in pyproject.toml (entry point group "bookstore.services"); see bookstore_shared.services.
SERVICE = Service(name="web", port_offset=8)
