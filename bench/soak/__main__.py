"""`python -m bench.soak [--minutes M] [--rate R] [--seed S] [--users U] [--write]`: a soak on
MySQL + RabbitMQ under chaos; prints the verdict, and with `--write` puts its report in
docs/RELIABILITY.md (section "Soak") and docs/soak.svg."""
from __future__ import annotations

import argparse
import sys

from ..system import local_infrastructure
from .chaos import KINDS
from .report import render, write
from .run import default_seed, run_soak


def main() -> int:
    parser = argparse.ArgumentParser(prog="make soak")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--rate", type=float, default=40, help="orders per second")
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--seed", type=int, default=default_seed())
    parser.add_argument("--every", type=float, nargs=2, default=(30, 60),
                        help="seconds between faults (uniform in this range)")
    parser.add_argument("--faults", default=",".join(KINDS), help="kinds, comma-separated")
    parser.add_argument("--write", action="store_true", help="update docs/RELIABILITY.md")
    args = parser.parse_args()
    kinds = tuple(k for k in args.faults.split(",") if k)
    unknown = set(kinds) - set(KINDS)
    if unknown:
        parser.error(f"unknown faults {sorted(unknown)}; known: {', '.join(KINDS)}")
    soak = run_soak(local_infrastructure(), minutes=args.minutes, rate=args.rate,
                    seed=args.seed, users=args.users, every=tuple(args.every), kinds=kinds)
    print(render(soak))
    if args.write:
        write(soak)
    return 0 if soak.verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
