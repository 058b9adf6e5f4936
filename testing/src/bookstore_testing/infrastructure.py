"""Real MySQL and RabbitMQ for the tests, ports, waiting, and apps served on a real uvicorn."""
from __future__ import annotations

import functools
import os
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

import uvicorn

HOW_TO_PROVIDE = (
    "The test suite needs a real MySQL/MariaDB and RabbitMQ. Provide them by either\n"
    "  * setting BOOKSTORE_MYSQL_URL (e.g. mysql+pymysql://root:@127.0.0.1:3306) and\n"
    "    BOOKSTORE_RABBITMQ_URL (e.g. amqp://guest:guest@127.0.0.1:5672/),\n"
    "  * running them on 127.0.0.1:3306 (root, empty password) and 127.0.0.1:5672 (guest/guest),\n"
    "  * or running a Docker engine, so testcontainers can start them."
)


@dataclass(frozen=True)
class Infrastructure:
    mysql_url: str
    rabbitmq_url: str


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def free_port_base(span: int | None = None) -> int:
    """A base port with `span` consecutive free ports after it (default: one per service)."""
    if span is None:
        from bookstore_shared.services import port_span

        span = port_span()
    for _ in range(200):
        base = random.randrange(10000, 32000, 10)  # below the ephemeral port range
        if not any(port_open(base + i) for i in range(span)):
            return base
    raise RuntimeError("no free port range found")


def wait_for(check: Callable[[], object], *, timeout: float = 10.0, what: str = "condition",
             every: float = 0.02):
    """Poll `check` until it returns something truthy (returned); AssertionError on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


@contextmanager
def served(app) -> Iterator[str]:
    """Run an ASGI app under a real uvicorn in a thread (lifespan included); yields its URL."""
    port = free_port_base(1)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                           access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


def from_containers(stack) -> Infrastructure | None:
    try:
        import docker
        from testcontainers.mysql import MySqlContainer
        from testcontainers.rabbitmq import RabbitMqContainer

        docker.from_env().ping()
    except Exception:  # noqa: BLE001 - no engine: fall through to the message
        return None
    mysql = stack.enter_context(MySqlContainer("mysql:8.0", username="root", password="test"))
    rabbit = stack.enter_context(RabbitMqContainer("rabbitmq:3.13"))
    mysql_url = (f"mysql+pymysql://root:test@{mysql.get_container_host_ip()}:"
                 f"{mysql.get_exposed_port(3306)}")
    rabbit_url = (f"amqp://guest:guest@{rabbit.get_container_host_ip()}:"
                  f"{rabbit.get_exposed_port(5672)}/")
    return Infrastructure(mysql_url, rabbit_url)


def drop_instance(infra: Infrastructure, name: str) -> None:
    """Drop the instance's databases and delete its exchange and queues (best effort)."""
    from sqlalchemy import text

    with _server(infra.mysql_url).connect() as conn:
        rows = conn.execute(text("SHOW DATABASES LIKE :p"), {"p": f"{name}\\_%"}).all()
        for (db,) in rows:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{db}`"))
    _delete_broker_objects(infra.rabbitmq_url, name)


@functools.cache
def _server(url: str):
    """One engine per MySQL server for the whole run (a new one per drop costs ~0.4 s)."""
    from sqlalchemy import create_engine

    return create_engine(url, pool_size=4)


def _delete_broker_objects(url: str, name: str) -> None:
    import pika
    from bookstore_shared.services import names

    try:
        conn = pika.BlockingConnection(pika.URLParameters(url))
    except Exception:  # noqa: BLE001
        return
    with suppress(Exception):  # best effort: whatever is left is named after a dropped instance
        # AMQP cannot list queues: these are the retry delays the defaults and the tests use
        suffixes = ["", ".dlq"] + [f".retry.{d}" for d in (50, 100, 200, 300, 400, 500, 800,
                                                           1600, 2000, 8000, 30000)]
        ch = conn.channel()  # deleting a queue that does not exist succeeds: one channel will do
        # every queue base: services' shared queues, the exclusive ones of their replicas (whose
        # dead-letter queues are durable) and the tests' own
        bases = [*names(), *(f"{n}.revocations" for n in names()), "catalog.replica",
                 "gateway.events", "notification.ws", "tests", "tests.own", "depth"]
        for service in bases:
            for suffix in suffixes:
                if not ch.is_open:  # a refusal closed it (a queue in use by another test)
                    ch = conn.channel()
                with suppress(Exception):
                    ch.queue_delete(f"{name}.{service}{suffix}")
        if not ch.is_open:
            ch = conn.channel()
        ch.exchange_delete(f"{name}.events")
    if conn.is_open:
        conn.close()


def system_env(infra: Infrastructure, instance: str, data_dir: str, **overrides: str) -> dict:
    """Environment for running the system against the real infrastructure, fast timings."""
    # Nothing configured on the developer's machine leaks in (a real OpenAI key, a database URL,
    # a trace collector).
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("BOOKSTORE_", "OPENAI_", "OTEL_")) and k != "DATABASE_URL"}
    env.update({
        "BOOKSTORE_MYSQL_URL": infra.mysql_url,
        "BOOKSTORE_RABBITMQ_URL": infra.rabbitmq_url,
        "BOOKSTORE_INSTANCE": instance,
        "BOOKSTORE_DATA_DIR": data_dir,
        "BOOKSTORE_PORT_BASE": str(free_port_base()),
        "BOOKSTORE_RETRY_DELAYS_MS": "100,200,300",
        "BOOKSTORE_SHIP_AFTER_S": "0.5",
        "BOOKSTORE_DELIVER_AFTER_S": "0.5",
        "BOOKSTORE_LOG_LEVEL": "INFO",
    })
    env.update(overrides)
    return env


def replica_env(env: dict[str, str], service: str) -> dict[str, str]:
    """Environment for another replica of `service` next to the system started with `env`: a port
    base (so a port) of its own; every other service where the system's first replicas are."""
    from bookstore_shared.launcher import available_services, settings_from

    main = settings_from(env)
    others = {f"BOOKSTORE_{name.upper()}_URL": main.service_url(name)
              for name, _pkg in available_services(env) if name != service}
    return {**env, **others, "BOOKSTORE_PORT_BASE": str(free_port_base())}
