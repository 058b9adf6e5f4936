"""Percentiles and small summaries of latency samples."""
from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pct(samples: list[float], p: float) -> float:
    """The p-th percentile (nearest rank); NaN for no samples."""
    if not samples:
        return math.nan
    s = sorted(samples)
    return s[min(len(s) - 1, max(0, math.ceil(p / 100 * len(s)) - 1))]


def summary(samples: list[float]) -> dict:
    """count, p50, p90, p99, max."""
    return {"n": len(samples), "p50": pct(samples, 50), "p90": pct(samples, 90),
            "p99": pct(samples, 99), "max": max(samples) if samples else math.nan}


def loadgen(spec: dict, timeout: float = 120) -> dict:
    """Run bench.loadgen in its own process (so it does not share this one's CPU)."""
    done = subprocess.run([sys.executable, "-m", "bench.loadgen", json.dumps(spec)],
                          capture_output=True, text=True, timeout=timeout, check=True,
                          cwd=ROOT)
    return json.loads(done.stdout)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, *, seconds: int = 5, connections: int = 16, threads: int = 1,
        headers: dict | None = None, script: str | None = None) -> dict:
    """Closed-loop wrk run: requests/s and latency percentiles (ms) from `--latency`."""
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        cmd += ["-s", script]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True,
                         timeout=seconds + 30).stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
              "non2xx": int(m.group(1)) if (m := re.search(r"Non-2xx.*?:\s+(\d+)", out)) else 0,
              "errors": sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)",
                                                       out))}
    for p, value, unit in re.findall(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE):
        result[f"p{p}"] = float(value) * _UNITS[unit]
    return result
