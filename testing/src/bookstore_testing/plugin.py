"""Pytest plugin (the root conftest loads it): real MySQL and RabbitMQ for every test run, each run
under its own instance.

Where they come from: BOOKSTORE_MYSQL_URL / BOOKSTORE_RABBITMQ_URL, else 127.0.0.1:3306 / :5672,
else testcontainers when a Docker engine is available, else the run stops with instructions.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from .infrastructure import (
    HOW_TO_PROVIDE,
    Infrastructure,
    drop_instance,
    from_containers,
    port_open,
)


def _import_service_packages() -> None:
    """Import the installed service packages before any test module or conftest.

    With --import-mode=importlib, a test under a folder named like its package (`gateway/tests/...`)
    would otherwise make pytest import that folder as a namespace package `gateway`, hiding the
    installed one. Runs when this plugin loads, before the conftests below the root are imported.
    """
    import importlib

    from bookstore_shared.services import registered

    for service in registered():
        importlib.import_module(service.package)


_import_service_packages()


@pytest.fixture(scope="session")
def infra() -> Iterator[Infrastructure]:
    """URLs of the real MySQL and RabbitMQ this run uses."""
    from contextlib import ExitStack

    mysql = os.environ.get("BOOKSTORE_MYSQL_URL")
    rabbit = os.environ.get("BOOKSTORE_RABBITMQ_URL")
    with ExitStack() as stack:
        if not mysql and port_open(3306):
            mysql = "mysql+pymysql://root:@127.0.0.1:3306"
        if not rabbit and port_open(5672):
            rabbit = "amqp://guest:guest@127.0.0.1:5672/"
        if not (mysql and rabbit):
            found = from_containers(stack)
            if found is None:
                pytest.exit(HOW_TO_PROVIDE, returncode=2)
            mysql, rabbit = mysql or found.mysql_url, rabbit or found.rabbitmq_url
        yield Infrastructure(mysql, rabbit)


@pytest.fixture(scope="session")
def new_instance(infra: Infrastructure) -> Iterator:
    """Make fresh BOOKSTORE_INSTANCE names; their databases and queues are removed at the end."""
    made: list[str] = []

    def make() -> str:
        made.append("t" + uuid.uuid4().hex[:10])
        return made[-1]

    yield make
    with ThreadPoolExecutor(4) as pool:  # hundreds of instances: MySQL drops them in parallel
        list(pool.map(lambda name: drop_instance(infra, name), made))


@pytest.fixture(scope="session")
def instance(new_instance) -> str:
    """This run's own BOOKSTORE_INSTANCE, shared by the tests of the session."""
    return new_instance()
