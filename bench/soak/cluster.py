"""The soak's system: one process per service on MySQL + RabbitMQ, and second replicas of some
services (same database and queues, ports of their own) — every process can be killed, paused
and started again."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field

from bookstore_shared import services
from bookstore_shared.launcher import available_services, settings_from, wait_ready
from bookstore_testing import replica_env

REPLICATED = ("inventory", "order", "notification")


@dataclass
class Member:
    """One service process: `order` or its replica `order#2`."""

    name: str
    service: str
    env: dict[str, str]
    proc: subprocess.Popen | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return settings_from(self.env).service_url(self.service)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc and self.proc.poll() is None else None


@dataclass
class Cluster:
    """Every member of the system; `log_dir` gets one log per member (appended across restarts)."""

    env: dict[str, str]
    log_dir: str
    replicated: tuple[str, ...] = REPLICATED
    members: dict[str, Member] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, _pkg in available_services(self.env):
            self.members[name] = Member(name, name, self.env)
        for name in self.replicated:
            self.members[f"{name}#2"] = Member(f"{name}#2", name, replica_env(self.env, name))

    @property
    def gateway_url(self) -> str:
        return self.members["gateway"].url

    def start(self, timeout: float = 180) -> None:
        """Start every member together, then wait until each is ready."""
        for member in self.members.values():
            self._spawn(member)
        for member in self.members.values():
            wait_ready(member.url, timeout=timeout)

    def _spawn(self, member: Member) -> None:
        pkg = services.service(member.service).package
        with open(os.path.join(self.log_dir, f"{member.name}.log"), "ab") as log:
            member.proc = subprocess.Popen([sys.executable, "-m", f"{pkg}.main"], env=member.env,
                                           stdout=log, stderr=subprocess.STDOUT)
        member.starts += 1

    def kill_and_restart(self, name: str, timeout: float = 120) -> None:
        """SIGKILL one member, start it again and wait until it is ready."""
        member = self.members[name]
        if member.proc and member.proc.poll() is None:
            member.proc.kill()
            member.proc.wait(10)
        self._spawn(member)
        wait_ready(member.url, timeout=timeout)

    def signal(self, name: str, sig: signal.Signals) -> None:
        pid = self.members[name].pid
        if pid:
            os.kill(pid, sig)

    def pids(self) -> dict[str, int]:
        """Live members' process ids."""
        return {name: m.pid for name, m in self.members.items() if m.pid}

    def revive(self) -> list[str]:
        """Start members that died by themselves (a defect the soak reports); their names."""
        dead = [n for n, m in self.members.items() if m.proc and m.proc.poll() is not None]
        for name in dead:
            self._spawn(self.members[name])
        for name in dead:
            wait_ready(self.members[name].url, timeout=120)
        return dead

    def stop(self, timeout: float = 15) -> None:
        for member in self.members.values():
            if member.proc and member.proc.poll() is None:
                os.kill(member.proc.pid, signal.SIGCONT)  # a paused process cannot stop
                member.proc.terminate()
        for member in self.members.values():
            if member.proc:
                try:
                    member.proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    member.proc.kill()
                    member.proc.wait(5)
