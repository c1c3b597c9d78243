"""The tools dk migrate is measured against, installed on first use into a cache folder outside the
checkout ($DKMIGRATE_BENCH_CACHE, default ~/.cache/dk-migrate-bench): benchmark peers only, never
dependencies.

- dbmate from npm: its native Go binary (node_modules/@dbmate/linux-x64/bin/dbmate), not the Node
  wrapper in node_modules/.bin, which adds a Node start-up to every run;
- squawk (PyPI `squawk-cli`, a native binary), Alembic with SQLAlchemy, and yoyo-migrations, in a
  virtualenv of their own.
"""

import os
import platform
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

CACHE = Path(os.environ.get("DKMIGRATE_BENCH_CACHE") or Path.home() / ".cache" / "dk-migrate-bench")
DBMATE_PACKAGE = "dbmate@2.36.0"
PYTHON_PACKAGES = ["squawk-cli==2.70.0", "alembic==1.20.1", "yoyo-migrations==9.0.0"]


@dataclass(frozen=True)
class Peers:
    dbmate: Path
    squawk: Path
    alembic: Path
    yoyo: Path
    versions: dict[str, str]


def install() -> Peers:
    CACHE.mkdir(parents=True, exist_ok=True)
    machine = {"x86_64": "x64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    dbmate = CACHE / "node_modules" / "@dbmate" / f"linux-{machine}" / "bin" / "dbmate"
    if not dbmate.exists():
        _quietly(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(CACHE), DBMATE_PACKAGE])
    python_bin = CACHE / "python" / "bin"
    stamp = CACHE / "python" / "installed"
    if not stamp.exists() or stamp.read_text() != "\n".join(PYTHON_PACKAGES):
        _quietly([sys.executable, "-m", "venv", str(CACHE / "python")])
        _quietly([str(python_bin / "pip"), "install", "--quiet", "--disable-pip-version-check", *PYTHON_PACKAGES])
        stamp.write_text("\n".join(PYTHON_PACKAGES))
    peers = Peers(dbmate, python_bin / "squawk", python_bin / "alembic", python_bin / "yoyo", {})
    peers.versions.update({
        "dbmate": _first_line([str(dbmate), "--version"]).removeprefix("dbmate version "),
        "squawk": _first_line([str(peers.squawk), "--version"]).removeprefix("squawk "),
        "alembic": _first_line([str(peers.alembic), "--version"]).removeprefix("alembic "),
        "yoyo-migrations": _first_line([str(python_bin / "python"), "-c",
                                        "from importlib.metadata import version; print(version('yoyo-migrations'))"]),
    })
    return peers


def _quietly(argv: list[str]) -> None:
    completed = subprocess.run(argv, capture_output=True, text=True)
    if completed.returncode != 0:
        raise SystemExit(f"bench: {' '.join(argv[:3])} ... failed:\n{completed.stderr[-2000:]}")


def _first_line(argv: list[str]) -> str:
    return subprocess.run(argv, capture_output=True, text=True).stdout.strip().splitlines()[0]
