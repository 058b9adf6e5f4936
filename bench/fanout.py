"""WebSocket fan-out at scale through the gateway, on one notification replica.

Several client processes hold the sockets (socket i authenticates as user i % users), spread over
two gateway processes: a gateway holds two open files per socket (the client's and the
upstream's), so one process under a hard limit of 20,000 cannot hold 10,000 sockets; the gateway
is stateless and scales out, the notification replica holds one file per socket. Measured:
resident memory and open files of the gateways and the notification service before connecting
and with every socket registered; `POST /notify` → the first and the last socket have it; and,
with everyone still connected, a few users' orders: every socket of the owner must get each of
its order's statuses, no socket of another user any (checked per client process).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from bookstore_shared.events.contracts import order_status_said

from .cpu import CpuMeter, idle_share, machine_ticks
from .stats import ROOT, summary
from .system import Bench, more_replicas, new_users
from .tap import Tap

# Open files each service keeps for everything but the sockets measured (pools, broker, logs).
FD_MARGIN = 64
IDLE_S = 5.0  # connected and quiet, before the broadcasts
SETTLE_S = 60  # longest wait for an order to be DELIVERED or its frames to arrive


def rss_kib(pid: int) -> int:
    """Resident memory (VmRSS) of a process, KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise ValueError(f"no VmRSS for {pid}")


def open_files(pid: int) -> dict:
    """Soft and hard RLIMIT_NOFILE of a process and how many descriptors it has open."""
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            soft, hard = line.split()[3:5]
    return {"soft": int(soft), "hard": int(hard), "open": len(os.listdir(f"/proc/{pid}/fd"))}


def run_fanout(bench: Bench, *, log_dir: str, clients: int = 10_000, processes: int = 4,
               gateways: int = 2, users: int = 100, broadcasts: int = 30, spacing_s: float = 2.0,
               orders: int = 5) -> dict:
    """Connect up to `clients` sockets through `gateways` gateway processes (the system's and
    `gateways - 1` more replicas, the client processes spread over them) to the one notification
    replica, broadcast, place `orders` orders; see module doc."""
    with more_replicas(bench, "gateway", gateways - 1, log_dir) as extra:
        return _fanout(bench, [(bench.url, bench.pids["gateway"][0]), *extra], clients=clients,
                       processes=processes, users=users, broadcasts=broadcasts,
                       spacing_s=spacing_s, orders=orders)


