"""Render results.json as bench/results.md (tables, targets, what limits each figure) + saga.svg."""
from __future__ import annotations

import math
from pathlib import Path

from .fanout import FD_MARGIN
from .plot import saga_svg
from .readpath import LIST_PATH
from .texts import (
    BASELINE_CPU_MS_AT_50,
    BASELINE_REV,
    TARGET_CPU_MS_AT_50,
    TARGET_ORDERS_PER_S,
    limits_text,
)


def _f(x, digits: int = 1) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{x:,.{digits}f}"


def _ok(flag: bool) -> str:
    return "met" if flag else "**not met**"


def _machine(r: dict) -> list[str]:
    m = r["machine"]
    return [(f"Measured {m['started']} on {m['cpus']} CPUs (Python {m['python']}), every service "
            f"one process on 127.0.0.1 with MariaDB and RabbitMQ on the same machine. CPUs idle "
            f"just before the run: {_f(100 * m['idle_before'], 0)} %. Load average before the "
            f"run {_f(m['load_before'][0], 2)} (1 min), after {_f(m['load_after'][0], 2)}. "
            f"Whole run {_f(r['total_s'], 0)} s."), ""]


def _gateway(r: dict) -> list[str]:
    g = r["gateway"]
    wd, wg, rd, rg = g["wrk_direct"], g["wrk_gateway"], g["rate_direct"], g["rate_gateway"]
    ratio = wg["rps"] / wd["rps"]
    add50, add99 = rg["p50"] - rd["p50"], rg["p99"] - rd["p99"]
    return [
        "## 1. Gateway overhead", "",
        (f"`GET {g['path']}` (100 books, ~14 KB of JSON), same tools, same run. Throughput: wrk, "
        f"1 thread, 16 connections, 5 s each. Latency: fixed arrival rate {g['rate']} req/s "
        f"(aiohttp open-loop generator, own process), {g.get('rounds', 1)} alternating rounds of "
        f"5 s per side, {rd['n']} and {rg['n']} requests."), "",
        "| | direct (catalog) | through gateway | |",
        "|---|---:|---:|---|",
        (f"| wrk requests/s | {_f(wd['rps'])} | {_f(wg['rps'])} | ratio **{ratio:.2f}×** "
        f"(target ≥ 0.8×: {_ok(ratio >= 0.8)}) |"),
        (f"| wrk p50 / p99 ms | {_f(wd.get('p50'))} / {_f(wd.get('p99'))} | "
        f"{_f(wg.get('p50'))} / {_f(wg.get('p99'))} | |"),
        (f"| {g['rate']} req/s p50 ms | {_f(rd['p50'], 2)} | {_f(rg['p50'], 2)} | added "
        f"**{_f(add50, 2)} ms** |"),
        (f"| {g['rate']} req/s p99 ms | {_f(rd['p99'], 2)} | {_f(rg['p99'], 2)} | added "
        f"**{_f(add99, 2)} ms** (target < 2 ms: {_ok(add99 < 2)}) |"), ""]


