"""Each service has a Dockerfile, rendered from one template, running what `make run` runs."""
from __future__ import annotations

import fnmatch
import json
import re
import tomllib

import pytest
import render_dockerfiles

from .conftest import PORT_OFFSETS, ROOT, SERVICES

FOLDERS = {name: folder for name, folder, _, _ in render_dockerfiles.SERVICES}


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", text)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def final_stage(text: str) -> list[tuple[str, str]]:
    steps = instructions(text)
    last_from = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    return steps[last_from:]


def workspace_service_folders() -> list[str]:
    """Workspace members that register a service (the others are libraries)."""
    members = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]
    return [m for m in members["members"]
            if "bookstore.services" in tomllib.loads((ROOT / m / "pyproject.toml").read_text())[
                "project"].get("entry-points", {})]


def test_every_service_folder_of_the_workspace_has_a_dockerfile():
    missing = [f for f in workspace_service_folders() if not (ROOT / f / "Dockerfile").is_file()]
    assert not missing, f"service folders without a Dockerfile: {missing}"
    assert sorted(workspace_service_folders()) == sorted(FOLDERS.values())


def test_the_template_knows_exactly_the_services_the_launcher_starts():
    assert {(n, p) for n, _, p, _ in render_dockerfiles.SERVICES} == set(SERVICES)
    assert {n: o for n, _, _, o in render_dockerfiles.SERVICES} == PORT_OFFSETS


@pytest.mark.parametrize("name,pkg", SERVICES)
def test_the_dockerfile_cmd_runs_the_module_the_launcher_runs(name, pkg):
    steps = final_stage((ROOT / FOLDERS[name] / "Dockerfile").read_text())
    cmds = [args for word, args in steps if word == "CMD"]
    assert len(cmds) == 1
    assert json.loads(cmds[0]) == ["python", "-m", f"{pkg}.main"]  # exec form, same module


@pytest.mark.parametrize("name", sorted(FOLDERS))
def test_the_dockerfile_is_multi_stage_non_root_with_a_healthcheck(name):
    text = (ROOT / FOLDERS[name] / "Dockerfile").read_text()
    assert sum(word == "FROM" for word, _ in instructions(text)) >= 2
    steps = final_stage(text)
    users = [args for word, args in steps if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert [w for w, _ in steps].index("USER") < [w for w, _ in steps].index("CMD")
    health = [args for word, args in steps if word == "HEALTHCHECK"]
    assert len(health) == 1 and "/healthz" in health[0]
    assert json.loads(health[0][health[0].index("CMD") + 3:].strip())[0] == "python"
    port = 8080 + PORT_OFFSETS[name]
    assert ("EXPOSE", str(port)) in steps
    assert f"+ {PORT_OFFSETS[name]})" in health[0]


@pytest.mark.parametrize("name", sorted(FOLDERS))
def test_the_image_installs_only_its_own_package_from_the_lock_file(name):
    folder = FOLDERS[name]
    project = tomllib.loads((ROOT / folder / "pyproject.toml").read_text())["project"]
    text = (ROOT / folder / "Dockerfile").read_text()
    syncs = [a for w, a in instructions(text) if w == "RUN" and "uv sync" in a]
    assert syncs and all("--frozen" in s and "--no-dev" in s for s in syncs)
    assert all(f"--package {project['name']}" in s for s in syncs)
    assert f'name = "{project["name"]}"' in (ROOT / "uv.lock").read_text()
    copied = [a.split()[0] for w, a in instructions(text) if w == "COPY" and "--from" not in a]
    sources = [c for c in copied if not c.endswith(("pyproject.toml", "uv.lock"))]
    assert sorted(sources) == sorted(["shared/", f"{folder}/"])


def test_the_eight_dockerfiles_are_the_one_template_rendered():
    for name, folder in FOLDERS.items():
        assert (ROOT / folder / "Dockerfile").read_text() == render_dockerfiles.render(name), (
            f"{folder}/Dockerfile drifted: run python deploy/render_dockerfiles.py")


def test_the_build_context_leaves_out_secrets_and_local_state_but_keeps_the_lock_file():
    lines = [ln.strip() for ln in (ROOT / ".dockerignore").read_text().splitlines()]
    ignored = [ln for ln in lines if ln and not ln.startswith("#")]
    for pattern in (".env", ".venv", ".git", "**/tests", "var"):
        assert pattern in ignored
    for path in ("uv.lock", "pyproject.toml", "shared/pyproject.toml", "shared/src/x.py",
                 "catalog-service/src/catalog_service/main.py"):
        assert not any(fnmatch.fnmatch(path, p) or path.startswith(p.rstrip("/") + "/")
                       for p in ignored if not p.startswith("!")), path
