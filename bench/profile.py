"""Where the saga's CPU goes: py-spy samples every service process while orders arrive at a fixed
rate, then prints each process's hottest functions (self and inclusive share of its samples).

    .venv/bin/python -m bench.profile [rate] [seconds]      # defaults: 50 orders/s for 15 s

Needs py-spy (pip install py-spy) and, like `make bench`, MySQL and RabbitMQ on 127.0.0.1.
Collapsed stacks are kept under the printed directory for flame graphs.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from .saga import _orders_spec
from .stats import loadgen
from .system import running_system, seed, wait_idle

TOP = 12


def _hottest(collapsed: Path) -> tuple[int, Counter, Counter]:
    """(samples, self counts, inclusive counts) per function of a py-spy --format raw file."""
    own: Counter = Counter()
    inclusive: Counter = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = [f.split(" (")[0] + " (" + f.split(" (")[1].split(":")[0].rsplit("/", 1)[-1]
                  if " (" in f else f for f in stack.split(";")]
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    return total, own, inclusive


def main(rate: float = 50, seconds: float = 15) -> None:
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    out = Path(tempfile.mkdtemp(prefix="bookstore-profile-"))
    with running_system(str(out)) as bench:
        seed(bench)
        wait_idle(bench)
        services = {n: p[0] for n, p in bench.pids.items() if n not in ("mariadb", "rabbitmq")}
        spies = {name: subprocess.Popen(
            [py_spy, "record", "-p", str(pid), "-d", str(int(seconds + 5)), "-r", "200",
             "--format", "raw", "-o", str(out / f"{name}.txt"), "--gil"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for name, pid in services.items()}
        time.sleep(1)
        loadgen(_orders_spec(bench, duration=seconds, concurrency=64, mode="rate", rate=rate))
        for spy in spies.values():
            spy.wait()
    for name in sorted(spies):
        path = out / f"{name}.txt"
        if not path.exists():
            continue
        total, own, inclusive = _hottest(path)
        print(f"\n== {name}: {total} samples holding the GIL")
        for frame, n in own.most_common(TOP):
            print(f"  self {100 * n / max(total, 1):5.1f}%  {frame}")
        for frame, n in inclusive.most_common(TOP):
            print(f"  incl {100 * n / max(total, 1):5.1f}%  {frame}")
    print(f"\ncollapsed stacks: {out}")


if __name__ == "__main__":
    main(*(float(a) for a in sys.argv[1:3]))
