"""Writing many rows in one statement: for repositories that keep a batch's writes until its unit
of work commits (every statement costs its share of Python and database CPU whatever it carries).

`update_each` is the UPDATE that gives each row values of its own; a multi-row INSERT is the
session's `execute(insert(table), [row, ...])`, which the MySQL driver sends as one statement.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import CursorResult, Table, Update, bindparam, case, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session


def update_each(session: Session | Connection, table: Table, key: str,
                columns: tuple[str, ...], rows: Sequence[Mapping[str, Any]], *,
                unchanged: tuple[str, ...] = ()) -> CursorResult:
    """UPDATE the `rows` found by their `key`, each to values of its own, in one statement:
    `SET col = CASE key WHEN :key_0 THEN :col_0 ... END ... WHERE key IN (...)`; one row is the
    plain `SET col = :col_0 WHERE key = :key_0`. Each row maps the key, the `columns` and, for
    each column of `unchanged`, its `was_<col>`: the value the column must still hold (fewer
    matched rows than rows: somebody changed one).

    The statement is built and compiled once per shape: for 2 or more rows its CASE has a power
    of two of arms, the spare ones `WHEN NULL THEN NULL` (a NULL key matches no row), so batches
    of any size share at most seven statements up to 64 rows, instead of each new size compiling
    a statement of its own."""
    if not rows:
        raise ValueError("update_each needs at least one row")
    count = 1 if len(rows) == 1 else 1 << (len(rows) - 1).bit_length()
    params: dict[str, Any] = {"keys": [row[key] for row in rows]}
    for n, row in enumerate(rows):
        params.update((f"{name}_{n}", v) for name, v in row.items())
    for n in range(len(rows), count):
        params.update((f"{name}_{n}", None) for name in rows[0])
    return session.execute(_statement(table, key, columns, count, unchanged), params)


@cache  # one statement per (table, columns, arms)
def _statement(table: Table, key: str, columns: tuple[str, ...], count: int,
               unchanged: tuple[str, ...]) -> Update:
    key_col = table.c[key]

    def value(name: str, column: str, n: int):
        return bindparam(f"{name}_{n}", type_=table.c[column].type)

    def per_row(name: str, column: str):
        if count == 1:
            return value(name, column, 0)
        return case({value(key, key, n): value(name, column, n) for n in range(count)},
                    value=key_col)

    found = (key_col == value(key, key, 0) if count == 1
             else key_col.in_(bindparam("keys", expanding=True, type_=key_col.type)))
    conditions = [found, *(table.c[c] == per_row(f"was_{c}", c) for c in unchanged)]
    return update(table).where(*conditions).values({c: per_row(c, c) for c in columns})
