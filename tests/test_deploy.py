"""The production install stays lean and the container set-up stays what docs/operations.md describes.

Cheap checks read pyproject.toml, uv.lock, the Dockerfile and compose.yaml; the slow one builds the wheel, installs
it without extras into a new virtualenv from uv's cache (bench/lean_install.py) and runs it outside the project."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def load_bench(name: str) -> ModuleType:
    """bench/`name`.py as a module, without putting bench/ on the import path for every test."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and the like look their module up by name
    spec.loader.exec_module(module)
    return module


lean = load_bench("lean_install")
HEAVY = lean.HEAVY

# The pins docs/operations.md explains; a lean install must keep them.
PINS = {"prefect": "==3.8.8", "fastapi": "==0.150.0", "sqlalchemy": "==2.0.58", "duckdb": "==1.5.6"}


def requirement_name(requirement: str) -> str:
    """The distribution a requirement string names, lower-case ("sqlalchemy[asyncio]==2.0.58" → "sqlalchemy")."""
    return re.split(r"[ <>=!~;\[]", requirement.strip(), maxsplit=1)[0].lower()


def locked_closure(lock: dict, extras: tuple[str, ...] = ()) -> set[str]:
    """Every package uv.lock installs for the project with `extras` (and no dependency group): the project's
    dependencies, theirs in turn, and the extras each of them asks for."""
    packages = {p["name"]: p for p in lock["package"]}
    project = packages["luisterpost"]
    wanted = list(project["dependencies"]) + [d for e in extras for d in project["optional-dependencies"][e]]
    seen: set[str] = set()
    while wanted:
        dep = wanted.pop()
        package = packages[dep["name"]]
        for extra in dep.get("extra", []):
            wanted.extend(package.get("optional-dependencies", {}).get(extra, []))
        if dep["name"] not in seen:
            seen.add(dep["name"])
            wanted.extend(package.get("dependencies", []))
    return seen


def test_base_dependencies_hold_no_heavy_package_and_keep_the_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    base = {requirement_name(r): r for r in project["dependencies"]}
    assert not set(base) & set(HEAVY)
    for name, pin in PINS.items():
        assert base[name].endswith(pin), f"{name}: {base[name]}"
    # What the base set leaves out is still installable, by its extra.
    extras = {e: {requirement_name(r) for r in reqs} for e, reqs in project["optional-dependencies"].items()}
    assert "transformers" in extras["model"] and "snscrape" in extras["snscrape"]
    assert {"pytest", "pandas"} <= extras["dev"]


def test_locked_install_without_extras_pulls_in_no_heavy_package():
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    lean = locked_closure(lock)
    assert {"prefect", "duckdb", "polars", "weasyprint", "kaleido"} <= lean
    assert not lean & set(HEAVY), sorted(lean & set(HEAVY))
    # The walk does find them when the extras are asked for: the check above can fail.
    assert {"transformers", "pandas", "pytest", "snscrape"} <= locked_closure(lock, ("dev", "model", "snscrape"))


def dockerfile_stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuation lines joined, comments left out), one list per FROM stage."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text(encoding="utf-8"))
    stages: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("FROM "):
            stages.append([])
        if line and not line.startswith("#") and stages:
            stages[-1].append(line)
    return stages


def test_dockerfile_is_multi_stage_lean_by_default_and_runs_as_a_user():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in text
    assert re.search(r'^ARG EXTRAS=""$', text, re.M), "the model extra must be asked for, not the default"
    stages = dockerfile_stages()
    assert len(stages) == 2
    build, final = stages
    assert any("uv sync --frozen" in line and "--no-dev" in line for line in build)
    assert not any("--extra dev" in line or "--all-extras" in line for line in build)
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0"), "the image must run as a user, not root"
    assert any(line.startswith("ENTRYPOINT") and "luisterpost" in line for line in final)
    assert any(line.startswith("VOLUME") and "/data" in line for line in final)
    installs = " ".join(line for line in final if "apt-get install" in line)
    assert all(p in installs for p in ("chromium", "libpango-1.0-0", "fonts-dejavu-core"))


def test_compose_runs_a_server_on_postgres_the_deployments_and_a_process_worker():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    server, deploy, worker = services["prefect-server"], services["deploy"], services["worker"]
    assert services["postgres"]["image"].startswith("postgres:")
    assert server["environment"]["PREFECT_API_DATABASE_CONNECTION_URL"].startswith("postgresql+asyncpg://")
    assert server["image"] == deploy["image"] == worker["image"] and server["build"]["context"] == "."
    assert "prefect --no-prompt deploy --all" in " ".join(deploy["command"]) and deploy["working_dir"] == "/app"
    start = " ".join(worker["entrypoint"] + worker["command"])
    assert "prefect worker start --pool luisterpost --type process" in start
    assert "mkdir -p /data/out" in start  # flow runs write to /app/out, a link to /data/out
    assert worker["environment"]["LUISTERPOST_CONFIG"].startswith("/data/")
    assert "municipality-data:/data" in worker["volumes"] and "municipality-data" in compose["volumes"]
    # Every deployment the deploy step registers names a flow file the image carries (COPY flows /app/flows).
    project = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    for deployment in project["deployments"]:
        assert deployment["work_pool"]["name"] == "luisterpost"
        assert (ROOT / deployment["entrypoint"].split(":")[0]).is_file()
    assert "COPY flows /app/flows" in (ROOT / "Dockerfile").read_text(encoding="utf-8")


@pytest.mark.slow
def test_wheel_without_extras_installs_lean_and_runs_outside_the_project(tmp_path):
    uv = lean.find_uv()
    if uv is None:
        pytest.skip("no uv (make setup installs it in .uv-tools)")
    try:
        wheel = lean.build_wheel(uv, tmp_path / "dist")
        lean.install_lean(uv, wheel, tmp_path / "venv")
    except lean.CacheMiss as exc:
        pytest.skip(f"needs the network: {exc}")
    names = {line.split("==")[0].lower() for line in lean.installed(uv, tmp_path / "venv")}
    assert {"luisterpost", "prefect", "duckdb", "weasyprint"} <= names
    assert not names & set(HEAVY), sorted(names & set(HEAVY))

    work = tmp_path / "work"
    work.mkdir()
    env, bin_dir = lean.outside_env(work), tmp_path / "venv" / "bin"
    probe = lean.run([str(bin_dir / "python"), "-c", lean.PROBE, ",".join(HEAVY)], work, env)
    assert probe.returncode == 0, probe.stderr
    assert re.search(r"imported \d{2,} modules", probe.stdout)
    assert "heavy present: none" in probe.stdout
    assert "pip install 'luisterpost[model]'" in probe.stdout
    assert "pip install 'luisterpost[snscrape]'" in probe.stdout
    version = lean.run([str(bin_dir / "luisterpost"), "--version"], work, env)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert version.stdout.strip() == f"luisterpost {project['version']}"
    # The bundled demo config, copied out of the package: a fresh database, so every source needs attention.
    config = lean.demo_config(tmp_path / "venv", work)
    status = lean.run([str(bin_dir / "luisterpost"), "--config", str(config), "status"], work, env)
    assert status.returncode == 1, status.stdout + status.stderr
    assert "demo" in status.stdout and "never harvested" in status.stdout
    assert (work / "data" / "lindeveen.duckdb").is_file()
    shutil.rmtree(tmp_path / "venv")
