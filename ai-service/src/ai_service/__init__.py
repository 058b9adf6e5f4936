"""Bookstore ai: summaries and descriptions of uploaded PDFs (OpenAI, offline fallback)."""
from bookstore_shared.services import Service

# Registered in pyproject.toml (entry point group "bookstore.services"); see bookstore_shared.services.
SERVICE = Service(name="ai", port_offset=7)
