"""Fixtures of the shared library's integration tests."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from bookstore_shared.db import ensure_database
from sqlalchemy.engine import make_url


@pytest.fixture
def fresh_database(infra, new_instance) -> Callable[[str], str]:
    """`fresh_database(name)`: the URL of a new, empty MySQL database of a new instance
    (`<instance>_<name>`, dropped with the run's instances)."""
    def make(name: str) -> str:
        url = make_url(infra.mysql_url).set(database=f"{new_instance()}_{name}")
        rendered = url.render_as_string(hide_password=False)
        ensure_database(rendered)
        return rendered

    return make
