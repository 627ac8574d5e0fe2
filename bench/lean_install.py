"""The production install: build the wheel, install it without extras into a fresh virtualenv at the versions
uv.lock holds, and run it from a folder outside the project.

The dependencies come from uv.lock (no extras, no groups) and the wheel goes in without resolving anything; then
`uv pip check` proves its requirements are met. Checks: neither the wheel's requirements nor the virtualenv hold any
of the heavy optional packages (PyTorch, transformers, pandas, pytest, snscrape); every
module of `luisterpost` and `flows` imports; the model backend and the snscrape source name the extra to install;
`luisterpost --version` and `status` run; with --demo also `luisterpost demo` (13 months harvested, last month's
report as HTML and PDF) and `status` after it. Prints the packages installed, the virtualenv's size and the times.
By default packages come from uv's cache only (--online lets uv download what the cache lacks).
Run: .venv/bin/python bench/lean_install.py [--demo] [--online] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Optional parts a production install must not pull in (extras `model`, `snscrape` and `dev`, and PyTorch).
HEAVY = ("torch", "transformers", "pandas", "pytest", "snscrape")
# Run inside the lean virtualenv: import every module, then check the optional parts fail with their extra named.
PROBE = """
import importlib, importlib.util, pkgutil, sys, tempfile
from pathlib import Path
import flows, luisterpost
modules = [m.name for package in (luisterpost, flows)
           for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")
           if not m.name.endswith(".__main__")]  # __main__ runs the command line
for name in modules:
    importlib.import_module(name)
print(f"imported {len(modules)} modules")
present = [n for n in sys.argv[1].split(",") if importlib.util.find_spec(n) is not None]
print("heavy present:", ",".join(present) or "none")
from luisterpost.config import SentimentSettings
from luisterpost.enrich.model import load_model
from luisterpost.errors import UserError
from luisterpost.sources.errors import SourceSkipped
from luisterpost.sources.scraper import load_scraper
folder = Path(tempfile.mkdtemp())
try:
    load_model(SentimentSettings(backend="model", model=str(folder)), folder)
except UserError as exc:
    print("model backend:", exc)
try:
    load_scraper("telegram-channel")
except SourceSkipped as exc:
    print("snscrape source:", exc)
"""


class CacheMiss(RuntimeError):
    """uv needs the network for a package its cache does not hold."""


def find_uv() -> str | None:
    """The uv the Makefile installs (.uv-tools/bin/uv), else one on PATH; None when there is none."""
    local = ROOT / ".uv-tools" / "bin" / "uv"
    return str(local) if local.exists() else shutil.which("uv")


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 600) \
        -> subprocess.CompletedProcess:
    """Run `command`; return it done (exit code, output), whatever its exit code."""
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def checked(done: subprocess.CompletedProcess, what: str, online: bool) -> subprocess.CompletedProcess:
    """`done` when it succeeded; CacheMiss when uv could not work offline; RuntimeError with its output otherwise."""
    if done.returncode == 0:
        return done
    output = done.stdout + done.stderr
    if not online and ("offline" in output or "network" in output.lower()):
        raise CacheMiss(f"{what}: uv's cache lacks a package and network access is off:\n{output.strip()[-600:]}")
    raise RuntimeError(f"{what} failed ({done.returncode}):\n{output.strip()[-3000:]}")


def build_wheel(uv: str, out_dir: Path, online: bool = False) -> Path:
    """Build the project's wheel into `out_dir` and return its path."""
    network = [] if online else ["--offline"]
    checked(run([uv, "build", "--wheel", "--out-dir", str(out_dir), *network], ROOT), "uv build", online)
    return next(out_dir.glob("luisterpost-*.whl"))


def install_lean(uv: str, wheel: Path, venv: Path, online: bool = False) -> None:
    """Create `venv` with the dependencies uv.lock holds for an install without extras or groups, install `wheel`
    into it and check that the wheel's requirements are all met by them (nothing more is installed)."""
    network = [] if online else ["--offline"]
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv)}
    env.pop("VIRTUAL_ENV", None)
    # Locked and without resolving anything: the versions and files uv.lock names (the cache holds them).
    checked(run([uv, "sync", "--frozen", "--no-install-project", "--no-default-groups", "--no-dev", "-q",
                 "--python", "3.11", *network], ROOT, env), "uv sync", online)
    python = str(venv / "bin" / "python")
    checked(run([uv, "pip", "install", "-q", "--no-deps", "--python", python, *network, str(wheel)], ROOT),
            "uv pip install", online)
    checked(run([uv, "pip", "check", "--python", python], ROOT), "uv pip check", True)


