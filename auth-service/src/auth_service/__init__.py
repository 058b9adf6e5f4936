"""Bookstore auth service: users, admins, passwords, RS256 tokens, JWKS, sessions and revocation."""
from bookstore_shared.services import Service

# Registered in pyproject.toml (entry point group "bookstore.services"); see bookstore_shared.services.
SERVICE = Service(name="auth", port_offset=1)
