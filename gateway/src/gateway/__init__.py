"""Bookstore gateway: the one HTTP endpoint clients use, routing to the services."""
from bookstore_shared.services import Service

# Registered in pyproject.toml (entry point group "bookstore.services"); see bookstore_shared.services.
SERVICE = Service(name="gateway", port_offset=0, starts_last=True)
