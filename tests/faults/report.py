"""The figures each fault suite collects, and docs/RELIABILITY.md written from them."""
from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from bookstore_testing.reports import replace_head

RUN = ".venv/bin/python -m pytest tests/faults/{}.py -q"
# Modules named test_hostile_* all report into the hostile-input suite (see suite_of).
HOSTILE_MODULES = "test_hostile_*"

SUITES: dict[str, dict[str, str]] = {
    "test_broker_outage": {
        "title": "Broker outage",
        "proves": "Orders placed continuously by concurrent clients while RabbitMQ is stopped "
                  "(`rabbitmqctl stop_app`) and started again: every request answers 201 or a "
                  "JSON 503, every placed order is delivered, stock, reservations and shipments "
                  "happen exactly once, every service is ready again without a restart."},
    "test_crash": {
        "title": "Crash (SIGKILL) of each consuming service",
        "proves": "inventory, order, shipping, notification and catalog are killed with SIGKILL "
                  "in turn under load and restarted: no purchase lost or doubled (clients retry "
                  "with an Idempotency-Key), stock exact, one shipment and one purchase email "
                  "per order (counted at a real SMTP server)."},
    "test_database_restart": {
        "title": "Database restart",
        "proves": "MariaDB is shut down under load: services answer `/readyz` 503 while it is "
                  "down and requests fail fast with JSON 503, then everything recovers by itself "
                  "and every order placed before, during and after is delivered."},
    "test_fuzz": {
        "title": "Fuzzing the merged OpenAPI",
        "proves": "schemathesis generates requests for every documented operation, anonymous, "
                  "as a user and as an admin: no 5xx, every response conforms to its schema."},
    "test_authorization": {
        "title": "Authorization matrix",
        "proves": "Every public endpoint against anonymous, user, another user, admin, revoked, "
                  "expired and tampered tokens, and two credentials at once (two Authorization "
                  "headers, two access_token cookies, a header and a cookie that differ), answers "
                  "the expected status (one table); every /internal route on its service's own "
                  "port answers only the service credential."},
    "test_hostile_inputs": {
        "title": "Hostile inputs",
        "proves": "Path traversal, PDFs declaring a million pages or a deep page tree, invalid "
                  "UTF-8, 10 MB JSON bodies, 10,000-item orders, and every attack of the "
                  "security review (issue 14: anonymous 64 MB uploads, doubled credentials, "
                  "internal ports, a cancelled order's PDF, parallel password guessing, truncated "
                  "uploads, operator endpoints, foreign origins, one client locking out a proxy, "
                  "the open first admin) get the answers in the table below; every process "
                  "stays alive and healthy."},
    "test_messages": {
        "title": "Message level",
        "proves": "Malformed envelopes and invalid payloads are parked in the service's "
                  "dead-letter queue and replayed after the fix with one effect; every event of "
                  "a full saga delivered a second time changes nothing."},
}


@dataclass
class Figures:
    """What one suite did: cases run, faults injected and survived, items checked and lost."""

    suite: str
    title: str
    proves: str
    cases: int = 0
    faults: int = 0
    survived: int = 0
    items: int = 0
    lost: int = 0
    doubled: int = 0
    failed: int = 0
    seconds: float = 0.0
    injected: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    attacks: list[tuple[str, str]] = field(default_factory=list)

    def fault(self, what: str) -> None:
        """Count one injected fault (survived once the suite's checks pass)."""
        self.faults += 1
        self.injected.append(what)

    def attack(self, what: str, answer: str) -> None:
        """Count one attack and record what the system answered (a row of the suite's table)."""
        self.faults += 1
        self.attacks.append((what, answer))

    @property
    def command(self) -> str:
        return RUN.format(HOSTILE_MODULES if self.suite == "test_hostile_inputs" else self.suite)


def suite_of(stem: str) -> str | None:
    """The suite a test module reports into: its own, or (`test_hostile_*`) the hostile inputs."""
    if stem in SUITES:
        return stem
    return "test_hostile_inputs" if stem.startswith("test_hostile_") else None


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], check=False,
                              capture_output=True,
                              text=True, timeout=5).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def write_report(path: Path, suites: list[Figures]) -> None:
    """Render the figures as Markdown at `path`."""
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    total = {k: sum(getattr(f, k) for f in suites) for k in ("cases", "faults", "items", "lost",
                                                             "doubled", "failed")}
    survived = sum(f.faults for f in suites if not f.failed)
    lines = [
        "# Reliability", "",
        ("Written by the fault suites in `tests/faults/` at the end of a test session "
         f"(last run: {when}, commit {_commit()}); do not edit by hand. Reproduce everything with "
         "`.venv/bin/python -m pytest tests/faults -q` (real MariaDB and RabbitMQ, one process "
         "per service; part of `make test`)."), "",
        (f"**{total['cases']} cases run, {total['faults']} faults injected, {survived} survived, "
         f"{total['items']} items checked, {total['lost']} lost, {total['doubled']} doubled, "
         f"{total['failed']} failing tests.**"), "",
        ("| suite | cases | faults injected | survived | items checked | lost | doubled | time | "
         "result |"),
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for f in suites:
        ok = not f.failed
        lines.append(f"| {f.title} | {f.cases} | {f.faults} | {f.faults if ok else '—'} | "
                     f"{f.items} | {f.lost} | {f.doubled} | {f.seconds:.0f} s | "
                     f"{'passed' if ok else 'FAILED'} |")
    lines += ["", ("Cases are HTTP requests, generated test cases or published messages; items "
                   "are orders, stock levels, shipments, emails or events whose outcome was "
                   "verified. Lost and doubled items are asserted to be 0: a suite that finds one "
                   "fails, and its row says FAILED."), ""]
    for f in suites:
        lines += [f"## {f.title}", "", f.proves, "", f"Reproduce: `{f.command}`", ""]
        if f.injected:
            lines += ["Faults injected:", ""] + [f"- {n}" for n in f.injected] + [""]
        if f.attacks:
            lines += ["| attack | answer |", "|---|---|"]
            lines += [f"| {_cell(what)} | {_cell(answer)} |" for what, answer in f.attacks] + [""]
        if f.notes:
            lines += ["Observed:", ""] + [f"- {n}" for n in f.notes] + [""]
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_head(path, "\n".join(lines))  # the soak's section after it stays
