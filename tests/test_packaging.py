"""The launcher provisions its own virtualenv; `pip install .` gives `migrate` and `python -m dkmigrate`."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import OFFLINE, ROOT

SOURCES = ("pyproject.toml", "README.md", "LICENSE", "scripts", "templates")


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A copy of the sources (no virtualenv), as a fresh clone has them."""
    copy = tmp_path / "checkout"
    copy.mkdir()
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, copy / name)
    return copy


def run(argv, env=None, cwd=None):
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("DKMIGRATE") and key != "PYTHONPATH"}
    completed = subprocess.run([str(part) for part in argv], capture_output=True, text=True, timeout=600,
                               env=environment | (env or {}), cwd=cwd)
    return completed


def test_launcher_installs_once_then_starts_offline_and_reinstalls_on_a_dependency_change(checkout, tmp_path):
    venv = tmp_path / "venv"
    launcher = checkout / "scripts" / "migrate"
    env = {"DKMIGRATE_VENV": str(venv)}

    first = run([launcher, "--version"], env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "dk migrate 0.1.0"
    assert first.stderr.splitlines() == [
        f"dk migrate: installing its Python dependencies (runtime) into {venv}; this needs PyPI, once"]

    offline = run([launcher, "--version"], env | OFFLINE)
    assert offline.returncode == 0 and offline.stderr == ""

    pyproject = checkout / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('description = "', 'description = "Edited: '))
    unchanged = run([launcher, "--version"], env | OFFLINE)
    assert unchanged.returncode == 0 and unchanged.stderr == ""  # the dependency list did not change

    pyproject.write_text(pyproject.read_text().replace('    "pymysql>=1.1,<2",\n', '    "pymysql>=1.1,<2",\n    "six",\n'))
    changed = run([launcher, "--version"], env)
    assert changed.returncode == 0, changed.stderr
    assert "installing its Python dependencies (runtime)" in changed.stderr
    assert run([venv / "bin" / "python", "-c", "import six"]).returncode == 0


def test_launcher_fails_cleanly_when_the_dependencies_cannot_be_installed(checkout, tmp_path):
    result = run([checkout / "scripts" / "migrate", "--version"], {"DKMIGRATE_VENV": str(tmp_path / "venv")} | OFFLINE)
    assert result.returncode == 2
    assert "dk migrate: installing " in result.stderr and "failed" in result.stderr
    assert "Traceback" not in result.stderr


def test_pip_install_gives_the_migrate_command_with_its_templates(checkout, tmp_path):
    venv = tmp_path / "installed"
    assert run([sys.executable, "-m", "venv", venv]).returncode == 0
    install = run([venv / "bin" / "pip", "install", "--quiet", "--disable-pip-version-check", checkout])
    assert install.returncode == 0, install.stderr

    site = Path(run([venv / "bin" / "python", "-c", "import dkmigrate; print(dkmigrate.__file__)"]).stdout.strip()).parent
    source = ROOT / "scripts" / "dkmigrate"
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*.py")) == sorted(
        p.relative_to(source).as_posix() for p in source.rglob("*.py")), "a module is missing from pyproject's packages"
    assert sorted(p.name for p in (site / "templates").glob("*.j2")) == sorted(p.name for p in (ROOT / "templates").glob("*.j2"))

    assert run([venv / "bin" / "migrate", "--version"]).stdout.strip() == "dk migrate 0.1.0"
    assert run([venv / "bin" / "python", "-m", "dkmigrate", "--version"]).stdout.strip() == "dk migrate 0.1.0"

    project = tmp_path / "project"
    project.mkdir()
    created = run([venv / "bin" / "migrate", "create", "add_users", "--sql", "CREATE TABLE users (id integer);"],
                  cwd=project)
    assert created.returncode == 0, created.stderr
    applied = run([venv / "bin" / "migrate", "up"], cwd=project)
    assert applied.returncode == 0, applied.stderr
    assert "Applied 1 migration in" in applied.stdout
