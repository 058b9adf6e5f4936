"""Writing many rows in one statement: for repositories that keep a batch's writes until its unit
of work commits (every statement costs its share of Python and database CPU whatever it carries).

`update_each` is the UPDATE that gives each row values of its own; a multi-row INSERT is the
session's `execute(insert(table), [row, ...])`, which the MySQL driver sends as one statement.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Table, Update, bindparam, case, update


@cache  # one statement per (table, columns, count): at most a batch's size of them, built once
def update_each(table: Table, key: str, columns: tuple[str, ...], count: int, *,
                unchanged: tuple[str, ...] = ()) -> Update:
    """UPDATE of `count` rows found by their `key`, each to values of its own:
    `SET col = CASE key WHEN :key_0 THEN :col_0 ... END ... WHERE key IN (...)`; one row is the
    plain `SET col = :col_0 WHERE key = :key_0`. Each column of `unchanged` must still hold the
    row's `was_<col>` (fewer matched rows than `count`: somebody changed one). `each_params`
    gives the parameters."""
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


def each_params(key: str, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The parameters of `update_each` for `rows`: each a mapping of the key, the columns and
    any `was_<col>` to their values."""
    params: dict[str, Any] = {"keys": [row[key] for row in rows]}
    for n, row in enumerate(rows):
        params.update((f"{name}_{n}", v) for name, v in row.items())
    return params
