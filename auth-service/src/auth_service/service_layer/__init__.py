"""Use cases of the auth service, one keyword-only function per command."""