def _saga(r: dict) -> list[str]:
    runs = r["saga"]["runs"]
    lines = ["## 2. Order saga", "",
             ("`POST /orders` (one item, 20 users, 100 books) through the gateway; shipping delays "
             "0. Times come from the events on the exchange (a tap queue bound to `#`): "
             "*placed* is the client's send time, *PROCESSING*/*DELIVERED* the `occurred_at` of "
             "the order event that says the status (`order.confirmed`, `order.status_changed`). "
             "Orders/s = orders that reached PROCESSING / "
             "(last PROCESSING − first send)."), "",
             ("| arrival | placed | reached PROCESSING | orders/s to PROCESSING | HTTP p50/p99 ms "
             "| →PROCESSING p50 / p90 / p99 ms | →DELIVERED p50 / p99 ms |"),
             "|---|---:|---:|---:|---:|---:|---:|"]
    for run in runs:
        label = f"{run['rate']}/s" if run["rate"] else "saturation (64 in flight)"
        h, p, d = run["http_ms"], run["to_processing_ms"], run["to_delivered_ms"]
        lines.append(f"| {label} | {run['placed']} | {run['processing']} | "
                     f"{_f(run['processing_per_s'])} | {_f(h['p50'])} / {_f(h['p99'])} | "
                     f"{_f(p['p50'])} / {_f(p['p90'])} / {_f(p['p99'])} | "
                     f"{_f(d['p50'])} / {_f(d['p99'])} |")
    at50 = next(x for x in runs if x["rate"] == 50)
    best = max(x["processing_per_s"] for x in runs)
    cpu50 = sum(at50["cpu_ms_per_order"].values())
    lines += ["", (f"Targets: p99 placed→PROCESSING at 50 orders/s = "
              f"{_f(at50['to_processing_ms']['p99'])} ms (< 100 ms: "
              f"{_ok(at50['to_processing_ms']['p99'] < 100)}); best sustained "
              f"{_f(best)} orders/s (≥ {TARGET_ORDERS_PER_S}: {_ok(best >= TARGET_ORDERS_PER_S)}); "
              f"CPU per order at 50 orders/s, all processes = {_f(cpu50)} ms "
              f"(≤ {TARGET_CPU_MS_AT_50} ms: {_ok(cpu50 <= TARGET_CPU_MS_AT_50)}"
              f"{_cpu_side_by_side(r, cpu50)})."), "",
              "![latency to PROCESSING and DELIVERED by arrival rate](saga.svg)", "",
              "### Where the time goes (per hop, ms, p50 / p99)", "",
              "| hop | " + " | ".join(_label(x) for x in runs) + " |",
              "|---|" + "---:|" * len(runs)]
    for hop in runs[0]["hops_ms"]:
        cells = [f"{_f(x['hops_ms'][hop]['p50'])} / {_f(x['hops_ms'][hop]['p99'])}"
                 for x in runs]
        lines.append(f"| {hop} | " + " | ".join(cells) + " |")
    lines += ["", ("Outbox relay delay: from `occurred_at` (staged in the transaction) to the "
              "event reaching the tap's queue (commit + relay wake-up + publish):"), "",
              "| event | " + " | ".join(_label(x) for x in runs) + " |",
              "|---|" + "---:|" * len(runs)]
    for key in runs[0]["relay_ms"]:
        cells = [f"{_f(x['relay_ms'][key]['p50'])} / {_f(x['relay_ms'][key]['p99'])}"
                 for x in runs]
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return lines + [""] + _costs(r) + _before_after(r)


def _costs(r: dict) -> list[str]:
    runs, cpus = r["saga"]["runs"], r["machine"]["cpus"]
    lines = ["### What one order costs the machine", "",
             ("Per order, from the first `POST /orders` to the last DELIVERED: events on the "
              "exchange (the tap), MySQL COMMITs and statements (server-wide `SHOW GLOBAL "
              "STATUS`), and CPU time of each process (`/proc`). The ceiling is what the "
              f"{cpus} CPUs could sustain if nothing but the saga ran: {cpus} × 1000 ms / "
              "total CPU ms per order."), "",
             "| per order | " + " | ".join(_label(x) for x in runs) + " |",
             "|---|" + "---:|" * len(runs)]
    for key, label in (("events", "events published"), ("commits", "MySQL COMMITs"),
                       ("statements", "MySQL statements")):
        lines.append(f"| {label} | " + " | ".join(_f(x["per_order"][key]) for x in runs) + " |")
    names = sorted(runs[0]["cpu_ms_per_order"], key=lambda n: -runs[-1]["cpu_ms_per_order"][n])
    for name in names:
        lines.append(f"| CPU ms: {name} | " + " | ".join(
            _f(x["cpu_ms_per_order"][name]) for x in runs) + " |")
    totals = [sum(x["cpu_ms_per_order"].values()) for x in runs]
    lines.append("| **CPU ms: all processes** | " + " | ".join(f"**{_f(t)}**" for t in totals)
                 + " |")
    lines.append("| ceiling, orders/s | " + " | ".join(_f(cpus * 1000 / t) for t in totals)
                 + " |")
    idle = r["saga"].get("idle_cpu_share")
    if idle:
        lines += ["", (f"The idle system (no load, {len(idle)} processes: pollers, heartbeats, "
                       f"consumer loops) uses {_f(100 * sum(idle.values()))} % of one CPU; at "
                       "low rates that cost is shared by fewer orders, which is why the "
                       "per-order figures are higher at 25/s.")]
    return lines + [""]


