"""`make bench`: the whole system on real MySQL and RabbitMQ, loaded from 127.0.0.1; writes
bench/results.md (and results.json, saga.svg) next to this file.

`python -m bench.run read_path` runs only the sections named (here section 6) and writes their
numbers into results.json next to the other sections' last ones, then regenerates results.md.
`BENCH_BEFORE=<git revision>` also runs that revision's saga in the same session (bench/before.py)
for a before/after table.
"""
from __future__ import annotations

import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

from .before import run_before
from .cpu import CpuMeter, machine_idle_share
from .fanout import run_fanout
from .raw import mysql_rates, publish_rates
from .readpath import run_read_path
from .report import write_report
from .saga import run_saga
from .stats import loadgen, summary, wrk
from .system import Bench, running_system, seed, wait_idle
from .tap import Tap
from .tracing import run_tracing_overhead

HERE = Path(__file__).parent
RATES = (25, 50, 100, 200)
GATEWAY_ROUNDS = 3
IDLE_S = 3.0
OWN_SYSTEMS = {"tracing"}  # sections that start systems of their own
FANOUT_CLIENTS = 10_000


def machine() -> dict:
    """What the numbers were measured on, and how busy it was."""
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "idle_before": machine_idle_share(), "load_before": os.getloadavg(),
            "started": time.strftime("%Y-%m-%d %H:%M:%S")}


def gateway_overhead(bench: Bench) -> dict:
    """Section 1: GET /books?limit=100 straight at catalog and through the gateway."""
    path = "/books?limit=100"
    direct, via = bench.service_url("catalog"), bench.url
    out = {"path": path, "wrk_direct": wrk(direct + path, seconds=5),
           "wrk_gateway": wrk(via + path, seconds=5)}
    # moderate load: 300 req/s, or half of what the catalog alone serves if that is less;
    # alternating rounds so that drift in what else the machine does hits both sides alike
    out["rate"] = rate = min(300, int(out["wrk_direct"]["rps"] / 2))
    out["rounds"] = GATEWAY_ROUNDS
    samples: dict[str, list[float]] = {"rate_direct": [], "rate_gateway": []}
    statuses: dict[str, dict] = {"rate_direct": {}, "rate_gateway": {}}
    for _ in range(GATEWAY_ROUNDS):
        for name, base in (("rate_direct", direct), ("rate_gateway", via)):
            run = loadgen({"url": base, "paths": [path], "mode": "rate", "rate": rate,
                           "duration": 5, "warmup": 1})
            samples[name] += run["latencies_ms"]
            for key, n in {**run["statuses"], **run["errors"]}.items():
                statuses[name][key] = statuses[name].get(key, 0) + n
    for name, latencies in samples.items():
        out[name] = {**summary(latencies), "statuses": statuses[name]}
    return out


def catalog_reads(bench: Bench, tmp: str) -> dict:
    """Section 5: GET /books/{id} over 100 ids, through the gateway (and direct, for scale)."""
    script = os.path.join(tmp, "ids.lua")
    with open(script, "w") as f:
        f.write("ids = {" + ",".join(map(str, bench.books)) + "}\n"
                "request = function()\n  return wrk.format('GET', '/books/' .. "
                "ids[math.random(#ids)])\nend\n")
    return {"gateway": wrk(bench.url, seconds=5, script=script),
            "direct": wrk(bench.service_url("catalog"), seconds=5, script=script)}


def saga(bench: Bench) -> dict:
    """Section 2: fixed arrival rates, then saturation (closed loop, 64 in flight)."""
    runs = []
    idle = CpuMeter(bench.pids)  # what the system costs doing nothing (pollers, heartbeats)
    time.sleep(IDLE_S)
    idle_cpu = {name: seconds / IDLE_S for name, seconds in idle.since().items()}
    with Tap(bench.infra.rabbitmq_url, bench.instance) as tap:
        for rate in RATES:
            runs.append(run_saga(bench, tap, rate=rate, seconds=5, settle_s=20))
            wait_idle(bench)
        runs.append(run_saga(bench, tap, rate=None, seconds=6, concurrency=64, settle_s=20))
        wait_idle(bench)
    return {"runs": runs, "idle_cpu_share": idle_cpu}


def run_on_one_system(results: dict, only: list[str], tmp: str, t0: float) -> None:
    """The sections measured on one system, started and seeded once."""
    with running_system(tmp) as bench:
        if not only:
            results["startup_s"] = time.monotonic() - t0
        seed(bench)
        print(f"system up and seeded in {time.monotonic() - t0:.0f}s (logs: {tmp})", flush=True)
        # The saga first, on the freshly seeded system, as `BENCH_BEFORE` measures the earlier
        # revision (bench/before.py runs its saga section alone): run after the other sections,
        # it measured 36.9 ms of CPU per order and a p99 of 283 ms at 50/s, alone 32.9 and 98.
        sections = [("saga", lambda: saga(bench)),
                    ("raw", lambda: {"publish": publish_rates(bench),
                                     "mysql": mysql_rates(bench)}),
                    ("gateway", lambda: gateway_overhead(bench)),
                    ("reads", lambda: catalog_reads(bench, tmp)),
                    ("read_path", lambda: run_read_path(bench, tmp)),
                    ("fanout", lambda: run_fanout(bench, log_dir=tmp, clients=FANOUT_CLIENTS))]
        unknown = set(only) - {name for name, _ in sections}
        if unknown:
            raise SystemExit(f"no such section: {', '.join(sorted(unknown))}")
        for name, section in sections:
            if only and name not in only:
                continue
            started = time.monotonic()
            results[name] = section()
            print(f"{name}: {time.monotonic() - started:.0f}s", flush=True)


def main(only: list[str]) -> None:
    """Run every section (or only those named) and write the report."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # children inherit it
    t0 = time.monotonic()
    results = {"machine": machine()}
    if only:  # the other sections keep the numbers of their last run
        results = {**json.loads((HERE / "results.json").read_text()),
                   "partial": {"sections": only, "machine": results["machine"]}}
    tmp = tempfile.mkdtemp(prefix="bookstore-bench-logs-")
    shared = [name for name in only if name not in OWN_SYSTEMS]
    if not only or shared:
        run_on_one_system(results, shared, tmp, t0)
    if not only or "tracing" in only:  # systems of its own, after that one stopped
        started = time.monotonic()
        results["tracing"] = run_tracing_overhead(tmp)
        print(f"tracing: {time.monotonic() - started:.0f}s", flush=True)
    if os.environ.get("BENCH_BEFORE"):  # after this system stopped: the two never overlap
        started = time.monotonic()
        results["before"] = run_before(os.environ["BENCH_BEFORE"])
        print(f"before ({results['before']['rev']}): {time.monotonic() - started:.0f}s",
              flush=True)
    if only:
        results["partial"]["machine"]["load_after"] = os.getloadavg()
    else:
        results["machine"]["load_after"] = os.getloadavg()
        results["total_s"] = time.monotonic() - t0
    (HERE / "results.json").write_text(json.dumps(results, indent=1, default=str))
    write_report(results, HERE)
    print(f"wrote {HERE / 'results.md'} in {time.monotonic() - t0:.0f}s", flush=True)
    if "fanout" in results and not results["fanout"]["isolation"]["ok"]:
        raise SystemExit("fan-out: order updates reached the wrong sockets or missed the "
                         "owner's (bench/results.md, section 4)")


if __name__ == "__main__":
    main(sys.argv[1:])
