"""The soak's clients (asyncio + aiohttp, in a thread of their own): orders at a fixed arrival rate
from many users, some cancelled, reads, admin broadcasts, and one WebSocket listener per user.

A client does what the contract asks of one: it retries a failed POST /orders with the same
Idempotency-Key, and after its socket reconnects it re-fetches its open orders (the socket does
not replay)."""
from __future__ import annotations

import asyncio
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field

import aiohttp

FINAL = ("DELIVERED", "CANCELLED")
RETRY_FOR_S = 120.0
TIMEOUT = aiohttp.ClientTimeout(total=15)


@dataclass
class User:
    email: str
    password: str
    ws_base: str  # the gateway, or a notification replica directly
    token: str = ""
    orders: set[int] = field(default_factory=set)
    connects: int = 0
    seen: list[tuple[int, str, float]] = field(default_factory=list)  # order events received
    broadcasts: set[str] = field(default_factory=set)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Order:
    """One purchase as its client saw it; times are seconds since the soak started."""

    key: str
    user: int
    book: int
    quantity: int
    sent: float
    id: int | None = None
    placed: float | None = None
    refused: str | None = None
    cancel: int | None = None  # the cancel request's final HTTP status, if one was made
    fetched: str | None = None  # final status learnt by re-fetching after a reconnect
    # the owner's socket's news (status -> seconds since start), filled in at the end
    live: dict[str, float] = field(default_factory=dict)