def _fanout(bench: Bench, gateways: list[tuple[str, int]], *, clients: int, processes: int,
            users: int, broadcasts: int, spacing_s: float, orders: int) -> dict:
    t0 = time.monotonic()
    people = new_users(bench, users)  # tokens fresh for this section (they expire)
    users_s = time.monotonic() - t0
    names = ["gateway"] + [f"gateway#{n}" for n in range(2, len(gateways) + 1)]
    pids = {**{name: pid for name, (_url, pid) in zip(names, gateways, strict=True)},
            "notification": bench.pids["notification"][0]}
    files = {name: open_files(pid) for name, pid in pids.items()}
    # each socket costs its gateway two descriptors (client and upstream), the notification one;
    # the client processes are spread evenly over the gateways
    per_gateway = min((files[name]["soft"] - files[name]["open"] - FD_MARGIN) // 2
                      for name in names)
    fits = min(per_gateway * len(gateways),
               files["notification"]["soft"] - files["notification"]["open"] - FD_MARGIN)
    sockets = min(clients, fits)
    rss_before = {name: rss_kib(pid) for name, pid in pids.items()}
    t0 = time.monotonic()
    urls = [url for url, _pid in gateways]
    procs, ranges = _start_clients(urls, sockets, processes, [t for _, t in people])
    ready = [json.loads(p.stdout.readline().removeprefix("ready ")) for p in procs]
    connect_s = time.monotonic() - t0
    rss_after = {name: rss_kib(pid) for name, pid in pids.items()}
    files_after = {name: open_files(pid) for name, pid in pids.items()}
    groups = {"gateway": [pid for _url, pid in gateways],  # all gateway processes together
              "notification": [pids["notification"]], "clients": [p.pid for p in procs]}
    idle = CpuMeter(groups)
    time.sleep(IDLE_S)  # connected and quiet: what keeping the sockets costs (pings)
    idle_cpu = {name: s / IDLE_S for name, s in idle.since().items()}
    busy, ticks, started = CpuMeter(groups), machine_ticks(), time.monotonic()
    sent = _broadcast(bench, broadcasts, spacing_s)
    phase_s, phase_idle = time.monotonic() - started, idle_share(ticks)
    cpu_ms = {name: 1000 * (s - idle_cpu[name] * phase_s) / broadcasts
              for name, s in busy.since().items()}
    placed, statuses = _orders(bench, orders, [h for h, _ in people])
    live = [i for r, span in zip(ready, ranges, strict=True) for i in span
            if str(i) not in r["failed"]]
    expected = sum(len(statuses[oid]) * sum(1 for i in live if i % users == owner)
                   for oid, owner in placed.items())
    frames_s = _wait_frames(procs, expected)
    results = [json.loads(p.communicate("", timeout=120)[0]) for p in procs]
    return {"clients": clients, "sockets": sockets, "processes": processes, "users": users,
            "gateways": names, "process_gateway": [names[n % len(names)]
                                                   for n in range(processes)],
            "gateway_pool": bench.env.get("BOOKSTORE_UPSTREAM_POOL_SIZE"),
            "users_s": users_s, "registered": sum(len(r["registered"]) for r in results),
            "failed": _reasons(results), "connect_s": connect_s,
            "open_files_before": files, "open_files_after": files_after,
            "rss_kib_before": rss_before, "rss_kib_after": rss_after,
            "broadcasts": broadcasts, "spacing_s": spacing_s,
            "idle_cpu_share": idle_cpu, "cpu_ms_per_broadcast": cpu_ms,
            "machine_idle_during_broadcasts": phase_idle,
            **_latency(sent, results),
            "isolation": {**_isolation(results, placed, statuses, users),
                          "expected_frames": expected, "frames_wait_s": frames_s}}


def _start_clients(urls: list[str], sockets: int, processes: int, tokens: list[str]) -> tuple:
    """Client process n connects its sockets to gateway n mod len(urls)."""
    share, extra = divmod(sockets, processes)
    procs, ranges, first = [], [], 0
    for n in range(processes):
        count = share + (n < extra)
        spec = {"url": urls[n % len(urls)].replace("http://", "ws://"), "tokens": tokens,
                "first": first, "count": count, "in_flight": 50, "timeout_s": 60, "ready_s": 600}
        procs.append(subprocess.Popen([sys.executable, "-m", "bench.wsclients", json.dumps(spec)],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                      cwd=ROOT))
        ranges.append(range(first, first + count))
        first += count
    return procs, ranges


def _reasons(results: list[dict]) -> dict[str, int]:
    """Why sockets failed to register or closed while registered (reason → sockets)."""
    out: dict[str, int] = {}
    for r in results:
        for what, reasons in (("failed", r["failed"]), ("closed", r["closed"])):
            for reason in reasons.values():
                key = f"{what}: {reason}"
                out[key] = out.get(key, 0) + 1
    return out


def _broadcast(bench: Bench, broadcasts: int, spacing_s: float) -> dict[str, float]:
    """`POST /notify` through the gateway, `spacing_s` apart; message → wall time sent."""
    sent: dict[str, float] = {}
    with httpx.Client(base_url=bench.url, headers=bench.admin, timeout=30) as client:
        for n in range(broadcasts):
            message = f"bench broadcast {n}"
            sent[message] = time.time()
            r = client.post("/notify", json={"message": message})
            assert r.status_code == 200, r.text
            time.sleep(spacing_s)
    return sent