def _before_after(r: dict) -> list[str]:
    before = r.get("before")
    if not before:
        return []
    old = {_label(x): x for x in before["saga"]["runs"]}

    def total(run: dict) -> float:
        return sum(run["cpu_ms_per_order"].values())

    def change(a: float, b: float) -> str:
        return f"{_f(a)} → **{_f(b)}** ({_f(100 * (b - a) / a, 0)} %)" if a else _f(b)

    lines = ["### Before and after, side by side", "",
             (f"The same saga benchmark run in this session, on this machine, right after the "
              f"run above, by revision `{before['rev']}` (its own services and bench code; "
              f"`BENCH_BEFORE={before['rev']} make bench`, bench/before.py). CPUs idle just "
              f"before it: {_f(100 * before['machine']['idle_before'], 0)} %. This bench waits "
              "for the seeded books' summaries before it measures; a revision whose bench does "
              "not may still be summarizing its 100 uploads during its first (25/s) run."), "",
             ("| arrival | CPU ms per order, all processes | MySQL COMMITs per order | "
              "events per order | orders/s to PROCESSING | p99 placed→PROCESSING ms |"),
             "|---|---:|---:|---:|---:|---:|"]
    for run in r["saga"]["runs"]:
        prev = old.get(_label(run))
        if prev is None:
            continue
        lines.append(
            f"| {_label(run)} | {change(total(prev), total(run))} | "
            f"{change(prev['per_order']['commits'], run['per_order']['commits'])} | "
            f"{_f(prev['per_order']['events'])} → {_f(run['per_order']['events'])} | "
            f"{_f(prev['processing_per_s'])} → **{_f(run['processing_per_s'])}** | "
            f"{_f(prev['to_processing_ms']['p99'])} → **{_f(run['to_processing_ms']['p99'])}** |")
    return lines + [""]


def _cpu_side_by_side(r: dict, cpu50: float) -> str:
    """The CPU target as the share of the baseline revision's CPU per order it asked for,
    measured side by side in this session (empty without such a run)."""
    before = r.get("before")
    then50 = next((x for x in before["saga"]["runs"] if x["rate"] == 50), None) if before \
        else None
    if then50 is None or not BASELINE_REV.startswith(before["rev"]):
        return ""
    low, high = BASELINE_CPU_MS_AT_50
    base = sum(then50["cpu_ms_per_order"].values())
    share, strictest = cpu50 / base, TARGET_CPU_MS_AT_50 / high
    return (f" on this machine, where `{before['rev']}` costs {_f(base)} ms per order side by "
            f"side against the {low}–{high} ms the target was set on; as a share of it the "
            f"target asks at most {_f(100 * strictest, 1)}–{_f(100 * TARGET_CPU_MS_AT_50 / low, 1)}"
            f" %, this code costs {_f(100 * share, 1)} %: {_ok(share <= strictest)} at the "
            "strictest")


def _label(run: dict) -> str:
    return f"{run['rate']}/s" if run["rate"] else "saturation"