@dataclass
class Load:
    url: str
    users: list[User]
    books: list[int]
    admin: dict[str, str]
    rate: float
    seed: int
    t0: float
    cancel_share: float = 0.1
    reads_per_s: float = 5.0
    broadcast_every_s: float = 20.0
    orders: list[Order] = field(default_factory=list)
    by_id: dict[int, Order] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    failed_at: list[float] = field(default_factory=list)  # when a call failed (and was retried)
    reads: dict[str, int] = field(default_factory=dict)
    sent_broadcasts: list[tuple[float, str]] = field(default_factory=list)
    ready: threading.Event = field(default_factory=threading.Event)
    _arrivals_done: threading.Event = field(default_factory=threading.Event)
    _stop_arrivals: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    # -- control, from the soak's main thread --------------------------------------------------
    def start(self) -> Load:
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), name="load",
                                        daemon=True)
        self._thread.start()
        if not self.ready.wait(120):
            raise RuntimeError("the WebSocket listeners did not connect")
        return self

    def stop_arrivals(self) -> None:
        """No new orders from now on; waits until every started purchase has an answer."""
        self._stop_arrivals.set()
        self._arrivals_done.wait(RETRY_FOR_S + 60)

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(60)

    def attribute(self) -> list[tuple[int, int, str]]:
        """Give each order the statuses its owner's socket reported; returns the events a user
        received of someone else's order (user index, order id, status) — it must be none."""
        foreign = []
        for index, user in enumerate(self.users):
            for oid, status, at in user.seen:
                order = self.by_id.get(oid)
                if order is None or order.user != index:
                    foreign.append((index, oid, status))
                else:
                    order.live.setdefault(status, at)
        return foreign

    def now(self) -> float:
        return time.monotonic() - self.t0

    def count(self, what: str, into: dict[str, int] | None = None) -> None:
        target = self.errors if into is None else into
        target[what] = target.get(what, 0) + 1

    # -- the clients -----------------------------------------------------------------------------
    async def _main(self) -> None:
        rng = random.Random(self.seed)
        conn = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=conn, timeout=TIMEOUT) as session:
            self.session = session
            listeners = [asyncio.create_task(self._listen(u)) for u in self.users]
            while sum(1 for u in self.users if u.connects) < len(self.users):
                await asyncio.sleep(0.05)
            self.ready.set()
            side = [asyncio.create_task(self._reads(random.Random(rng.random()))),
                    asyncio.create_task(self._broadcasts())]
            await self._arrivals(rng)
            self._arrivals_done.set()
            while not self._stop.is_set():
                await asyncio.sleep(0.1)
            for task in listeners + side:
                task.cancel()
            await asyncio.gather(*listeners, *side, return_exceptions=True)

    async def _arrivals(self, rng: random.Random) -> None:
        interval, tasks, n = 1.0 / self.rate, set(), 0
        start = time.monotonic()
        while not self._stop_arrivals.is_set():
            due = start + n * interval
            if (delay := due - time.monotonic()) > 0:
                await asyncio.sleep(delay)
            user = rng.randrange(len(self.users))
            order = Order(uuid.uuid4().hex, user, rng.choice(self.books), rng.choice((1, 1, 2)),
                          self.now())
            self.orders.append(order)
            task = asyncio.create_task(self._purchase(order, rng.random() < self.cancel_share,
                                                      rng.uniform(0.0, 2.0)))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            n += 1
        if tasks:
            await asyncio.wait(tasks)

    async def _request(self, method: str, path: str, user: User | None, **kw) -> tuple[int, dict]:
        """One call through the gateway, retried on 5xx and connection errors (same body, same
        Idempotency-Key) for up to two minutes; a 401 logs the user in again."""
        deadline = time.monotonic() + RETRY_FOR_S
        while True:
            headers = {**(user.headers if user else self.admin), **kw.pop("extra", {})}
            try:
                async with self.session.request(method, self.url + path, headers=headers,
                                                **kw) as r:
                    body = await r.json(content_type=None) if r.content_length != 0 else {}
                    status = r.status
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                status, body = 0, {"error": type(exc).__name__}
            if status == 401 and user is not None:
                await self._login(user)
                continue
            if status and status < 500:
                return status, body
            self.count(f"{method} {path.split('/')[1].split('?')[0]}: {status or body['error']}")
            self.failed_at.append(self.now())
            if time.monotonic() > deadline:
                return status, body
            await asyncio.sleep(0.2)

    async def _login(self, user: User) -> None:
        while True:
            try:
                async with self.session.post(self.url + "/login", json={
                        "email": user.email, "password": user.password}) as r:
                    if r.status == 200:
                        user.token = (await r.json())["access_token"]
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(0.5)

    async def _purchase(self, order: Order, cancel: bool, cancel_after: float) -> None:
        user = self.users[order.user]
        connects = user.connects
        status, body = await self._request(
            "POST", "/orders", user, json={"book_id": order.book, "quantity": order.quantity},
            extra={"Idempotency-Key": order.key})
        if status != 201:
            order.refused = f"{status} {body.get('message', body.get('error', ''))}"
            return
        order.id, order.placed = body["order_id"], self.now()
        self.by_id[order.id] = order
        user.orders.add(order.id)
        if user.connects != connects:  # reconnected meanwhile: what was missed is fetched
            await self._refetch(user, [order.id])
        if cancel:
            await asyncio.sleep(cancel_after)
            order.cancel, _ = await self._request("POST", f"/orders/{order.id}/cancel", user)

    async def _listen(self, user: User) -> None:
        """The user's socket; after every reconnect, the open orders are fetched again."""
        while not self._stop.is_set():
            try:
                async with self.session.ws_connect(f"{user.ws_base}/ws?token={user.token}",
                                                   heartbeat=None) as ws:
                    await ws.send_str("ping")  # the pong proves the socket is registered
                    async for msg in ws:
                        if msg.type != aiohttp.WSMsgType.TEXT:
                            continue
                        data = json.loads(msg.data)
                        if data.get("type") == "pong" and not user.connects:
                            user.connects = 1
                        elif data.get("type") == "pong":
                            user.connects += 1
                            await self._refetch(user)
                        elif data.get("type") == "order_status":
                            self._status(user, data)
                        elif data.get("type") == "global":
                            user.broadcasts.add(data["message"])
                    if ws.close_code == 1008:
                        await self._login(user)
            except (aiohttp.ClientError, TimeoutError, ConnectionError):
                pass
            self.count("socket reconnects", self.reads)
            await asyncio.sleep(0.2)

    def _status(self, user: User, data: dict) -> None:
        """Kept as received: whose order it was is decided at the end (the POST's answer may
        still be on its way)."""
        user.seen.append((data["order_id"], data["status"], self.now()))

    async def _refetch(self, user: User, orders: list[int] | None = None) -> None:
        live = {oid for oid, status, _t in user.seen if status in FINAL}
        for oid in list(user.orders) if orders is None else orders:
            order = self.by_id[oid]
            if oid in live or order.fetched:
                continue
            status, body = await self._request("GET", f"/orders/{oid}", user)
            if status == 200 and body["status"] in FINAL:
                order.fetched = body["status"]

    async def _reads(self, rng: random.Random) -> None:
        while True:
            await asyncio.sleep(rng.expovariate(self.reads_per_s))
            user = self.users[rng.randrange(len(self.users))]
            path = rng.choice([f"/books/{rng.choice(self.books)}", "/books?limit=20",
                               *(f"/orders/{o}" for o in list(user.orders)[-3:])])
            status, _ = await self._request("GET", path, user)
            self.count(f"GET {status}", self.reads)

    async def _broadcasts(self) -> None:
        n = 0
        while True:
            await asyncio.sleep(self.broadcast_every_s)
            n += 1
            message = f"soak broadcast {n}"
            self.sent_broadcasts.append((self.now(), message))
            await self._request("POST", "/notify", None, json={"message": message})
