"""WebSocket fan-out through the gateway: POST /notify → the last of N clients has it."""
from __future__ import annotations

import json
import subprocess
import sys
import time

import httpx

from .stats import ROOT, summary
from .system import Bench


def run_fanout(bench: Bench, *, clients: int = 1000, broadcasts: int = 10,
               ws_url: str | None = None) -> dict:
    """Connect `clients` sockets, send `broadcasts` notifications 1 s apart, time the deliveries."""
    url = (ws_url or bench.url).replace("http://", "ws://")
    spec = {"url": url, "clients": clients, "tokens": bench.tokens}
    proc = subprocess.Popen([sys.executable, "-m", "bench.wsclients", json.dumps(spec)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    connect_t0 = time.monotonic()
    ready = proc.stdout.readline().split()
    connect_s = time.monotonic() - connect_t0
    sent: dict[str, float] = {}
    with httpx.Client(base_url=bench.url, headers=bench.admin, timeout=30) as client:
        for n in range(broadcasts):
            message = f"bench broadcast {n}"
            sent[message] = time.time()
            r = client.post("/notify", json={"message": message})
            assert r.status_code == 200, r.text
            time.sleep(1.0)
    out, _ = proc.communicate("", timeout=60)
    result = json.loads(out)
    first, last, every = [], [], []
    complete = 0
    for message, t0 in sent.items():
        times = result["received"].get(message, [])
        if not times:
            continue
        complete += len(times) == result["connected"]
        first.append((min(times) - t0) * 1000)
        last.append((max(times) - t0) * 1000)
        every += [(t - t0) * 1000 for t in times]
    return {"clients": clients, "connected": int(ready[1]) if len(ready) > 1 else 0,
            "connect_s": connect_s, "broadcasts": broadcasts, "complete_broadcasts": complete,
            "first_ms": summary(first), "last_ms": summary(last), "each_ms": summary(every)}
