"""Pure auth rules: no FastAPI, SQLAlchemy or pika here."""
