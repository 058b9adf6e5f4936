"""Order saga: orders at fixed arrival rates and at saturation; per-hop times from the events."""
from __future__ import annotations

import time
from collections import defaultdict

from bookstore_shared.events.contracts import order_status_said

from .cpu import CpuMeter, mysql_counters
from .stats import loadgen, summary
from .system import Bench
from .tap import Tap

# (label, from, to): each end is an event key; "http" is the client's send time.
HOPS = [
    ("HTTP sent → order.placed", "http", "order.placed"),
    ("order.placed → inventory.reserved", "order.placed", "inventory.reserved"),
    ("inventory.reserved → PROCESSING", "inventory.reserved", "status:PROCESSING"),
    ("PROCESSING → shipment READY", "status:PROCESSING", "shipment:READY"),
    ("shipment READY → status SHIPPED", "shipment:READY", "status:SHIPPED"),
    ("status SHIPPED → shipment DELIVERED", "status:SHIPPED", "shipment:DELIVERED"),
    ("shipment DELIVERED → DELIVERED", "shipment:DELIVERED", "status:DELIVERED"),
]
RELAYS = ["order.placed", "inventory.reserved", "status:PROCESSING"]


def _key(env: dict) -> str | None:
    data = env["data"]
    if env["type"] != "order.placed" and (status := order_status_said(env["type"], data)):
        return f"status:{status}"
    if env["type"] == "shipment.updated":
        return f"shipment:{data['status']}"
    return env["type"] if "order_id" in data else None


def _orders_spec(bench: Bench, **spec) -> dict:
    bodies = [{"book_id": b, "quantity": 1} for b in bench.books]
    return {"url": bench.url, "method": "POST", "paths": ["/orders"], "headers": bench.users,
            "json_bodies": bodies, "keep": "order_id", "warmup": 0, **spec}


def run_saga(bench: Bench, tap: Tap, *, rate: float | None, seconds: float,
             concurrency: int = 64, settle_s: float = 30) -> dict:
    """Place orders (at `rate`/s, or closed loop when None) and follow each to DELIVERED."""
    tap.take()
    meter = CpuMeter(bench.pids)
    counted = mysql_counters(bench.infra.mysql_url)
    events = 0
    spec = _orders_spec(bench, duration=seconds, concurrency=concurrency,
                        **({"mode": "rate", "rate": rate} if rate else {"mode": "closed"}))
    result = loadgen(spec)
    sent = {oid: t for t, oid in result["kept"]}
    times: dict[int, dict[str, float]] = defaultdict(dict)
    arrivals: dict[int, dict[str, float]] = defaultdict(dict)
    deadline = time.monotonic() + settle_s
    while True:
        for arrived, env in tap.take():
            events += 1
            key = _key(env)
            oid = env["data"].get("order_id")
            if key and oid in sent:
                times[oid].setdefault(key, env["t"])
                arrivals[oid].setdefault(key, arrived)
        done = sum(1 for oid in sent if "status:DELIVERED" in times[oid])
        if done == len(sent) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    cpu = meter.since()
    now = mysql_counters(bench.infra.mysql_url)
    per_order = 1 / max(1, len(sent))
    return {**_analyse(rate, seconds, result, sent, times, arrivals),
            # from the first order to the last DELIVERED; MySQL counters are server-wide
            "cpu_ms_per_order": {k: v * 1000 * per_order for k, v in cpu.items()},
            "per_order": {"events": events * per_order,
                          "commits": (now["Com_commit"] - counted["Com_commit"]) * per_order,
                          "statements": (now["Questions"] - counted["Questions"]) * per_order}}


def _analyse(rate, seconds, result, sent, times, arrivals) -> dict:
    def between(a: str, b: str) -> list[float]:
        out = []
        for oid, t0 in sent.items():
            start = t0 if a == "http" else times[oid].get(a)
            end = times[oid].get(b)
            if start is not None and end is not None:
                out.append((end - start) * 1000)
        return out

    processing = [times[o]["status:PROCESSING"] for o in sent if "status:PROCESSING" in times[o]]
    first = min(sent.values()) if sent else 0
    span = (max(processing) - first) if processing else float("nan")
    return {
        "rate": rate, "seconds": seconds, "placed": len(sent),
        "http_errors": {k: v for k, v in result["statuses"].items() if not k.startswith("2")}
        | result["errors"],
        "offered_per_s": len(sent) / seconds,
        "processing": len(processing),
        "delivered": sum(1 for o in sent if "status:DELIVERED" in times[o]),
        "processing_per_s": len(processing) / span if processing else 0.0,
        "http_ms": summary(result["latencies_ms"]),
        "to_processing_ms": summary(between("http", "status:PROCESSING")),
        "to_delivered_ms": summary(between("http", "status:DELIVERED")),
        "hops_ms": {label: summary(between(a, b)) for label, a, b in HOPS},
        # occurred_at (staged in the transaction) → the event reached the exchange's queues
        "relay_ms": {k: summary([(arrivals[o][k] - times[o][k]) * 1000 for o in sent
                                 if k in times[o] and k in arrivals[o]]) for k in RELAYS},
    }
