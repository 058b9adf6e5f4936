"""Section 6: catalog reads through the gateway, measured against the gateway's own floor."""
from __future__ import annotations

import os
import statistics
import time

import httpx

from .stats import wrk
from .system import Bench

ROUNDS = 3
SECONDS = 5
LIST_PATH = "/books?limit=100"


def _ids_script(bench: Bench, tmp: str) -> str:
    path = os.path.join(tmp, "read-path-ids.lua")
    with open(path, "w") as f:
        f.write("ids = {" + ",".join(map(str, bench.books)) + "}\n"
                "request = function()\n  return wrk.format('GET', '/books/' .. "
                "ids[math.random(#ids)])\nend\n")
    return path


def _median(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs if key in run)


def run_read_path(bench: Bench, tmp: str) -> dict:
    """wrk (1 thread, 16 connections, 5 s) on /healthz, /books/{id} and /books?limit=100, all
    through the gateway, in ROUNDS alternating rounds; medians per request."""
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    script = _ids_script(bench, tmp)
    listing = httpx.get(bench.url + LIST_PATH, timeout=30)
    requests = {"floor": {"url": bench.url + "/healthz"},
                "item": {"url": bench.url, "script": script},
                "list": {"url": bench.url + LIST_PATH}}
    runs: dict[str, list[dict]] = {name: [] for name in requests}
    for _ in range(ROUNDS):
        for name, spec in requests.items():
            runs[name].append(wrk(spec["url"], seconds=SECONDS, script=spec.get("script")))
    out = {"started": started, "rounds": ROUNDS, "seconds": SECONDS,
           "books": len(bench.books), "list_bytes": len(listing.content),
           "list_total": int(listing.headers["x-total-count"])}
    for name, samples in runs.items():
        out[name] = {"runs": samples, "rps": _median(samples, "rps"),
                     "p50": _median(samples, "p50"), "p99": _median(samples, "p99"),
                     "non2xx": sum(s["non2xx"] for s in samples),
                     "errors": sum(s["errors"] for s in samples)}
    return out
