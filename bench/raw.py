"""The machine's raw limits: confirmed publishes per second, single-row MySQL transactions/s."""
from __future__ import annotations

import threading
import time

import pika
from bookstore_shared.bus.confirms import ConfirmingPublisher
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import NotificationBroadcast
from sqlalchemy import create_engine, text

from .system import Bench


def _props(env: Envelope) -> pika.BasicProperties:
    return pika.BasicProperties(content_type="application/json", delivery_mode=2,
                                message_id=env.id, type=env.type)


def publish_rates(bench: Bench, seconds: float = 2.0) -> dict:
    """Persistent messages to a durable queue: one confirm at a time vs. pipelined batches."""
    params = pika.URLParameters(bench.infra.rabbitmq_url)
    exchange, queue = f"{bench.instance}.bench", f"{bench.instance}.bench.sink"
    env = Envelope.wrap(NotificationBroadcast(message="x" * 200), producer="bench")
    conn = pika.BlockingConnection(params)
    ch = conn.channel()
    ch.exchange_declare(exchange, exchange_type="topic", durable=True)
    ch.queue_declare(queue, durable=True)
    ch.queue_bind(queue, exchange, routing_key="#")
    ch.confirm_delivery()
    body, props = env.to_bytes(), _props(env)
    n, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        ch.basic_publish(exchange, env.type, body, props)
        n += 1
    one_at_a_time = n / seconds
    result = {"one_at_a_time_per_s": one_at_a_time,
              "round_trip_ms": 1000 / one_at_a_time}
    for batch in (10, 100):
        pub = ConfirmingPublisher(params, exchange)
        n, end = 0, time.perf_counter() + seconds
        while time.perf_counter() < end:
            pub.publish([env] * batch, _props)
            n += batch
        pub.close()
        result[f"batch_{batch}_per_s"] = n / seconds
    ch.queue_purge(queue)
    ch.queue_delete(queue)
    ch.exchange_delete(exchange)
    conn.close()
    return result


def mysql_rates(bench: Bench, seconds: float = 2.0) -> dict:
    """`INSERT` + `COMMIT` of one row (InnoDB, durable commits): 1 connection and 8 in parallel."""
    schema = f"{bench.instance}_benchraw"
    engine = create_engine(bench.infra.mysql_url, pool_size=10)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE DATABASE `{schema}`"))
        conn.execute(text(f"CREATE TABLE `{schema}`.t (id BIGINT AUTO_INCREMENT PRIMARY KEY, "
                          "v VARCHAR(64) NOT NULL) ENGINE=InnoDB"))
    result = {}
    try:
        for threads in (1, 8):
            counts = [0] * threads

            def work(i: int, end: float, counts: list[int] = counts) -> None:
                with engine.connect() as conn:
                    while time.perf_counter() < end:
                        conn.execute(text(f"INSERT INTO `{schema}`.t (v) VALUES ('x')"))
                        conn.commit()
                        counts[i] += 1

            end = time.perf_counter() + seconds
            workers = [threading.Thread(target=work, args=(i, end)) for i in range(threads)]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
            result[f"tx_per_s_{threads}_conn"] = sum(counts) / seconds
        result["commit_ms_1_conn"] = 1000 / result["tx_per_s_1_conn"]
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP DATABASE `{schema}`"))
        engine.dispose()
    return result