def _raw(r: dict) -> list[str]:
    p, m = r["raw"]["publish"], r["raw"]["mysql"]
    best_run = max(r["saga"]["runs"], key=lambda x: x["processing_per_s"])
    best, cost = best_run["processing_per_s"], best_run["per_order"]
    return ["## 3. Raw limits (same run)", "",
            "| what | per second | |", "|---|---:|---|",
            (f"| pika publish + confirm, one at a time (BlockingConnection) | "
            f"{_f(p['one_at_a_time_per_s'], 0)} | {_f(p['round_trip_ms'], 2)} ms per round trip |"),
            f"| pika publish, pipelined confirms, batches of 10 | {_f(p['batch_10_per_s'], 0)} | |",
            (f"| pika publish, pipelined confirms, batches of 100 | "
            f"{_f(p['batch_100_per_s'], 0)} | what the outbox relay now does |"),
            (f"| MySQL single-row INSERT+COMMIT, 1 connection | {_f(m['tx_per_s_1_conn'], 0)} | "
            f"{_f(m['commit_ms_1_conn'], 2)} ms per durable commit |"),
            (f"| MySQL single-row INSERT+COMMIT, 8 connections | {_f(m['tx_per_s_8_conn'], 0)} | "
            "group commit |"), "",
            (f"The saga's best {_f(best)} orders/s, at the {_f(cost['commits'])} COMMITs and "
             f"{_f(cost['events'])} published events per order measured above, is "
             f"≈ {_f(best * cost['commits'], 0)} commits/s = "
             f"{_f(100 * best * cost['commits'] / m['tx_per_s_8_conn'], 0)} % of the "
             f"8-connection MySQL figure and ≈ {_f(best * cost['events'], 0)} publishes/s = "
             f"{_f(100 * best * cost['events'] / p['batch_100_per_s'], 0)} % of pipelined "
             "publishing."), ""]


