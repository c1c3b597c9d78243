"""The launcher runs the package from a bytecode cache in its virtualenv: no run compiles from source, the
work tree gets no __pycache__, and an edited source never runs as its old bytecode."""

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from conftest import ROOT

LOADED = re.compile(r"^# code object from '?(?P<path>[^']+?)'?$", re.MULTILINE)


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A copy of the launcher and the package, with a virtualenv of its own that borrows the test
    virtualenv's dependencies (so no install from PyPI), and so a bytecode cache of its own."""
    copy = tmp_path / "checkout"
    shutil.copytree(ROOT / "scripts", copy / "scripts", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "pyproject.toml", copy / "pyproject.toml")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(subprocess.run([venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (venv / ".deps-runtime").touch()
    return copy


def launch(checkout: Path, *argv: str, **env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("DKMIGRATE", "PYTHON"))} | {"DKMIGRATE_VENV": str(checkout.parent / "venv")}
    completed = subprocess.run([str(checkout / "scripts" / "migrate"), *argv], capture_output=True, text=True,
                               env=environment | env, timeout=120)
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed


def compiled_from_source(checkout: Path) -> list[str]:
    """The modules a run of `migrate --version` compiled from source instead of reading from the cache."""
    verbose = launch(checkout, "--version", PYTHONVERBOSE="1", PYTHONDONTWRITEBYTECODE="1")
    loaded = [match["path"] for match in LOADED.finditer(verbose.stderr)]
    assert any("dkmigrate" in path for path in loaded)
    cache = str(checkout.parent / "venv" / "pycache") + "/"
    return [path for path in loaded if not (path.endswith(".pyc") and path.startswith(cache))]


def set_version(checkout: Path, version: str, keep_timestamp: bool) -> None:
    source = checkout / "scripts" / "dkmigrate" / "__init__.py"
    before = source.stat()
    text = source.read_text()
    edited = re.sub(r'__version__ = "[^"]*"', f'__version__ = "{version}"', text)
    assert edited != text and len(edited) == len(text)
    source.write_text(edited)
    if keep_timestamp:
        os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_runs_read_every_module_from_the_cache_outside_the_work_tree(checkout):
    first = launch(checkout, "--version", PYTHONDONTWRITEBYTECODE="1")
    assert first.stdout == "dk migrate 0.1.0\n" and first.stderr == ""

    assert compiled_from_source(checkout) == []
    launch(checkout, "--version")  # without PYTHONDONTWRITEBYTECODE too
    assert list(checkout.rglob("__pycache__")) == [] and list(checkout.rglob("*.pyc")) == []


def test_an_edited_source_runs_as_edited_and_is_compiled_again(checkout):
    launch(checkout, "--version", PYTHONDONTWRITEBYTECODE="1")

    # Same size, same timestamp: a cache that trusts timestamps would run the old bytecode.
    set_version(checkout, "0.1.9", keep_timestamp=True)
    assert launch(checkout, "--version", PYTHONDONTWRITEBYTECODE="1").stdout == "dk migrate 0.1.9\n"

    set_version(checkout, "0.2.0", keep_timestamp=False)
    assert launch(checkout, "--version", PYTHONDONTWRITEBYTECODE="1").stdout == "dk migrate 0.2.0\n"
    assert compiled_from_source(checkout) == []
