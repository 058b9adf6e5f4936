"""HTTP load generator (aiohttp, run as its own process): closed loop or fixed arrival rate.

`python -m bench.loadgen SPEC_JSON` prints one JSON result: counts, wall time and every latency.
Spec: url, method, paths (rotated), headers (rotated list), json_body, mode ("rate"|"closed"),
rate (req/s), concurrency, duration (s), warmup (s), keep (store response bodies' field).
"""
from __future__ import annotations

import asyncio
import json
import sys
import time

import aiohttp


async def _one(session, spec, i, out):
    path = spec["paths"][i % len(spec["paths"])]
    headers = spec["headers"][i % len(spec["headers"])] if spec.get("headers") else None
    bodies = spec.get("json_bodies")
    body = bodies[i % len(bodies)] if bodies else None
    sent_wall = time.time()
    t0 = time.perf_counter()
    try:
        async with session.request(spec.get("method", "GET"), spec["url"] + path,
                                   json=body, headers=headers) as resp:
            body = await resp.read()
            status = resp.status
    except (TimeoutError, aiohttp.ClientError) as exc:
        out["errors"][type(exc).__name__] = out["errors"].get(type(exc).__name__, 0) + 1
        return
    latency = (time.perf_counter() - t0) * 1000
    if spec.get("keep") and status < 300:
        out["kept"].append([sent_wall, json.loads(body).get(spec["keep"])])
    if t0 < out["measure_from"]:
        return
    out["statuses"][str(status)] = out["statuses"].get(str(status), 0) + 1
    out["latencies_ms"].append(round(latency, 3))


async def _run(spec: dict) -> dict:
    duration, warmup = float(spec["duration"]), float(spec.get("warmup", 0.5))
    out = {"statuses": {}, "errors": {}, "latencies_ms": [], "kept": []}
    conn = aiohttp.TCPConnector(limit=int(spec.get("concurrency", 64)), force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=conn, timeout=timeout) as session:
        start = time.perf_counter()
        out["measure_from"] = start + warmup
        end = start + warmup + duration
        if spec.get("mode", "rate") == "rate":
            interval, tasks, i = 1.0 / float(spec["rate"]), set(), 0
            while True:
                due = start + i * interval
                if due >= end:
                    break
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                task = asyncio.create_task(_one(session, spec, i, out))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                i += 1
            if tasks:
                await asyncio.wait(tasks)
        else:
            counter = iter(range(10**9))

            async def worker():
                while time.perf_counter() < end:
                    await _one(session, spec, next(counter), out)

            await asyncio.gather(*(worker() for _ in range(int(spec["concurrency"]))))
        out["wall_s"] = time.perf_counter() - out["measure_from"]
    out["measure_from"] = None
    return out


def main() -> None:
    """Read the spec from argv[1] (JSON), run, print the result as JSON."""
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass
    spec = json.loads(sys.argv[1])
    print(json.dumps(asyncio.run(_run(spec))))


if __name__ == "__main__":
    main()