def _fanout(r: dict) -> list[str]:
    f = r["fanout"]
    partial = r.get("partial") or {}
    m = partial["machine"] if "fanout" in partial.get("sections", ()) else r["machine"]
    alone = "fanout" in partial.get("sections", ())
    per_proc = f["sockets"] // f["processes"]
    gateways = f.get("gateways", ["gateway"])
    lines = [f"## 4. WebSocket fan-out: {f['sockets']:,} sockets on one notification replica", "",
             ((f"Measured {m['started']} by `python -m bench.run fanout` (this section alone, on "
               "a fresh system)" if alone else "Same run as above") +
              f", {m['cpus']} CPUs: the {f['processes']} client processes (aiohttp, ~{per_proc:,} "
              f"sockets each) share the machine with the gateway{'s' if len(gateways) > 1 else ''},"
              " the notification service, the "
              "other services, MariaDB and RabbitMQ, so every figure includes the clients' own "
              f"CPU. CPUs idle just before: {_f(100 * m['idle_before'], 0)} %, load average "
              f"{_f(m['load_before'][0], 2)} before and {_f(m['load_after'][0], 2)} after."), ""]
    g = f["open_files_before"]["gateway"]
    pool = (f"The gateway ran with `BOOKSTORE_UPSTREAM_POOL_SIZE={f['gateway_pool']}` (before "
            "its WebSockets had an upstream session of their own, each held a slot of the HTTP "
            "pool). " if f.get("gateway_pool") else
            "The gateway opens its upstream WebSockets with a session of their own, without "
            "a limit (its HTTP pool stays free for requests). ")
    lines += [(f"Open files: every service raises its soft limit to the hard one at start "
               f"({g['hard']:,} here). " + pool), ""]
    if len(gateways) > 1:
        n = f["open_files_after"]["notification"]["open"]
        shares = ", ".join(f"{f['process_gateway'].count(name)} to {name}" for name in gateways)
        lines += [(f"**{len(gateways)} gateway processes, one notification replica.** A socket "
                   "costs its gateway two open files (the client's and the upstream's) and the "
                   f"notification service one: one gateway process under a hard limit of "
                   f"{g['hard']:,} holds at most {(g['hard'] - g['open'] - FD_MARGIN) // 2:,} "
                   "sockets. The gateway shares no state between replicas (each loads the "
                   "revoked sessions over a queue of its own; rate limits count per replica), so "
                   "it scales out: the bench starts "
                   + ("a second gateway process" if len(gateways) == 2 else
                      f"{len(gateways) - 1} more gateway processes")
                   + ", same settings, each on a port of its own, and gives each gateway the "
                   "same share of the client processes "
                   f"({shares}), as a load balancer in front of the replicas would. "
                   f"The one notification replica holds every socket: {n:,} open files with "
                   f"all connected, under its limit of "
                   f"{f['open_files_after']['notification']['soft']:,}."), ""]
    if f["sockets"] < f["clients"]:
        lines += [(f"**{f['clients']:,} sockets were asked for, {f['sockets']:,} opened**: each "
                   "socket costs its gateway two open files (the client's and the upstream's) "
                   f"and the limit is {g['soft']:,} (soft) / {g['hard']:,} (hard); the bench "
                   f"keeps {FD_MARGIN} for everything else. {f['clients']:,} sockets over "
                   f"{len(gateways)} gateway process{'es' if len(gateways) > 1 else ''} need "
                   f"each one's limit at ≥ "
                   f"{2 * -(-f['clients'] // len(gateways)) + g['open'] + FD_MARGIN:,}."), ""]
    failed = ", ".join(f"{n} {why}" for why, n in sorted(f["failed"].items())) or "none"
    lines += [(f"{f['sockets']:,} sockets through the gateway's `/ws` over {f['users']} users "
               f"(socket *i* uses user *i* mod {f['users']}'s token: ~{f['sockets'] // f['users']}"
               f" sockets per user; registering the users took {_f(f['users_s'])} s of argon2). "
               f"{f['registered']:,} registered — answered a `ping` through the gateway, which "
               f"the notification service does only once the socket is in its hub — in "
               f"{_f(f['connect_s'])} s (at most 50 handshakes in flight per process). Failed or "
               f"dropped: {failed}."), "",
              "| | open files limit (soft / hard) | open before | open, all connected |",
              "|---|---:|---:|---:|"]
    for name in (*gateways, "notification"):
        b, a = f["open_files_before"][name], f["open_files_after"][name]
        lines.append(f"| {name} | {b['soft']:,} / {b['hard']:,} | {b['open']:,} | "
                     f"{a['open']:,} |")
    lines += ["", ("| resident memory (VmRSS) | before connecting MiB | all connected MiB | "
                   "its sockets | per socket KiB |"), "|---|---:|---:|---:|---:|"]
    for name in (*gateways, "notification"):
        b, a = f["rss_kib_before"][name], f["rss_kib_after"][name]
        held = f["registered"] if name == "notification" else _held(f, name)
        lines.append(f"| {name} | {_f(b / 1024)} | {_f(a / 1024)} | {held:,} | "
                     f"**{_f((a - b) / max(1, held))}** |")
    last99 = f["last_ms"]["p99"]
    lines += ["", (f"{f['broadcasts']} `POST /notify` (admin, through the gateway) "
                   f"{_f(f['spacing_s'], 0)} s apart; {f['complete_broadcasts']} of them reached "
                   f"every registered socket. Times are the clients' receive times (same clock)."),
              "", "| POST /notify → | p50 ms | p99 ms | max ms |", "|---|---:|---:|---:|"]
    for key, label in (("first_ms", "first socket"), ("last_ms", "last socket"),
                       ("each_ms", "every delivery")):
        x = f[key]
        lines.append(f"| {label} | {_f(x['p50'])} | {_f(x['p99'])} | {_f(x['max'])} |")
    each = f["per_broadcast"]
    cpu, idle = f["cpu_ms_per_broadcast"], f["idle_cpu_share"]
    lines += ["", "Each broadcast, in the order sent (ms):", "",
              "| | " + " | ".join(str(n + 1) for n in range(len(each))) + " |",
              "|---|" + "---:|" * len(each),
              "| first socket | " + " | ".join(_f(x.get("first_ms"), 0) for x in each) + " |",
              "| last socket | " + " | ".join(_f(x.get("last_ms"), 0) for x in each) + " |", "",
              (f"CPU per broadcast (`/proc`, above the cost of holding the sockets idle): "
               f"gateway{'s (all processes)' if len(gateways) > 1 else ''} "
               f"{_f(cpu['gateway'], 0)} ms, notification {_f(cpu['notification'], 0)} ms, "
               f"client processes {_f(cpu['clients'], 0)} ms. Holding the sockets idle "
               f"(WebSocket pings every 20 s each way) costs the "
               f"gateway{'s (all processes)' if len(gateways) > 1 else ''} "
               f"{_f(100 * idle['gateway'])} %, the notification service "
               f"{_f(100 * idle['notification'])} % and the clients {_f(100 * idle['clients'])} %"
               f" of one CPU. The machine's CPUs were "
               f"{_f(100 * f['machine_idle_during_broadcasts'], 0)} % idle during the broadcasts."),
              "", (f"Target: p99 to the last socket < 1 s: **{_f(last99, 0)} ms**, "
                   f"{_ok(last99 < 1000)} (with {len(each)} broadcasts the p99 lies between the "
                   f"two slowest; the median is {_f(f['last_ms']['p50'], 0)} ms)."), ""]
    return lines + _isolation(f)


