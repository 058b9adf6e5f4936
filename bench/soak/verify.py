"""The soak's end: from the databases, the event log, the mail server and the clients' sockets,
was anything lost, doubled, stuck or told to the wrong user?"""
from __future__ import annotations

import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field

from bookstore_testing.mail import SmtpSink, Subjects
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from .events import EventLog
from .load import FINAL, Load


@dataclass
class Verdict:
    """What the verification counted; `problems` is empty when nothing was lost, doubled,
    stuck or misdelivered (a user told of another user's order)."""

    orders: int = 0
    by_status: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)
    checked: Counter = field(default_factory=Counter)  # items verified, by kind
    lost: int = 0
    doubled: int = 0
    stuck: int = 0
    misdelivered: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def problem(self, kind: str, what: str, n: int = 1) -> None:
        setattr(self, kind, getattr(self, kind) + n)
        self.problems.append(f"{kind}: {what}")

    @property
    def ok(self) -> bool:
        return not self.problems


class Schemas:
    """Read-only views of the instance's service schemas."""

    def __init__(self, mysql_url: str, instance: str):
        self._engines: dict[str, Engine] = {}
        self.url, self.instance = make_url(mysql_url), instance

    def __call__(self, service: str) -> Engine:
        if service not in self._engines:
            self._engines[service] = create_engine(
                self.url.set(database=f"{self.instance}_{service}"), pool_size=1)
        return self._engines[service]

    def rows(self, service: str, sql: str, **params) -> list:
        with self(service).connect() as conn:
            return list(conn.execute(text(sql), params))

    def dispose(self) -> None:
        for engine in self._engines.values():
            engine.dispose()


def settle(schemas: Schemas, timeout: float) -> dict[int, str]:
    """Wait until every order in the order service's database is final; returns id -> status."""
    deadline = time.monotonic() + timeout
    while True:
        statuses = dict(schemas.rows("order", "SELECT id, status FROM customer_order"))
        if all(s in FINAL for s in statuses.values()) or time.monotonic() > deadline:
            return statuses
        time.sleep(1.0)


def queue_depths(instance: str) -> dict[str, int]:
    """Messages waiting in every queue of the instance (service queues, retries, dead letters)."""
    out = subprocess.run(["rabbitmqctl", "list_queues", "name", "messages", "-q",
                          "--no-table-headers"], capture_output=True, text=True, check=True,
                         timeout=60).stdout
    depths = {}
    for line in out.splitlines():
        name, _, count = line.partition("\t")
        if name.startswith(f"{instance}.") and count.strip().isdigit():
            depths[name] = int(count)
    return depths


def verify(load: Load, schemas: Schemas, events: EventLog, smtp: SmtpSink, *, instance: str,
           initial_stock: dict[int, int], audit_queue: str, timeout: float = 180) -> Verdict:
    v = Verdict()
    statuses = settle(schemas, timeout)
    events.stop()  # everything the settled orders caused has been published
    v.orders, v.by_status = len(statuses), Counter(statuses.values())
    for oid, status in statuses.items():
        if status not in FINAL:
            v.problem("stuck", f"order {oid} still {status}")
    placed = {o.id: o for o in load.orders if o.id is not None}
    v.refused = Counter(o.refused.split(" ")[0] for o in load.orders if o.refused)
    for oid in placed.keys() - statuses.keys():
        v.problem("lost", f"order {oid} answered 201 but is not in the order database")
    unknown = statuses.keys() - placed.keys()
    if unknown:
        v.notes.append(f"{len(unknown)} orders exist whose POST never got its 201 (retries gave up)")
    v.checked["orders"] = len(statuses)
    _stock(v, schemas, initial_stock)
    _shipments(v, schemas, statuses)
    _events(v, events, statuses)
    _emails(v, smtp, events, statuses)
    _listeners(v, load, statuses)
    depths = {q: n for q, n in queue_depths(instance).items() if q != audit_queue}
    for queue, n in depths.items():
        if n:
            v.problem("stuck", f"{n} messages left in {queue}", n)
    v.checked["queues (service, retry, dead-letter)"] = len(depths)
    return v


