"""What each order costs the machine: CPU time per process (from /proc) and MySQL statements."""
from __future__ import annotations

import os

import pymysql

# Infrastructure processes on the same machine, found by their command name.
INFRA = {"mariadbd": "MariaDB", "mysqld": "MariaDB", "beam.smp": "RabbitMQ"}
_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_s(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


def infrastructure_pids() -> dict[str, list[int]]:
    """MariaDB's and RabbitMQ's processes on this machine (empty where /proc shows none)."""
    found: dict[str, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as f:
                name = INFRA.get(f.read().strip())
        except OSError:
            continue
        if name:
            found.setdefault(name, []).append(int(entry))
    return found


class CpuMeter:
    """Snapshots CPU seconds of named process groups; `since()` gives the difference."""

    def __init__(self, groups: dict[str, list[int]]):
        self.groups = groups
        self._start = self._read()

    def _read(self) -> dict[str, float]:
        return {name: sum(s for pid in pids if (s := _cpu_s(pid)) is not None)
                for name, pids in self.groups.items()}

    def since(self) -> dict[str, float]:
        now = self._read()
        return {name: now[name] - self._start.get(name, 0.0) for name in now}


MYSQL_COUNTERS = ("Com_commit", "Questions")


def mysql_counters(mysql_url: str) -> dict[str, int]:
    """Server-wide COMMITs and statements so far (SHOW GLOBAL STATUS)."""
    from sqlalchemy.engine import make_url

    url = make_url(mysql_url)
    conn = pymysql.connect(host=url.host, port=url.port or 3306, user=url.username,
                           password=url.password or "")
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW GLOBAL STATUS WHERE Variable_name IN %s", (MYSQL_COUNTERS,))
            return {name: int(value) for name, value in cur.fetchall()}
    finally:
        conn.close()


def machine_ticks() -> tuple[int, int]:
    """(idle + iowait, all) CPU ticks of the whole machine so far (/proc/stat)."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:]]
    return ticks[3] + ticks[4], sum(ticks)


def idle_share(since: tuple[int, int]) -> float:
    """The share of all CPUs left idle since `machine_ticks()` returned `since`."""
    idle, total = machine_ticks()
    return (idle - since[0]) / max(1, total - since[1])


def machine_idle_share(seconds: float = 2.0) -> float:
    """The share of all CPUs left idle over `seconds` (from /proc/stat): how quiet the machine is."""
    import time

    start = machine_ticks()
    time.sleep(seconds)
    return idle_share(start)
