"""The same saga benchmark on an earlier revision, run in the same session on the same machine,
so a change is judged side by side rather than against numbers from another day.

`BENCH_BEFORE=<git revision> make bench` checks the revision out into a temporary worktree and
runs its own `python -m bench.run saga` there (its services and its bench code: the revision must
have both), with this virtualenv and the revision's sources first on PYTHONPATH; its numbers go
into results.json under "before" and results.md gets a before/after table.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_before(rev: str) -> dict:
    """The saga section of `rev` (its results.json's "saga" and "machine"), run now."""
    commit = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.strip()
    tree = Path(tempfile.mkdtemp(prefix="bookstore-before-")) / "tree"
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), commit], cwd=ROOT,
                   check=True, capture_output=True)
    try:
        sources = [str(tree)] + sorted(str(p) for p in tree.glob("*/src"))
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sources)}
        subprocess.run([sys.executable, "-m", "bench.run", "saga"], cwd=tree, env=env,
                       check=True)
        found = json.loads((tree / "bench" / "results.json").read_text())
        return {"rev": commit, "saga": found["saga"],
                "machine": found.get("partial", {}).get("machine", found["machine"])}
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT,
                       check=False, capture_output=True)
        shutil.rmtree(tree.parent, ignore_errors=True)
