"""The soak's report (placeholder, filled below)."""
from __future__ import annotations


def render(soak) -> str:
    v = soak.verdict
    return "\n".join([f"orders {v.orders} {dict(v.by_status)} refused {dict(v.refused)}",
                      f"lost {v.lost} doubled {v.doubled} stuck {v.stuck}",
                      *v.problems[:30], *v.notes, f"checked {dict(v.checked)}",
                      *(f"{f.at:6.1f}-{f.ended:6.1f} {f.kind} {f.target}" for f in soak.chaos.faults),
                      *soak.chaos.errors, f"errors {soak.load.errors}", f"reads {soak.load.reads}"])


def write(soak) -> None:
    raise NotImplementedError
