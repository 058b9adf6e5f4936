"""update_each: many rows, each to values of its own, in one statement (here on SQLite; the
services' integration tests run it on MySQL)."""
from datetime import datetime

import pytest
from bookstore_shared.row_writes import update_each
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, create_engine, select

META = MetaData()
ITEM = Table("item", META, Column("id", Integer, primary_key=True), Column("status", String(20)),
             Column("seen_at", DateTime))


@pytest.fixture
def engine():
    engine = create_engine("sqlite://")
    META.create_all(engine)
    with engine.begin() as conn:
        conn.execute(ITEM.insert(), [{"id": n, "status": "NEW", "seen_at": None}
                                     for n in range(1, 10)])
    return engine


@pytest.fixture
def conn(engine):
    with engine.begin() as conn:
        yield conn


def _rows(conn) -> list[tuple]:
    return [tuple(r) for r in conn.execute(select(ITEM).order_by(ITEM.c.id))]


def test_each_row_gets_its_own_values_and_the_others_stay_as_they_were(conn):
    at = datetime(2026, 1, 2, 3, 4, 5)
    rows = [{"id": 3, "status": "DONE", "seen_at": at}, {"id": 1, "status": "GONE",
                                                         "seen_at": None}]
    result = update_each(conn, ITEM, "id", ("status", "seen_at"), rows)
    assert result.rowcount == 2
    assert _rows(conn)[:4] == [(1, "GONE", None), (2, "NEW", None), (3, "DONE", at),
                               (4, "NEW", None)]


def test_one_row_is_a_plain_update(conn):
    result = update_each(conn, ITEM, "id", ("status",), [{"id": 2, "status": "DONE"}])
    assert "CASE" not in result.context.statement
    assert _rows(conn)[1] == (2, "DONE", None)


def test_a_row_no_longer_as_it_was_is_left_alone_and_not_counted(conn):
    rows = [{"id": 1, "status": "DONE", "was_status": "NEW"},
            {"id": 2, "status": "DONE", "was_status": "PAID"},  # it is NEW: somebody moved it
            {"id": 3, "status": "GONE", "was_status": "NEW"}]
    result = update_each(conn, ITEM, "id", ("status",), rows, unchanged=("status",))
    assert result.rowcount == 2
    assert [r[1] for r in _rows(conn)][:4] == ["DONE", "NEW", "GONE", "NEW"]


@pytest.mark.parametrize("size", [3, 5, 7, 8])
def test_a_batch_of_any_size_writes_each_of_its_rows_once(conn, size):
    rows = [{"id": n, "status": f"S{n}"} for n in range(1, size + 1)]
    result = update_each(conn, ITEM, "id", ("status",), rows)
    assert result.rowcount == size
    assert [r[1] for r in _rows(conn)] == [f"S{n}" if n <= size else "NEW" for n in range(1, 10)]


def test_batches_of_five_to_eight_rows_share_one_compiled_statement(engine):
    statements = []
    for size in (5, 6, 7, 8, 6):
        with engine.begin() as conn:
            rows = [{"id": n, "status": "DONE"} for n in range(1, size + 1)]
            statements.append(update_each(conn, ITEM, "id", ("status",), rows).context)
    assert len({context.compiled.statement for context in statements}) == 1
    assert [context.cache_hit.name for context in statements] == \
        ["CACHE_MISS"] + ["CACHE_HIT"] * 4
