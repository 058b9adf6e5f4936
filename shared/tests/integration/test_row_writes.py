"""update_each on MySQL: a batch whose size is not a power of two (spare CASE arms) writes each of
its rows once, NOT NULL columns included, and a guarded row somebody changed is left alone."""
from __future__ import annotations

from datetime import datetime

import pytest
from bookstore_shared.db import make_engine
from bookstore_shared.row_writes import update_each
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, select

METADATA = MetaData()
ITEM = Table("item", METADATA, Column("id", Integer, primary_key=True),
             Column("status", String(20), nullable=False),
             Column("seen_at", DateTime, nullable=False))
BEFORE = datetime(2026, 1, 1)


@pytest.fixture
def engine(fresh_database):
    engine = make_engine(fresh_database("rows"))
    METADATA.create_all(engine)
    with engine.begin() as conn:
        conn.execute(ITEM.insert(), [{"id": n, "status": "NEW", "seen_at": BEFORE}
                                     for n in range(1, 9)])
    yield engine
    engine.dispose()


@pytest.mark.parametrize("size", [3, 5])
def test_each_row_of_a_batch_gets_its_values_once_and_a_changed_row_is_left_alone(engine, size):
    at = datetime(2026, 5, 6, 7, 8, 9)
    rows = [{"id": n, "status": f"S{n}", "seen_at": at, "was_status": "NEW"}
            for n in range(1, size + 1)]
    rows[1]["was_status"] = "PAID"  # it is NEW: somebody moved it since it was read
    with engine.begin() as conn:
        result = update_each(conn, ITEM, "id", ("status", "seen_at"), rows, unchanged=("status",))
        assert result.rowcount == size - 1
    with engine.connect() as conn:
        found = [tuple(r) for r in conn.execute(select(ITEM).order_by(ITEM.c.id))]
    expected = [(n, f"S{n}", at) if n <= size and n != 2 else (n, "NEW", BEFORE)
                for n in range(1, 9)]
    assert found == expected
