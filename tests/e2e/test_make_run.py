"""`make run` both ways: standalone with nothing configured, and one process per service."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
from bookstore_shared.launcher import available_services
from bookstore_testing import free_port_base, system_env

from .auth_slice import walk_the_auth_slice, walk_the_first_socket


def launch(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bookstore_shared.launcher"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def wait_for_ready_line(proc: subprocess.Popen, timeout: float = 120) -> None:
    """The launcher prints the gateway URL once every service is up."""
    deadline = time.monotonic() + timeout
    line = ""
    while "ready" not in line.lower():
        line = proc.stdout.readline()
        assert line or proc.poll() is None, "launcher exited before the system was ready"
        assert time.monotonic() < deadline, "system not ready in time"


def children_of(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True,
                         check=False).stdout
    return [int(p) for p in out.split()]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().split()[2]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def ctrl_c_and_check_nothing_is_left(proc: subprocess.Popen, children: list[int]) -> str:
    """Ctrl-C as a terminal sends it (SIGINT to the whole process group); returns what was printed
    after the ready line."""
    os.killpg(proc.pid, signal.SIGINT)
    output, _ = proc.communicate(timeout=30)
    deadline = time.monotonic() + 10
    while any(alive(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [c for c in children if alive(c)], "service processes left behind"
    return output


def assert_a_clean_stop(output: str) -> None:
    errors = [line for line in output.splitlines()
              if '"level":"ERROR"' in line or "Traceback" in line or "Error" in line[:40]]
    assert not errors, "a clean stop prints no error:\n" + "\n".join(errors)


def test_standalone_needs_nothing_configured(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOOKSTORE_", "DATABASE_URL",
                                                                      "OPENAI_"))}
    port = free_port_base()
    env.update(BOOKSTORE_DATA_DIR=str(tmp_path), BOOKSTORE_PORT_BASE=str(port))
    proc = launch(env)
    try:
        wait_for_ready_line(proc)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            walk_the_first_socket(client, walk_the_auth_slice(client))
        assert list(tmp_path.glob("*.sqlite")), "standalone mode keeps its data in SQLite files"
    finally:
        output = ctrl_c_and_check_nothing_is_left(proc, [])
    assert proc.returncode == 0, output
    assert_a_clean_stop(output)


def test_with_mysql_and_rabbitmq_every_service_is_its_own_process(infra, new_instance, tmp_path):
    env = system_env(infra, new_instance(), str(tmp_path))
    proc = launch(env)
    url = f"http://127.0.0.1:{env['BOOKSTORE_PORT_BASE']}"
    try:
        wait_for_ready_line(proc)
        children = children_of(proc.pid)
        assert len(children) == len(available_services()), children
        with httpx.Client(base_url=url, timeout=10) as client:
            walk_the_first_socket(client, walk_the_auth_slice(client))
    finally:
        output = ctrl_c_and_check_nothing_is_left(proc, children_of(proc.pid))
    if proc.returncode is None:
        pytest.fail("launcher did not exit")
    assert_a_clean_stop(output)