def _stock(v: Verdict, schemas: Schemas, initial: dict[int, int]) -> None:
    """available = initial − what delivered orders took (cancelled ones were released)."""
    sold = Counter()
    for book, qty in schemas.rows("order", """
            SELECT l.book_id, l.quantity FROM order_line l
            JOIN customer_order o ON o.id = l.order_id WHERE o.status = 'DELIVERED'"""):
        sold[book] += qty
    available = dict(schemas.rows("inventory", "SELECT book_id, available FROM stock"))
    for book, start in initial.items():
        want, got = start - sold[book], available.get(book)
        if got is None or got < 0 or got != want:
            kind = "lost" if got is not None and got < want else "doubled"
            v.problem(kind, f"book {book}: stock {got}, expected {start} − {sold[book]} = {want}")
    v.checked["stock levels"] = len(initial)


def _shipments(v: Verdict, schemas: Schemas, statuses: dict[int, str]) -> None:
    shipped = Counter(oid for (oid,) in schemas.rows(
        "shipping", "SELECT order_id FROM shipment WHERE status = 'DELIVERED'"))
    delivered = {oid for oid, s in statuses.items() if s == "DELIVERED"}
    for oid in delivered - shipped.keys():
        v.problem("lost", f"order {oid} DELIVERED without a delivered shipment")
    for oid in shipped.keys() - delivered:
        v.problem("doubled", f"shipment of order {oid} delivered but the order is "
                  f"{statuses.get(oid)}")
    v.checked["shipments"] = len(delivered)


def _events(v: Verdict, events: EventLog, statuses: dict[int, str]) -> None:
    """Once per order: the reservation answer, the confirmation and each shipment step."""
    for kind, keys in (("inventory.reserved", ()), ("order.confirmed", ()),
                       ("shipment.updated", ("status",))):
        for key, n in events.per_order(kind, *keys).items():
            if n > 1:
                v.problem("doubled", f"{n} distinct {kind} events for {key}")
    delivered = {oid for oid, s in statuses.items() if s == "DELIVERED"}
    reserved = {oid for (oid,) in events.per_order("inventory.reserved")}
    for oid in delivered - reserved:
        v.problem("lost", f"order {oid} DELIVERED but no inventory.reserved event was seen")
    v.checked["events"] = len(events.events)


def _emails(v: Verdict, smtp: SmtpSink, events: EventLog, statuses: dict[int, str]) -> None:
    """One purchase email (one Message-ID) per confirmed order, none for others."""
    confirmed = {oid for (oid,) in events.per_order("order.confirmed")}
    deadline = time.monotonic() + 60
    subjects = Subjects(smtp)
    wanted = {oid: f"Your Bookstore order #{oid} is confirmed" for oid in confirmed}
    while not all(subjects()[s] for s in wanted.values()) and time.monotonic() < deadline:
        time.sleep(0.5)
    mail = subjects()
    for oid, subject in wanted.items():
        if mail[subject] == 0:
            v.problem("lost", f"no purchase email for order {oid}")
        elif mail[subject] > 1:
            v.problem("doubled", f"{mail[subject]} purchase emails for order {oid}")
    for oid in statuses.keys() - confirmed:
        if mail[f"Your Bookstore order #{oid} is confirmed"]:
            v.problem("doubled", f"purchase email for order {oid}, which was never confirmed")
    if subjects.resent:
        v.notes.append(f"{len(subjects.resent)} emails sent again with the same Message-ID "
                       "after a sender was killed (one email to the reader)")
    v.checked["purchase emails"] = len(wanted)


def _listeners(v: Verdict, load: Load, statuses: dict[int, str]) -> None:
    """Each user's socket told it (or its re-fetch after a reconnect found) each of its orders'
    final status, and nobody heard of another user's order."""
    def told(order) -> bool:
        final = statuses[order.id]
        return final in order.live or order.fetched == final

    mine = [o for o in load.orders if o.id is not None and o.id in statuses]
    deadline = time.monotonic() + 30  # the last statuses may still be on their way
    while time.monotonic() < deadline:
        load.attribute()
        if all(told(o) for o in mine):
            break
        time.sleep(0.5)
    for user, oid, status in load.attribute():
        v.problem("misdelivered", f"user {user} was told {status} of order {oid}, not theirs")
    live = fetched = 0
    for order in mine:
        final = statuses[order.id]
        if final in order.live:
            live += 1
        elif order.fetched == final:
            fetched += 1
        else:
            v.problem("lost", f"the owner of order {order.id} never learnt it is {final} "
                      f"(socket said {sorted(order.live)})")
    v.checked["final statuses on sockets"] = live + fetched
    if fetched:
        v.notes.append(f"{fetched} final statuses were learnt by re-fetching after a reconnect, "
                       f"{live} live on the socket")
