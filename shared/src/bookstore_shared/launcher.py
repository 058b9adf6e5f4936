"""Start the whole system: standalone (one process, SQLite, in-process bus) or one process per
service (MySQL + RabbitMQ, exactly as the containers run). Used by `make run`, tests and benchmarks."""
from __future__ import annotations

import asyncio
import importlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

import httpx

from . import services
from .settings import BaseServiceSettings


def available_services(env: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(name, package) of every registered service in start order, limited to BOOKSTORE_SERVICES
    (comma-separated) when set."""
    wanted = (env if env is not None else os.environ).get("BOOKSTORE_SERVICES", "")
    names = {n.strip() for n in wanted.split(",") if n.strip()}
    return [(s.name, s.package) for s in services.registered() if not names or s.name in names]


@dataclass
class ServiceProcesses:
    """Child processes, one per service; `stop()` terminates them all (SIGTERM, then SIGKILL)."""

    env: dict[str, str]
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, pkg: str, *, log_dir: str | None = None) -> None:
        # the child keeps writing to it after this returns; closed with the process
        out = open(os.path.join(log_dir, f"{name}.log"), "ab") if log_dir else None  # noqa: SIM115
        # Each process names its own spans, as compose does per container: one OTEL_SERVICE_NAME
        # for the whole system would put every service under the same name.
        env = {**self.env, "OTEL_SERVICE_NAME": name}
        self.procs[name] = subprocess.Popen([sys.executable, "-m", f"{pkg}.main"], env=env,
                                            stdout=out, stderr=subprocess.STDOUT if out else None)

    def kill(self, name: str) -> None:
        """SIGKILL one service (fault tests)."""
        proc = self.procs.pop(name)
        proc.kill()
        proc.wait(10)

    def stop(self, timeout: float = 10.0) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + timeout
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        self.procs.clear()


def wait_ready(url: str, *, timeout: float = 60.0, procs: ServiceProcesses | None = None) -> None:
    """Poll `<url>/readyz` until it answers 200; fail early if a child process died."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if procs:
            dead = [n for n, p in procs.procs.items() if p.poll() is not None]
            if dead:
                raise RuntimeError(f"service process exited: {', '.join(dead)}")
        try:
            r = httpx.get(f"{url}/readyz", timeout=2)
            if r.status_code == 200:
                return
            last = r.text
        except httpx.HTTPError as exc:
            last = type(exc).__name__
        time.sleep(0.1)
    raise TimeoutError(f"{url} not ready after {timeout}s: {last}")


def start_processes(env: dict[str, str], *, log_dir: str | None = None,
                    services: list[tuple[str, str]] | None = None) -> ServiceProcesses:
    """One process per service, started together, then each waited for until ready."""
    procs = ServiceProcesses(env=env)
    settings = settings_from(env)
    try:
        chosen = services or available_services(env)
        for name, pkg in chosen:  # all at once: each service waits for nothing but its own start
            procs.start(name, pkg, log_dir=log_dir)
        for name, _pkg in chosen:
            wait_ready(settings.service_url(name), procs=procs, timeout=120)
    except BaseException:
        procs.stop()
        raise
    return procs


def settings_from(env: dict[str, str]) -> BaseServiceSettings:
    """Settings as a child process with this environment would read them."""
    keys = {"BOOKSTORE_HOST": "host", "BOOKSTORE_PORT_BASE": "port_base"}
    return BaseServiceSettings(_env_file=None, **{f: env[k] for k, f in keys.items() if k in env})


async def _serve_standalone(settings: BaseServiceSettings) -> None:
    from . import telemetry
    from .bus import InProcessBus, retry_delays_ms
    from .gc_tuning import tune_garbage_collector
    from .logs import configure_logging
    from .serve import EmbeddedServer, raise_open_files_limit, uvicorn_config

    configure_logging("standalone", settings.log_level)
    raise_open_files_limit()
    telemetry.hosting_many_services()  # each service's spans carry its own service.name
    bus = InProcessBus(retry_delays_ms=retry_delays_ms(settings.retry_delays_ms))
    servers = []
    for name, pkg in available_services():
        module = importlib.import_module(f"{pkg}.main")
        app = module.create_app(bus=bus)
        config = uvicorn_config(app, settings,
                                port=settings.port_base + services.service(name).port_offset)
        servers.append(EmbeddedServer(config))
    tune_garbage_collector()  # as serve() does for one service
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    tasks = [asyncio.create_task(s.serve()) for s in servers]
    while not all(s.started for s in servers):
        if any(t.done() for t in tasks):
            break
        await asyncio.sleep(0.05)
    bus.start()
    print(f"Bookstore (standalone) ready: {_edge_url(settings)}", flush=True)
    waiter = asyncio.create_task(stop.wait())
    await asyncio.wait([waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
    for server in servers:
        server.should_exit = True
    await asyncio.gather(*tasks, return_exceptions=True)
    bus.stop()


def _edge_url(settings: BaseServiceSettings) -> str:
    """Where clients go: the service registered to start last (the edge), else the first one."""
    edge = next((s for s in services.registered() if s.starts_last), services.registered()[0])
    return settings.service_url(edge.name)


def main() -> None:
    """`make run`: standalone without broker/database URLs, else one process per service."""
    settings = BaseServiceSettings()
    if not settings.rabbitmq_url or not (settings.mysql_url or settings.database_url):
        if settings.rabbitmq_url or settings.mysql_url:
            print("Only one of BOOKSTORE_MYSQL_URL / BOOKSTORE_RABBITMQ_URL is set; "
                  "running standalone (set both for one process per service).", file=sys.stderr)
        asyncio.run(_serve_standalone(settings))
        return
    procs = start_processes(dict(os.environ))
    print(f"Bookstore ready (one process per service): {_edge_url(settings)}", flush=True)
    stopped = {"flag": False}

    def _stop(*_):
        stopped["flag"] = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        while not stopped["flag"]:
            dead = [n for n, p in procs.procs.items() if p.poll() is not None]
            if dead:
                print(f"service stopped unexpectedly: {', '.join(dead)}", file=sys.stderr)
                break
            time.sleep(0.2)
    finally:
        procs.stop()


if __name__ == "__main__":
    main()
