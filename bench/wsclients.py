"""WebSocket clients (own process): N sockets on the gateway's /ws, receive times of broadcasts.

`python -m bench.wsclients SPEC_JSON`; prints `ready N` once connected, then on stdin EOF prints
JSON {"connected", "received": {message: [wall time, ...]}}.
"""
from __future__ import annotations

import asyncio
import json
import sys
import time

import aiohttp


async def _client(session, url, received, connected, stop):
    try:
        async with session.ws_connect(url, heartbeat=None, autoping=True) as ws:
            connected.append(1)
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                now = time.time()
                data = json.loads(msg.data)
                if data.get("type") == "global":
                    received.setdefault(data["message"], []).append(now)
                if stop.is_set():
                    break
    except aiohttp.ClientError:
        pass


async def _run(spec: dict) -> dict:
    received: dict[str, list[float]] = {}
    connected: list[int] = []
    stop = asyncio.Event()
    conn = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=conn) as session:
        tasks = []
        for i in range(spec["clients"]):
            token = spec["tokens"][i % len(spec["tokens"])]
            tasks.append(asyncio.create_task(
                _client(session, f"{spec['url']}/ws?token={token}", received, connected, stop)))
            if i % 50 == 49:
                await asyncio.sleep(0.05)  # do not stampede the accept queue
        deadline = time.monotonic() + 60
        while len(connected) < spec["clients"] and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # the last sockets are registered upstream too
        print(f"ready {len(connected)}", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        stop.set()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return {"connected": len(connected), "received": received}


def main() -> None:
    """Run the clients described by argv[1] (url, clients, tokens)."""
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    print(json.dumps(asyncio.run(_run(json.loads(sys.argv[1])))), flush=True)


if __name__ == "__main__":
    main()
