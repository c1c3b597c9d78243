#!/usr/bin/env python3
"""dk migrate's runner against dbmate: `up` and `status` on N generated migrations, on SQLite.

Usage: python3 bench/runner.py [--migrations N] [--repeat K]

Both tools run as whole processes (start-up included), on copies of the same database, in this one
run; the result is the median of K runs and the ratio dk migrate / dbmate. dbmate comes from npm
(package `dbmate`) into .cache/bench, which git ignores. Both tools share the tracking table's
dbmate shape, so dbmate reads the database dk migrate wrote.
"""

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "bench"
MIGRATE = ROOT / "scripts" / "migrate"


def dbmate_binary() -> Path:
    binary = CACHE / "node_modules" / ".bin" / "dbmate"
    if not binary.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--silent", "--prefix", str(CACHE), "dbmate@2"], check=True)
    return binary


def generate(directory: Path, count: int) -> None:
    directory.mkdir(parents=True)
    for number in range(1, count + 1):
        version = 20260101000000 + number
        (directory / f"{version}_create_table_{number}.sql").write_text(
            f"-- migrate:up\nCREATE TABLE t{number} (id integer PRIMARY KEY, name text NOT NULL, created_at text);\n"
            f"CREATE INDEX t{number}_name ON t{number} (name);\n\n-- migrate:down\nDROP TABLE t{number};\n"
        )


def timed(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def median_of(repeat: int, make_argv) -> float:
    return statistics.median(timed(make_argv(index)) for index in range(repeat))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--migrations", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()

    dbmate = dbmate_binary()
    subprocess.run([str(MIGRATE), "--version"], check=True, stdout=subprocess.DEVNULL)  # provision the venv first
    with tempfile.TemporaryDirectory(prefix="dkmigrate-bench-") as scratch:
        work = Path(scratch)
        migrations = work / "migrations"
        generate(migrations, options.migrations)

        def ours(database: Path, *command: str) -> list[str]:
            return [str(MIGRATE), "--url", f"sqlite:///{database}", "--dir", str(migrations), *command]

        def theirs(database: Path, *command: str) -> list[str]:
            return [str(dbmate), "--url", f"sqlite:{database}", "--migrations-dir", str(migrations),
                    "--no-dump-schema", *command]

        rows = []
        for name, make in (("dk migrate", ours), ("dbmate", theirs)):
            up = median_of(options.repeat, lambda index: make(work / f"{name[:2]}-up-{index}.db", "up"))
            applied = work / f"{name[:2]}-applied.db"
            subprocess.run(make(applied, "up"), check=True, stdout=subprocess.DEVNULL)
            status = median_of(options.repeat, lambda index: make(applied, "status"))
            rows.append((name, up, status))

        print(f"{options.migrations} migrations on SQLite, median of {options.repeat} runs, whole process:")
        print(f"{'':12}{'up (all)':>12}{'status':>12}")
        for name, up, status in rows:
            print(f"{name:12}{up * 1000:>10.0f} ms{status * 1000:>9.0f} ms")
        (_, our_up, our_status), (_, their_up, their_status) = rows
        print(f"{'ratio':12}{our_up / their_up:>11.2f}x{our_status / their_status:>11.2f}x"
              "   (dk migrate / dbmate; below 1 is faster)")
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
