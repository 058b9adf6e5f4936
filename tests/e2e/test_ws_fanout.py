"""A thousand WebSocket clients through the gateway all receive one broadcast."""
from __future__ import annotations

import asyncio
import uuid

import orjson
import websockets

from .conftest import register_and_login

CLIENTS = 1000
USERS = 10


async def _connect_all(ws_url: str, tokens: list[str]) -> list:
    gate = asyncio.Semaphore(50)

    async def one(i: int):
        async with gate:
            return await websockets.connect(f"{ws_url}?token={tokens[i % len(tokens)]}",
                                            open_timeout=30, max_queue=64)

    return await asyncio.gather(*(one(i) for i in range(CLIENTS)))


async def _receive_broadcast(conn, text: str) -> bool:
    while True:
        message = orjson.loads(await conn.recv())
        if message == {"type": "global", "message": text}:
            return True


async def _fan_out(system, admin_headers, tokens: list[str]) -> list[bool]:
    ws_url = system.url.replace("http://", "ws://") + "/ws"
    conns = await _connect_all(ws_url, tokens)
    try:
        text = f"flash sale {uuid.uuid4().hex[:6]}"
        waiting = [asyncio.create_task(asyncio.wait_for(_receive_broadcast(c, text), 60))
                   for c in conns]
        await asyncio.sleep(0.5)  # every socket registered at its replica
        r = await asyncio.to_thread(system.client.post, "/notify", json={"message": text},
                                    headers=admin_headers)
        assert r.status_code == 200 and r.json() == {"message": "Notification sent"}
        return await asyncio.gather(*waiting, return_exceptions=True)
    finally:
        await asyncio.gather(*(c.close() for c in conns), return_exceptions=True)


def test_a_broadcast_reaches_a_thousand_clients_through_the_gateway(system, admin_headers):
    tokens = [register_and_login(system.url)["Authorization"].split()[1] for _ in range(USERS)]
    results = asyncio.run(_fan_out(system, admin_headers, tokens))
    failures = [r for r in results if r is not True]
    assert len(results) == CLIENTS and not failures, f"{len(failures)} clients missed it: " \
        f"{failures[:3]}"
