"""The body of every service's Alembic `env.py` (one way to run migrations)."""
from __future__ import annotations

from alembic import context
from sqlalchemy import MetaData


def run(target_metadata: MetaData) -> None:
    """Run migrations on the connection handed over by `db.upgrade_to_head` (or a URL offline)."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        context.configure(url=context.config.get_main_option("sqlalchemy.url"),
                          target_metadata=target_metadata, literal_binds=True,
                          render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()
