"""MariaDB shut down under load: services say not-ready and fail fast while it is down, recover by
themselves, and every order placed before, during and after is delivered."""
from __future__ import annotations

import socket
import subprocess
import time
from collections import Counter

from .helpers import (
    Purchases,
    add_book,
    all_ready,
    first_admin,
    new_user,
    orders_of,
    readiness,
    settle_orders,
    wait_for,
)

STOCK = 100_000
DATABASE_OWNERS = {"auth", "catalog", "order", "inventory", "shipping", "notification", "ai"}


def mysql_port_open() -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", 3306)) == 0


def stop_mariadb() -> None:
    subprocess.run(["mariadb-admin", "-uroot", "shutdown"], check=True, capture_output=True,
                   timeout=60)
    wait_for(lambda: not mysql_port_open(), timeout=30, what="MariaDB to stop")


def start_mariadb() -> None:
    """Start MariaDB as on the team's machines (ARCHITECTURE.md) and wait for its port."""
    if mysql_port_open():
        return
    subprocess.run("mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld", shell=True,
                   check=False, timeout=10)
    subprocess.run(["start-stop-daemon", "--start", "--oknodo", "--background", "--exec",
                    "/usr/sbin/mariadbd", "--", "--user=mysql"], check=True, timeout=30)
    wait_for(mysql_port_open, timeout=60, what="MariaDB to listen on 3306", every=0.2)


def test_services_are_not_ready_while_the_database_is_down_and_recover_by_themselves(
        system, figures):
    admin = first_admin(system)
    book = add_book(system, admin, stock=STOCK)
    users = [new_user(system) for _ in range(2)]
    load = Purchases(system, book, users, pause=0.3).start()
    not_ready: set[str] = set()
    try:
        time.sleep(3.0)
        placed_before = dict(load.placed)
        stop_mariadb()
        down_since = time.monotonic()
        while time.monotonic() - down_since < 8.0:
            not_ready |= {n for n, status in readiness(system).items() if status == 503}
            time.sleep(0.3)
    finally:
        start_mariadb()
    figures.fault(f"MariaDB shut down for {time.monotonic() - down_since:.0f} s while 2 clients "
                  "placed orders, then started again")
    all_ready(system, timeout=90)
    time.sleep(3.0)  # the load goes on after the recovery
    load.stop()
    figures.cases += len(load.answers)

    assert DATABASE_OWNERS <= not_ready, f"never reported not ready: {DATABASE_OWNERS - not_ready}"
    statuses = Counter(status for status, _ in load.answers)
    assert set(statuses) <= {201, 503}, (statuses, load.errors[:3])
    assert all(isinstance(b, dict) and b.get("message") for s, b in load.answers if s == 503)
    assert statuses[503] > 0, "no request was attempted while the database was down"
    assert load.errors == []
    assert set(placed_before) <= set(load.placed)

    orders = settle_orders(system, load.placed, until={"DELIVERED"}, timeout=120)
    assert len(orders) == load.purchases
    for headers in users:
        assert len(orders_of(system, headers)) == load.per_user[headers["Authorization"]]
    wait_for(lambda: system.client.get(f"/books/{book}").json()["stock"] == STOCK - len(orders),
             what="stock = initial - sold")
    figures.items += len(orders) + 1
    figures.notes.append(f"answers: {dict(statuses)}; not ready while down: {sorted(not_ready)}")
