"""Replicas of a service starting together take turns with the migrations (GET_LOCK per schema).
The lock must be let go only after the migration's version row is committed: MySQL commits each
DDL statement by itself, but not the version row written after it, and a replica taking the lock
before that commit finds the old version and runs the migration again ("table already exists";
seen when the soak started two order replicas on a loaded machine)."""
from __future__ import annotations

from pathlib import Path

from bookstore_shared.db import upgrade_to_head
from sqlalchemy import create_engine, event, inspect, text

# a service with more than one migration (the race was between the first and the second)
MIGRATIONS = Path(__file__).resolve().parents[3] / "order-service/src/order_service/migrations"


def test_the_migration_lock_is_released_only_after_the_version_row_is_committed(
        fresh_database):
    engine = create_engine(fresh_database("order"))
    steps: list[str] = []
    event.listen(engine, "commit", lambda _conn: steps.append("COMMIT"))
    event.listen(engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_a: steps.append(statement.split("(")[0].strip()))
    upgrade_to_head(engine, MIGRATIONS)

    version_writes = [i for i, s in enumerate(steps) if "alembic_version" in s
                      and s.startswith(("UPDATE", "INSERT"))]
    release = steps.index("SELECT RELEASE_LOCK")
    assert version_writes and version_writes[-1] < release
    assert "COMMIT" in steps[version_writes[-1]:release], steps[version_writes[-1]:release + 1]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM alembic_version")).scalar() == 1
    assert "order_event" in inspect(engine).get_table_names()
    engine.dispose()
