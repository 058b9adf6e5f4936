"""update_each: many rows, each to values of its own, in one statement (here on SQLite; the
services' integration tests run it on MySQL)."""
from datetime import datetime

import pytest
from bookstore_shared.row_writes import each_params, update_each
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, create_engine, select

META = MetaData()
ITEM = Table("item", META, Column("id", Integer, primary_key=True), Column("status", String(20)),
             Column("seen_at", DateTime))


@pytest.fixture
def conn():
    engine = create_engine("sqlite://")
    META.create_all(engine)
    with engine.begin() as conn:
        conn.execute(ITEM.insert(), [{"id": n, "status": "NEW", "seen_at": None}
                                     for n in (1, 2, 3, 4)])
        yield conn


def _rows(conn) -> list[tuple]:
    return [tuple(r) for r in conn.execute(select(ITEM).order_by(ITEM.c.id))]


def test_each_row_gets_its_own_values_and_the_others_stay_as_they_were(conn):
    at = datetime(2026, 1, 2, 3, 4, 5)
    rows = [{"id": 3, "status": "DONE", "seen_at": at}, {"id": 1, "status": "GONE",
                                                         "seen_at": None}]
    result = conn.execute(update_each(ITEM, "id", ("status", "seen_at"), 2),
                          each_params("id", rows))
    assert result.rowcount == 2
    assert _rows(conn) == [(1, "GONE", None), (2, "NEW", None), (3, "DONE", at),
                           (4, "NEW", None)]


def test_one_row_is_a_plain_update(conn):
    statement = update_each(ITEM, "id", ("status",), 1)
    assert "CASE" not in str(statement)
    conn.execute(statement, each_params("id", [{"id": 2, "status": "DONE"}]))
    assert _rows(conn)[1] == (2, "DONE", None)


def test_a_row_no_longer_as_it_was_is_left_alone_and_not_counted(conn):
    rows = [{"id": 1, "status": "DONE", "was_status": "NEW"},
            {"id": 2, "status": "DONE", "was_status": "PAID"}]  # it is NEW: somebody moved it
    result = conn.execute(update_each(ITEM, "id", ("status",), 2, unchanged=("status",)),
                          each_params("id", rows))
    assert result.rowcount == 1
    assert [r[1] for r in _rows(conn)] == ["DONE", "NEW", "NEW", "NEW"]


def test_the_statement_for_a_shape_is_built_once():
    assert update_each(ITEM, "id", ("status",), 3) is update_each(ITEM, "id", ("status",), 3)
