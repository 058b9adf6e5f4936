"""`bookstore tap` on the real RabbitMQ while orders move through their sagas."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time

from .saga import (
    assert_one_orders_saga,
    assert_saga_tail,
    new_request_id,
    place_order,
)
from .test_orders import add_book

PATTERNS = ["order.#", "inventory.#", "shipment.#"]
# `bookstore tap ARGS` once a line (the order id) arrives on stdin: the interpreter and its imports
# are warm by then, so the tap is bound within milliseconds of knowing what to follow.
DEFERRED = ("import sys; from bookstore_shared import cli, tap; "
            "sys.exit(cli.main(sys.argv[1:] + [sys.stdin.readline().strip()]))")


class Tap:
    """A `bookstore tap` process; its stdout lines are collected as they are printed."""

    def __init__(self, system, *args: str, deferred: bool = False):
        command = [sys.executable, "-c", DEFERRED] if deferred else \
            [sys.executable, "-m", "bookstore_shared.cli"]
        self.proc = subprocess.Popen([*command, "tap", *args], env=system.env, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.lines: list[str] = []
        self.errors: list[str] = []
        self.ready = threading.Event()
        self._readers = [threading.Thread(target=self._read, args=(self.proc.stdout, self.lines)),
                         threading.Thread(target=self._read, args=(self.proc.stderr, self.errors))]
        for reader in self._readers:
            reader.start()

    def _read(self, stream, into: list[str]) -> None:
        for line in stream:
            into.append(line.rstrip("\n"))
            if line.startswith("tapping "):
                self.ready.set()

    def start(self, last_argument: str | None = None) -> Tap:
        """(Give a deferred tap its last argument and) wait until its queue is bound."""
        if last_argument is not None:
            self.proc.stdin.write(last_argument + "\n")
            self.proc.stdin.flush()
        assert self.ready.wait(20), f"tap never started: {self.errors}"
        return self

    def envelopes(self) -> list[dict]:
        return [json.loads(line) for line in list(self.lines)]

    def wait_for(self, condition, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition(self):
            assert time.monotonic() < deadline, f"tap printed {self.lines}; stderr {self.errors}"
            time.sleep(0.05)

    def stop(self) -> list[str]:
        """Interrupt (Ctrl-C) the tap; its printed lines."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        assert self.proc.wait(10) == 0, self.errors
        for reader in self._readers:
            reader.join(5)
        return self.lines


def delivered(order_id: int):
    return lambda tap: any(e["type"] == "order.status_changed" and e["data"]["order_id"] == order_id
                           and e["data"]["status"] == "DELIVERED" for e in tap.envelopes())


def test_the_tap_prints_one_orders_saga_in_order_and_nothing_of_other_orders_in_services_mode(
        system, admin_headers, new_user):
    book = add_book(system, admin_headers, stock=10)
    alice, bob = new_user(), new_user()
    request_id = new_request_id()
    by_request = Tap(system, *PATTERNS, "--json", "--timeout", "60",
                     "--correlation", request_id).start()
    by_order = Tap(system, *PATTERNS, "--json", "--timeout", "60", "--order", deferred=True)
    readable = Tap(system, "order.placed", "--count", "1", "--correlation", request_id).start()
    try:
        others = [place_order(system, bob, book)]
        order_id = place_order(system, alice, book, request_id=request_id)
        by_order.start(str(order_id))
        others.append(place_order(system, bob, book))
        by_request.wait_for(delivered(order_id))
        by_order.wait_for(delivered(order_id))
        assert readable.proc.wait(10) == 0
        time.sleep(0.5)  # nothing of this order may follow its delivery
    finally:
        full, tail = by_request.stop(), by_order.stop()
    assert_one_orders_saga(by_request.envelopes(), order_id, request_id)
    assert_saga_tail(by_order.envelopes(), by_request.envelopes(), order_id)
    for line in full + tail:
        assert all(f'"order_id":{other},' not in line and f'"order_id":{other}}}' not in line
                   for other in others), line
    (line,) = readable.lines
    assert "order.placed" in line and f"corr={request_id[:12]}" in line and " order " in line
    assert f'"order_id":{order_id},' in line
