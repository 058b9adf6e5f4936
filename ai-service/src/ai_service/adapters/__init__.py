"""Database tables, repositories and clients of the AI service."""
