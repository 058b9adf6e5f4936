"""Database tables, repositories, password hashing and token signing."""
