"""schemathesis against the gateway's merged OpenAPI document, as an admin, as a user and
anonymously: no 5xx, and every documented response conforms to its schema."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import first_admin, new_user

ST = str(Path(sys.executable).with_name("st"))
CHECKS = "not_a_server_error,response_schema_conformance"
EXAMPLES = 25      # per operation and caller
TIME_LIMIT_S = 12  # per caller


@pytest.fixture(scope="module")
def callers(system) -> dict[str, dict]:
    return {"admin": first_admin(system), "user": new_user(system), "anonymous": {}}


@pytest.mark.parametrize("who", ["admin", "user", "anonymous"])
def test_generated_requests_never_get_a_server_error_or_an_undocumented_body(
        system, callers, figures, tmp_path, who):
    headers = [arg for name, value in callers[who].items() for arg in ("-H", f"{name}: {value}")]
    command = [ST, "run", f"{system.url}/openapi.json", "--checks", CHECKS,
               "--phases", "examples,fuzzing", "--max-examples", str(EXAMPLES),
               "--max-time", str(TIME_LIMIT_S), "--seed", "20261126", "--workers", "2",
               "--exclude-path", "/logout",  # would end the caller's session mid-run
               "--request-timeout", "10", "--no-color", "--report-dir", str(tmp_path), *headers]
    run = subprocess.run(command, check=False, capture_output=True, text=True, timeout=TIME_LIMIT_S + 120,
                         cwd=tmp_path)
    found = re.search(r"(\d+) generated", run.stdout)
    cases = int(found.group(1)) if found else 0
    figures.cases += cases
    figures.items += cases
    figures.notes.append(f"as {who}: {cases} generated cases")
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert cases > 100, run.stdout[-3000:]
