"""How events and HTTP requests reach the AI service."""
