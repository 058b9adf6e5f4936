"""WebSocket clients (one process of several): sockets on the gateway's `/ws`, and what each got.

`python -m bench.wsclients SPEC_JSON` with spec {"url", "tokens", "first", "count", "in_flight",
"timeout_s", "ready_s"}: opens sockets `first` .. `first + count - 1`; socket i authenticates with
`tokens[i % len(tokens)]` (its *token index*). A socket counts as registered once the
notification service answered its `ping` (the pong is sent only after the socket joined the hub),
so "ready" means every registered socket can be reached by a broadcast.

Prints `ready {"registered": n, "failed": {index: reason}}` once every socket is registered or has
failed. Then reads stdin: a `count` line is answered with the number of order_status frames
received so far; end of input prints the JSON result {"registered", "failed", "closed",
"received": {message: [wall time, ...]}, "orders": {index: [[order_id, status], ...]}}.
"""
from __future__ import annotations

import asyncio
import json
import resource
import sys
import time

import aiohttp


class State:
    """What this process's sockets saw."""

    def __init__(self) -> None:
        self.registered: set[int] = set()
        self.failed: dict[int, str] = {}
        self.closed: dict[int, str] = {}  # closed after registering (should not happen)
        self.received: dict[str, list[float]] = {}
        self.orders: dict[int, list[list]] = {}
        self.order_frames = 0


async def _socket(session: aiohttp.ClientSession, url: str, index: int, state: State,
                  gate: asyncio.Semaphore) -> None:
    """One socket: at most `in_flight` handshakes (connect + ping/pong) at once per process."""
    held = True
    await gate.acquire()
    try:
        async with session.ws_connect(url, heartbeat=None, autoping=True) as ws:
            await ws.send_str("ping")
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                now = time.time()
                data = json.loads(msg.data)
                kind = data.get("type")
                if kind == "pong" and held:
                    state.registered.add(index)
                    held = False
                    gate.release()
                elif kind == "global":
                    state.received.setdefault(data["message"], []).append(now)
                elif kind == "order_status":
                    state.orders.setdefault(index, []).append([data["order_id"], data["status"]])
                    state.order_frames += 1
            reason = f"closed {ws.close_code}"
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        reason = type(exc).__name__
    finally:
        if held:
            gate.release()
    (state.closed if index in state.registered else state.failed)[index] = reason


async def _run(spec: dict) -> dict:
    state = State()
    gate = asyncio.Semaphore(spec.get("in_flight", 50))
    tokens, first, count = spec["tokens"], spec["first"], spec["count"]
    loop = asyncio.get_running_loop()
    conn = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=None, connect=spec.get("timeout_s", 60))
    async with aiohttp.ClientSession(connector=conn, timeout=timeout) as session:
        tasks = [asyncio.create_task(_socket(
            session, f"{spec['url']}/ws?token={tokens[i % len(tokens)]}", i, state, gate))
            for i in range(first, first + count)]
        deadline = time.monotonic() + spec.get("ready_s", 600)
        while len(state.registered) + len(state.failed) < count:
            if time.monotonic() > deadline:  # still waiting for its handshake or pong
                for i in set(range(first, first + count)) - state.registered - set(state.failed):
                    state.failed[i] = "not ready in time"
                break
            await asyncio.sleep(0.05)
        print("ready " + json.dumps({"registered": len(state.registered),
                                     "failed": state.failed}), flush=True)
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            if line.strip() == "count":
                print(state.order_frames, flush=True)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return {"registered": sorted(state.registered), "failed": state.failed,
            "closed": state.closed, "received": state.received, "orders": state.orders}


def main() -> None:
    """Run the sockets described by argv[1]; open files up to the hard limit."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    print(json.dumps(asyncio.run(_run(json.loads(sys.argv[1])))), flush=True)


if __name__ == "__main__":
    main()