def requirements(wheel: Path) -> list[str]:
    """The Requires-Dist lines of `wheel` that apply without extras."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        lines = archive.read(name).decode().splitlines()
    return [line.split(":", 1)[1].strip() for line in lines
            if line.startswith("Requires-Dist:") and "extra ==" not in line]


def installed(uv: str, venv: Path) -> list[str]:
    """The distributions in `venv`, as name==version."""
    done = run([uv, "pip", "list", "--format", "json", "--python", str(venv / "bin" / "python")], ROOT)
    return [f"{d['name']}=={d['version']}" for d in json.loads(done.stdout)]


def size_mb(folder: Path) -> float:
    """Disk use of `folder` in MB (files counted once, as du does)."""
    seen, total = set(), 0
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            stat = path.stat()
            if (stat.st_dev, stat.st_ino) not in seen:
                seen.add((stat.st_dev, stat.st_ino))
                total += stat.st_blocks * 512
    return total / 1e6


def outside_env(work: Path) -> dict[str, str]:
    """The environment for commands in the lean virtualenv: Prefect offline and its state kept in `work`."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "LUISTERPOST_CONFIG")}
    env.update(PREFECT_HOME=str(work / ".prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
    return env


def demo_config(venv: Path, work: Path) -> Path:
    """The demo municipality's config as the wheel ships it, copied to `work/config` (its database, drop folder and
    pseudonym key then go to `work/data`, not into the installed package)."""
    bundled = next(venv.glob("lib/python*/site-packages/luisterpost/_resources/examples/lindeveen.toml"))
    target = work / "config" / "lindeveen.toml"
    target.parent.mkdir(parents=True)
    shutil.copy(bundled, target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", action="store_true", help="also run `luisterpost demo` (about 1.5 min)")
    parser.add_argument("--online", action="store_true", help="let uv download what its cache lacks")
    parser.add_argument("--keep", type=Path, help="build in this (new) folder and keep it")
    args = parser.parse_args()
    uv = find_uv()
    if uv is None:
        sys.exit("no uv: run `make setup` first (it installs uv in .uv-tools)")
    work = args.keep or Path(tempfile.mkdtemp(prefix="luisterpost-lean-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        started = time.perf_counter()
        wheel = build_wheel(uv, work / "dist", args.online)
        built = time.perf_counter()
        install_lean(uv, wheel, work / "venv", args.online)
        done = time.perf_counter()
        packages = installed(uv, work / "venv")
        print(f"wheel        : {wheel.name} ({wheel.stat().st_size / 1e3:,.0f} kB), built in {built - started:.1f} s")
        print(f"installed    : {len(packages)} distributions in {done - built:.1f} s, "
              f"virtualenv {size_mb(work / 'venv'):,.0f} MB")
        print("packages     :", " ".join(packages))
        needs = [re.split(r"[ <>=!~;\[]", line, maxsplit=1)[0].lower() for line in requirements(wheel)]
        heavy = [p for p in packages if p.split("==")[0].lower() in HEAVY] + [n for n in needs if n in HEAVY]
        print("heavy        :", " ".join(heavy) or "none")
        bin_dir = work / "venv" / "bin"
        env = outside_env(work)
        probe = checked(run([str(bin_dir / "python"), "-c", PROBE, ",".join(HEAVY)], work, env), "probe", True)
        print(probe.stdout.strip())
        version = checked(run([str(bin_dir / "luisterpost"), "--version"], work, env), "--version", True)
        print("version      :", version.stdout.strip())
        config = demo_config(work / "venv", work)
        if args.demo:
            started = time.perf_counter()
            checked(run([str(bin_dir / "luisterpost"), "--config", str(config), "demo", "--out", str(work / "out")],
                        work, env, timeout=900), "demo", True)
            reports = sorted(p.name for p in (work / "out").iterdir())
            print(f"demo         : {time.perf_counter() - started:.0f} s, wrote {', '.join(reports)}")
        status = run([str(bin_dir / "luisterpost"), "--config", str(config), "status"], work, env)
        print(f"status       : exit {status.returncode}")
        print(status.stdout.rstrip())
        if heavy or "heavy present: none" not in probe.stdout:
            sys.exit("the lean install holds heavy packages")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