def _held(f: dict, gateway: str) -> int:
    """Registered sockets of the client processes that connected through `gateway`."""
    rows = f["isolation"]["per_process"]
    return sum(row["sockets"] for row, via in zip(rows, f["process_gateway"], strict=True)
               if via == gateway)


def _isolation(f: dict) -> list[str]:
    iso = f["isolation"]
    rows = iso["per_process"]
    total = {k: sum(x[k] for x in rows) for k in rows[0]}
    orders = "; ".join(f"order {o['order_id']} → user {o['owner']}: "
                       f"{' → '.join(o['statuses']) or 'no status seen'}" for o in iso["orders"])
    verdict = ("**passed**: every socket of each owner got every status of its order, no "
               "socket of another user got any" if iso["ok"] else
               "**FAILED**: see the missing and stray columns")
    lines = ["### Per-user order updates with everyone connected", "",
             (f"With all sockets still open, {len(iso['orders'])} users placed one order each "
              f"({orders}; statuses as published on the bus). The clients recorded every "
              "`order_status` frame with the socket's index; the bench waited until the owners' "
              f"sockets held the {iso['expected_frames']:,} frames expected "
              f"({_f(iso['frames_wait_s'])} s after the last DELIVERED on the bus), then 1 s more for frames that should not come. "
              f"Check {verdict}."), "",
             ("| client process | sockets | owners' sockets | got every status | missing some "
              "| other users' sockets | frames at another user's socket (sockets) "
              "| closed while connected |"),
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for n, x in enumerate([*rows, total]):
        name = "**all**" if n == len(rows) else str(n + 1)
        lines.append(f"| {name} | {x['sockets']:,} | {x['owner_sockets']:,} | {x['complete']:,} "
                     f"| {x['missing']:,} | {x['other_sockets']:,} | {x['stray_frames']:,} "
                     f"({x['stray_sockets']:,}) | {x['closed']:,} |")
    return lines + [""]


def _reads(r: dict) -> list[str]:
    g, d = r["reads"]["gateway"], r["reads"]["direct"]
    return ["## 5. Catalog read path", "",
            "`GET /books/{id}` over the 100 ids (wrk, 1 thread, 16 connections, 5 s).", "",
            "| | requests/s | p50 ms | p99 ms |", "|---|---:|---:|---:|",
            f"| through gateway | **{_f(g['rps'])}** | {_f(g.get('p50'))} | {_f(g.get('p99'))} |",
            f"| direct (catalog) | {_f(d['rps'])} | {_f(d.get('p50'))} | {_f(d.get('p99'))} |", ""]


def _read_path(r: dict) -> list[str]:
    p = r.get("read_path")
    if not p:
        return []
    floor, item, page = p["floor"], p["item"], p["list"]
    item_ratio, list_ratio = item["rps"] / floor["rps"], page["rps"] / item["rps"]
    partial = r.get("partial", {})
    when = (f"Measured {p['started']} by `python -m bench.run read_path` (this section alone, "
            "on a fresh system; CPUs idle just before: "
            f"{_f(100 * partial['machine']['idle_before'], 0)} %)."
            + " Sections 1 and 5 are from the full run above, taken before the catalog served "
            "reads from memory." if "read_path" in partial.get("sections", ())
            else "Same run as above.")
    return ["## 6. Catalog reads against the gateway's floor", "",
            (f"All through the gateway, services mode, {p['books']} books; wrk, 1 thread, "
             f"16 connections, {p['seconds']} s per run, {p['rounds']} alternating rounds "
             f"(floor, item, list), medians. The list is {_f(p['list_bytes'] / 1024)} KB of "
             f"JSON (X-Total-Count {p['list_total']}). {when}"), "",
            "| request | requests/s | p50 ms | p99 ms | |", "|---|---:|---:|---:|---|",
            (f"| gateway `GET /healthz` (the floor) | {_f(floor['rps'])} | {_f(floor['p50'], 2)} "
             f"| {_f(floor['p99'], 2)} | |"),
            (f"| `GET /books/{{id}}` | **{_f(item['rps'])}** | {_f(item['p50'], 2)} | "
             f"{_f(item['p99'], 2)} | **{item_ratio:.2f}×** the floor (target ≥ 0.4×: "
             f"{_ok(item_ratio >= 0.4)}) |"),
            (f"| `GET {LIST_PATH}` | **{_f(page['rps'])}** | {_f(page['p50'], 2)} | "
             f"{_f(page['p99'], 2)} | **{list_ratio:.2f}×** an item read (target ≥ 0.7×: "
             f"{_ok(list_ratio >= 0.7)}) |"), "",
            "Every round (requests/s):", "",
            "| round | floor | item | list |", "|---|---:|---:|---:|",
            *[f"| {n + 1} | {_f(a['rps'])} | {_f(b['rps'])} | {_f(c['rps'])} |"
              for n, (a, b, c) in enumerate(zip(floor["runs"], item["runs"], page["runs"],
                                                strict=True))], ""]


def _tracing(r: dict) -> list[str]:
    t = r.get("tracing")
    if not t:
        return []
    off, on = t["off"], t["on"]
    names = sorted(set(off["cpu_ms_per_order"]) | set(on["cpu_ms_per_order"]))
    rows = [f"| {n} | {_f(off['cpu_ms_per_order'].get(n, 0), 2)} | "
            f"{_f(on['cpu_ms_per_order'].get(n, 0), 2)} |" for n in names]
    return ["## 7. What tracing costs", "",
            (f"The saga at {_f(t['rate'], 0)} orders/s for {_f(t['seconds'], 0)} s (after a 3 s "
             "warm-up) on two fresh systems, one after the other: without "
             "`OTEL_EXPORTER_OTLP_ENDPOINT` (the default: no SDK is loaded), and exporting every "
             "span (sampler `parentbased_always_on`, batches sent every second over OTLP/HTTP "
             "to a local receiver that decodes and counts them; "
             f"{_f(on['spans_per_order'], 0)} spans per order)."), "",
            (f"**CPU per order, all processes: {_f(off['cpu_total'], 1)} ms off, "
             f"{_f(on['cpu_total'], 1)} ms with every span exported "
             f"({_f(100 * t['overhead'], 0)} % more).** Placed→PROCESSING p50 / p99: "
             f"{_f(off['to_processing_ms']['p50'], 0)} / {_f(off['to_processing_ms']['p99'], 0)}"
             f" ms off, {_f(on['to_processing_ms']['p50'], 0)} / "
             f"{_f(on['to_processing_ms']['p99'], 0)} ms on."), "",
            "| process | CPU ms per order, off | on |", "|---|---:|---:|", *rows, ""]


def write_report(r: dict, here: Path) -> None:
    """Write results.md and saga.svg into `here`."""
    (here / "saga.svg").write_text(saga_svg(r["saga"]["runs"]))
    lines = ["# Bookstore benchmarks", "", ("Generated by `make bench` (bench/run.py); raw numbers "
             "in `results.json`."), ""]
    lines += (_machine(r) + _gateway(r) + _saga(r) + _raw(r) + _fanout(r) + _reads(r)
              + _read_path(r) + _tracing(r))
    lines += limits_text(r)
    (here / "results.md").write_text("\n".join(lines) + "\n")
