"""Bookstore catalog: books, their PDFs, and the read path clients browse."""
from bookstore_shared.services import Service

# Registered in pyproject.toml (entry point group "bookstore.services"); see bookstore_shared.services.
SERVICE = Service(name="catalog", port_offset=2)
