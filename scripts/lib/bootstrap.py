"""Create or refresh the virtualenv of scripts/migrate and scripts/test (standard library only).

Usage: bootstrap.py PYPROJECT VENV GROUP

GROUP is "runtime" (the project's dependencies) or an optional-dependency group ("test"). The
stamp VENV/.deps-GROUP holds a checksum of the group's requirement list: an unchanged list only
refreshes the stamp's time; a changed one installs again. Concurrent first runs wait for each other.
"""

import fcntl
import hashlib
import os
import re
import subprocess
import sys
import venv as venv_module
from pathlib import Path


def requirements(pyproject: Path, group: str) -> list[str]:
    header = "dependencies" if group == "runtime" else group
    text = pyproject.read_text(encoding="utf-8")
    block = re.search(rf"^{re.escape(header)} = \[(.*?)^\]", text, re.MULTILINE | re.DOTALL)
    if block is None:
        raise SystemExit(f"dk migrate: no '{header}' list in {pyproject}")
    return re.findall(r'^\s*"([^"]+)"', block.group(1), re.MULTILINE)


def main(pyproject: Path, venv_dir: Path, group: str) -> int:
    if sys.version_info < (3, 10):
        print(f"dk migrate: needs Python 3.10 or newer; {sys.executable} is {sys.version.split()[0]}", file=sys.stderr)
        return 2
    wanted = requirements(pyproject, group)
    checksum = hashlib.sha256("\n".join(wanted).encode()).hexdigest()
    stamp = venv_dir / f".deps-{group}"
    python = venv_dir / "bin" / "python"
    venv_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{venv_dir}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if python.exists() and stamp.exists() and stamp.read_text().strip() == checksum:
            stamp.touch()
            return 0
        print(f"dk migrate: installing its Python dependencies ({group}) into {venv_dir}; this needs PyPI, once",
              file=sys.stderr)
        if not python.exists():
            try:
                venv_module.create(venv_dir, with_pip=True)
            except (OSError, subprocess.CalledProcessError) as error:
                print(f"dk migrate: could not create a virtualenv in {venv_dir}: {error} "
                      "(on Debian and Ubuntu: apt install python3-venv)", file=sys.stderr)
                return 2
        pip = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *wanted],
            capture_output=True, text=True,
        )
        if pip.returncode != 0:
            last_lines = "\n".join((pip.stderr or pip.stdout).strip().splitlines()[-5:])
            print(f"dk migrate: installing {', '.join(wanted)} failed:\n{last_lines}", file=sys.stderr)
            stamp.unlink(missing_ok=True)
            return 2
        stamp.write_text(checksum + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]))
