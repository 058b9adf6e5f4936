"""HTTP entry points of the auth service."""
