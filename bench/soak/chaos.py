"""The chaos loop: every 30–60 s (seeded) one fault, logged with its time and how long it took.

Faults touch only this system's processes and connections, except the broker restart, which
restarts the RabbitMQ application for everyone on the machine (run the soak alone)."""
from __future__ import annotations

import random
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field

from sqlalchemy import create_engine, text

from .cluster import Cluster

KINDS = ("kill", "broker_connections", "mysql_connections", "pause", "broker_restart")
PAUSE_S = 10.0


@dataclass
class Fault:
    """One injected fault: seconds since the soak started, what, on whom, and its end."""

    at: float
    kind: str
    target: str
    ended: float = 0.0
    detail: str = ""


def rabbitmqctl(*args: str, timeout: float = 120) -> str:
    return subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, text=True,
                          timeout=timeout).stdout


def broker_ports_of(pids: set[int]) -> set[int]:
    """Local ports of the AMQP connections these processes hold (from `ss`)."""
    out = subprocess.run(["ss", "-tnpH", "( dport = :5672 )"], capture_output=True, text=True,
                         check=True).stdout
    ports = set()
    for line in out.splitlines():
        local = line.split()[3]
        if any(int(p) in pids for p in re.findall(r"pid=(\d+)", line)):
            ports.add(int(local.rsplit(":", 1)[1]))
    return ports


@dataclass
class Chaos:
    """Runs in its own thread until `stop()`; `faults` is the log."""

    cluster: Cluster
    mysql_url: str
    instance: str
    seed: int
    every: tuple[float, float] = (30.0, 60.0)
    kinds: tuple[str, ...] = KINDS
    t0: float = field(default_factory=time.monotonic)
    faults: list[Fault] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> Chaos:
        self._thread = threading.Thread(target=self._run, name="chaos", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(300)

    def _run(self) -> None:
        rng = random.Random(self.seed)
        actions: dict[str, Callable[[random.Random], str]] = {
            "kill": self._kill, "broker_connections": self._broker_connections,
            "mysql_connections": self._mysql_connections, "pause": self._pause,
            "broker_restart": self._broker_restart}
        cycle: list[str] = []
        while not self._stop.wait(rng.uniform(*self.every)):
            if not cycle:  # every kind once per cycle, in a seeded order
                cycle = rng.sample(self.kinds, len(self.kinds))
            kind = cycle.pop()
            fault = Fault(at=time.monotonic() - self.t0, kind=kind, target="")
            try:
                fault.target = actions[kind](rng)
            except Exception as exc:  # noqa: BLE001 — an injection that failed is reported
                self.errors.append(f"{kind} at {fault.at:.0f} s: {type(exc).__name__}: {exc}")
            fault.ended = time.monotonic() - self.t0
            self.faults.append(fault)

    def _victim(self, rng: random.Random) -> str:
        return rng.choice(sorted(self.cluster.members))

    def _kill(self, rng: random.Random) -> str:
        name = self._victim(rng)
        self.cluster.kill_and_restart(name)
        return name

    def _pause(self, rng: random.Random) -> str:
        name = self._victim(rng)
        self.cluster.signal(name, signal.SIGSTOP)
        try:
            time.sleep(PAUSE_S)
        finally:
            self.cluster.signal(name, signal.SIGCONT)
        return name

    def _broker_connections(self, _rng: random.Random) -> str:
        """Every AMQP connection of the system's processes, closed by the broker at once."""
        ports = broker_ports_of(set(self.cluster.pids().values()))
        expr = (f"Ports = {sorted(ports)}, length([rabbit_networking:close_connection("
                'proplists:get_value(pid, I), "soak: closed by chaos") || '
                "I <- rabbit_networking:connection_info_all([pid, peer_port]), "
                "lists:member(proplists:get_value(peer_port, I), Ports)]).")
        closed = rabbitmqctl("eval", expr).strip()
        return f"{closed} connections"

    def _mysql_connections(self, _rng: random.Random) -> str:
        engine = create_engine(self.mysql_url, pool_size=1)
        try:
            with engine.connect() as conn:
                ids = conn.execute(text(
                    "SELECT ID FROM information_schema.PROCESSLIST WHERE DB LIKE :p"),
                    {"p": f"{self.instance}\\_%"}).scalars().all()
                for conn_id in ids:
                    with suppress(Exception):  # it may have ended by itself meanwhile
                        conn.execute(text(f"KILL {int(conn_id)}"))
            return f"{len(ids)} connections"
        finally:
            engine.dispose()

    def _broker_restart(self, _rng: random.Random) -> str:
        rabbitmqctl("stop_app")
        try:
            time.sleep(1.0)
        finally:
            rabbitmqctl("start_app")
            rabbitmqctl("await_startup")
        return "rabbit"