def _orders(bench: Bench, orders: int, users: list[dict]) -> tuple[dict[int, int], dict[int, list]]:
    """One order each for `orders` users spread over the token indices, followed on the bus to
    DELIVERED: ({order_id: owner's token index}, {order_id: its statuses in bus order})."""
    placed: dict[int, int] = {}
    statuses: dict[int, list[str]] = {}
    with Tap(bench.infra.rabbitmq_url, bench.instance) as tap, \
            httpx.Client(base_url=bench.url, timeout=30) as client:
        for k in range(orders):
            owner = k * len(users) // orders
            r = client.post("/orders", headers=users[owner],
                            json={"book_id": bench.books[k], "quantity": 1})
            assert r.status_code in (200, 201, 202), r.text
            placed[r.json()["order_id"]] = owner
            statuses[r.json()["order_id"]] = []
        deadline = time.monotonic() + SETTLE_S
        while time.monotonic() < deadline:
            for _arrived, env in tap.take():
                oid = env["data"].get("order_id")
                status = order_status_said(env["type"], env["data"])
                if status and oid in placed:
                    statuses[oid].append(status)
            if all("DELIVERED" in s for s in statuses.values()):
                break
            time.sleep(0.2)
    return placed, statuses


def _wait_frames(procs: list, expected: int) -> float:
    """Until the clients hold `expected` order_status frames in all (or SETTLE_S); then one more
    second for frames that should not come at all. Returns the wait in seconds."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < SETTLE_S:
        got = 0
        for p in procs:
            p.stdin.write("count\n")
            p.stdin.flush()
            got += int(p.stdout.readline())
        if got >= expected:
            break
        time.sleep(0.2)
    waited = time.monotonic() - t0
    time.sleep(1.0)
    return waited


def _latency(sent: dict[str, float], results: list[dict]) -> dict:
    """POST /notify → first socket, last socket, every delivery (ms) over the broadcasts."""
    registered = sum(len(r["registered"]) for r in results)
    first, last, every, each = [], [], [], []
    complete = 0
    for message, t0 in sent.items():
        times = [t for r in results for t in r["received"].get(message, [])]
        each.append({"received": len(times)})
        if not times:
            continue
        complete += len(times) == registered
        first.append((min(times) - t0) * 1000)
        last.append((max(times) - t0) * 1000)
        every += [(t - t0) * 1000 for t in times]
        each[-1].update(first_ms=first[-1], last_ms=last[-1])
    return {"complete_broadcasts": complete, "first_ms": summary(first),
            "last_ms": summary(last), "each_ms": summary(every), "per_broadcast": each}


def _isolation(results: list[dict], placed: dict[int, int], statuses: dict[int, list],
               users: int) -> dict:
    """Per client process: sockets of the orders' owners that got every status of each of their
    orders, and frames that reached a socket of another user (must be none)."""
    owners = {owner: {oid for oid, o in placed.items() if o == owner} for owner in placed.values()}
    per_process = []
    for r in results:
        row = {"sockets": len(r["registered"]), "owner_sockets": 0, "complete": 0, "missing": 0,
               "other_sockets": 0, "stray_frames": 0, "stray_sockets": 0,
               "closed": len(r["closed"])}
        for index in r["registered"]:
            user = index % users
            got = r["orders"].get(str(index), [])
            stray = [f for f in got if placed.get(f[0]) != user]
            row["stray_frames"] += len(stray)
            row["stray_sockets"] += bool(stray)
            if user not in owners:
                row["other_sockets"] += 1
                continue
            row["owner_sockets"] += 1
            mine = {(oid, s) for oid, s in got}
            want = {(oid, s) for oid in owners[user] for s in statuses[oid]}
            ok = want <= mine
            row["complete"] += ok
            row["missing"] += not ok
        per_process.append(row)
    ok = all(r["missing"] == 0 and r["stray_frames"] == 0 for r in per_process) and all(statuses.values()) and \
        sum(r["owner_sockets"] for r in per_process) > 0
    return {"ok": ok, "orders": [{"order_id": oid, "owner": owner, "statuses": statuses[oid]}
                                 for oid, owner in placed.items()],
            "per_process": per_process}
