"""Render results.json as bench/results.md (tables, targets, what limits each figure) + saga.svg."""
from __future__ import annotations

import math
from pathlib import Path

from .plot import saga_svg
from .readpath import LIST_PATH
from .texts import limits_text


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
             "the `order.status_changed` event. Orders/s = orders that reached PROCESSING / "
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
    lines += ["", (f"Targets: p99 placed→PROCESSING at 50 orders/s = "
              f"{_f(at50['to_processing_ms']['p99'])} ms (< 100 ms: "
              f"{_ok(at50['to_processing_ms']['p99'] < 100)}); best sustained "
              f"{_f(best)} orders/s (≥ 150: {_ok(best >= 150)})."), "",
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
              f"before it: {_f(100 * before['machine']['idle_before'], 0)} %."), "",
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
    return ["## 4. WebSocket fan-out", "",
            (f"{f['clients']} clients on the gateway's `/ws` ({f['connected']} connected in "
            f"{_f(f['connect_s'])} s), {f['broadcasts']} `POST /notify` one second apart; "
            f"{f['complete_broadcasts']} broadcasts reached every client."), "",
            "| POST /notify → | p50 ms | p99 ms | max ms |", "|---|---:|---:|---:|",
            (f"| first client | {_f(f['first_ms']['p50'])} | {_f(f['first_ms']['p99'])} | "
            f"{_f(f['first_ms']['max'])} |"),
            (f"| last client | {_f(f['last_ms']['p50'])} | {_f(f['last_ms']['p99'])} | "
            f"{_f(f['last_ms']['max'])} |"),
            (f"| every delivery | {_f(f['each_ms']['p50'])} | {_f(f['each_ms']['p99'])} | "
            f"{_f(f['each_ms']['max'])} |"), ""]


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


def write_report(r: dict, here: Path) -> None:
    """Write results.md and saga.svg into `here`."""
    (here / "saga.svg").write_text(saga_svg(r["saga"]["runs"]))
    lines = ["# Bookstore benchmarks", "", ("Generated by `make bench` (bench/run.py); raw numbers "
             "in `results.json`."), ""]
    lines += (_machine(r) + _gateway(r) + _saga(r) + _raw(r) + _fanout(r) + _reads(r)
              + _read_path(r))
    lines += limits_text(r)
    (here / "results.md").write_text("\n".join(lines) + "\n")
