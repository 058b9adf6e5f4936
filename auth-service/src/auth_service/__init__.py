"""Bookstore auth service: users, admins, passwords, RS256 tokens, JWKS, sessions and revocation."""
