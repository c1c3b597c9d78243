"""Reliability under contention and crashes, with real processes (scripts/migrate) on real databases:
eight migrators at once, up racing down, SIGKILL at random moments, the server killing the tool's
connection, and a long soak for leaks. Bounded in time: each test finishes in seconds."""

import gc
import os
import random
import signal
import time

import pytest
from conftest import ENGINES, Engine, Project

SLEEP = {  # a statement that takes about a third of a second
    "postgres": "SELECT pg_sleep(0.3)",
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 600000) SELECT count(*) FROM c",
    "mysql": "SELECT SLEEP(0.3)",
}


@pytest.fixture(params=[*ENGINES, "mysql"])
def engine(request):
    """Each test runs on SQLite, PostgreSQL and MariaDB, on a new database."""
    return Engine(request.param, request.getfixturevalue(f"{request.param}_url"))


def drop_index(engine, name: str, table: str) -> str:
    return f"DROP INDEX {name} ON {table};" if engine.name == "mysql" else f"DROP INDEX {name};"


def fifty_migrations(project, engine):
    """Migration 1 makes a log; every migration adds its number to it, a few slowly, one with an index built
    concurrently (PostgreSQL) outside a transaction."""
    project.migration("1", "log", "CREATE TABLE log (n integer NOT NULL);\nINSERT INTO log VALUES (1);",
                      "DROP TABLE log;")
    for n in range(2, 51):
        up = f"INSERT INTO log VALUES ({n});"
        if n in (10, 25, 40):
            up = f"{SLEEP[engine.name]};\n{up}"
        if n == 30:
            index = "CREATE INDEX CONCURRENTLY" if engine.name == "postgres" else "CREATE INDEX"
            up = f"{index} log_n ON log (n);\n{up}"
        project.migration(str(n), f"step_{n}", up, f"DELETE FROM log WHERE n = {n};"
                                                   + (f"\n{drop_index(engine, 'log_n', 'log')}" if n == 30 else ""))


def finish(process, timeout=120):
    stdout, stderr = process.communicate(timeout=timeout)
    return process.returncode, stdout, stderr


def test_eight_processes_running_up_at_once_apply_every_migration_exactly_once(project, engine):
    fifty_migrations(project, engine)

    processes = [project.launch("up", "--lock-wait", "120", wait=False) for _ in range(8)]
    results = [finish(process) for process in processes]

    assert [code for code, _, _ in results] == [0] * 8, [stderr for _, _, stderr in results]
    outputs = "".join(stdout for _, stdout, _ in results)
    for n in range(1, 51):
        assert outputs.count(f"] {n}_") == 1, n
    appliers = [stdout for _, stdout, _ in results if "Applied 50 migrations" in stdout]
    assert len(appliers) == 1
    others = [(stdout, stderr) for _, stdout, stderr in results if "Applied 50 migrations" not in stdout]
    assert all("Nothing to apply" in stdout for stdout, _ in others)
    waiters = [stderr for _, stderr in others if "waiting for the migration lock" in stderr]
    assert waiters, "no process said it waited for the lock"
    assert sorted(row[0] for row in engine.query("SELECT n FROM log")) == list(range(1, 51))
    assert sorted(map(int, engine.tracked_versions())) == list(range(1, 51))


def numbered_tables(project, count: int, first: int = 1):
    for n in range(first, first + count):
        project.migration(str(n), f"table_{n}", f"CREATE TABLE t_{n} (id integer);", f"DROP TABLE t_{n};")


def consistent(engine) -> tuple[set[int], set[int]]:
    """The tables that exist and the versions recorded as applied (no dirty row may exist)."""
    tables = {int(name[2:]) for name in engine.tables() if name.startswith("t_")}
    rows = engine.query("SELECT version, state FROM schema_migrations")
    assert all(state == "applied" for _, state in rows), rows
    return tables, {int(version) for version, _ in rows}


def test_up_racing_down_leaves_tables_and_records_in_agreement(project, engine):
    numbered_tables(project, 20)
    assert project.run("up").code == 0
    numbered_tables(project, 10, first=21)

    processes = [project.launch(*(("up",) if i % 2 == 0 else ("down", "--steps", "4")), "--lock-wait", "120",
                                wait=False) for i in range(6)]
    results = [finish(process) for process in processes]

    assert [code for code, _, _ in results] == [0] * 6, [stderr for _, _, stderr in results]
    tables, recorded = consistent(engine)
    assert tables == recorded
    assert project.run("up").code == 0
    tables, recorded = consistent(engine)
    assert tables == recorded == set(range(1, 31))


KILL_WINDOW = {"postgres": (0.25, 1.6), "sqlite": (0.2, 1.0), "mysql": (0.3, 1.6)}  # seconds after launch: while `up` runs
LABELS = {1: "1_base", 2: "2_slow_a", 3: "3_outside", 4: "4_slow_b", 5: "5_quick"}
# MySQL commits DDL implicitly: every migration of crash_project runs statement by statement, and any of them may be
# left dirty. What a user runs to undo the statements that ran, before `repair --rolled-back`:
UNDO_ON_MYSQL = {1: ["DROP TABLE IF EXISTS base"], 2: ["DROP TABLE IF EXISTS t_2"],
                 3: ["DROP TABLE IF EXISTS t_3", "DROP INDEX IF EXISTS base_v ON base"], 4: ["DROP TABLE IF EXISTS t_4"],
                 5: ["DROP TABLE IF EXISTS t_5"]}


def crash_project(project, engine):
    """Transactional migrations with slow steps, and one outside a transaction with several statements."""
    project.migration("1", "base", "CREATE TABLE base (id integer, v text);\n"
                      "INSERT INTO base SELECT n, 'v' FROM (SELECT 1 AS n UNION ALL SELECT 2) s;", "DROP TABLE base;")
    project.migration("2", "slow_a", f"CREATE TABLE t_2 (id integer);\n{SLEEP[engine.name]};", "DROP TABLE t_2;")
    index = "CREATE INDEX CONCURRENTLY" if engine.name == "postgres" else "CREATE INDEX"
    project.migration("3", "outside", f"{index} base_v ON base (v);\n{SLEEP[engine.name]};\nCREATE TABLE t_3 (id integer);",
                      f"DROP TABLE t_3;\n{drop_index(engine, 'base_v', 'base')}", up_options="transaction:false")
    project.migration("4", "slow_b", f"{SLEEP[engine.name]};\nCREATE TABLE t_4 (id integer);", "DROP TABLE t_4;")
    project.migration("5", "quick", "CREATE TABLE t_5 (id integer);", "DROP TABLE t_5;")


def effects(engine) -> dict[int, bool]:
    """Whether each migration's effect is in the database."""
    tables = engine.tables()
    return {1: "base" in tables, 2: "t_2" in tables, 3: "t_3" in tables, 4: "t_4" in tables, 5: "t_5" in tables}


def check_and_recover(project, engine) -> str:
    """After a crash: each migration applied-and-recorded, not-applied-and-not-recorded, or dirty; then the
    next `up` completes, or names what to repair (which the test does, as a user would). Returns the outcome."""
    rows = dict(engine.query("SELECT version, state FROM schema_migrations")) if "schema_migrations" in engine.tables() else {}
    present = effects(engine)
    dirty = [version for version, state in rows.items() if state != "applied"]
    assert len(dirty) <= 1, rows
    for n, exists in present.items():
        if str(n) in dirty:
            continue
        assert exists == (rows.get(str(n)) == "applied"), (n, rows, present)
    result = project.run("up")
    if not dirty:
        assert result.code == 0, result.stderr
        applied = sum(1 for state in rows.values() if state == "applied")
        return "complete" if applied == len(present) else "midway" if applied else "before"
    [version] = dirty
    assert engine.name == "mysql" or version == "3", rows  # elsewhere only the one outside a transaction can be
    assert result.code == 2, result.stderr
    assert f"{LABELS[int(version)]} is dirty" in result.stderr and f"migrate repair {version}" in result.stderr
    if engine.name == "mysql":
        for statement in UNDO_ON_MYSQL[int(version)]:
            engine.query(statement)
        assert project.run("repair", version, "--rolled-back").code == 0
    elif present[3]:  # every statement ran: the record is what the kill interrupted
        assert project.run("repair", version, "--applied").code == 0
    else:  # undo what ran; an invalid index of a killed CREATE INDEX CONCURRENTLY is left for the retry to drop
        if engine.name == "sqlite" or engine.query("SELECT count(*) FROM pg_index WHERE indisvalid AND "
                                                   "indexrelid = to_regclass('base_v')")[0][0]:
            engine.query("DROP INDEX IF EXISTS base_v")
        assert project.run("repair", version, "--rolled-back").code == 0
    again = project.run("up")
    assert again.code == 0, again.stderr
    return "dirty"


@pytest.mark.parametrize("seed", [20261202])
def test_sigkill_at_random_moments_leaves_a_consistent_or_dirty_state(project, engine, seed):
    crash_project(project, engine)
    rng = random.Random(seed)
    outcomes = []
    for trial in range(12):
        process = project.launch("up", wait=False)
        time.sleep(rng.uniform(*KILL_WINDOW[engine.name]))
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
        outcomes.append(check_and_recover(project, engine))
        assert effects(engine) == dict.fromkeys(range(1, 6), True)
        assert engine.tracked_versions() == ["1", "2", "3", "4", "5"]
        assert project.run("down", "--steps", "5").code == 0
        assert engine.tables() == {"schema_migrations"}
    counts = {outcome: outcomes.count(outcome) for outcome in ("before", "midway", "dirty", "complete")}
    print(f"{engine.name}: {len(outcomes)} SIGKILL trials {counts}, 0 inconsistent")
    assert counts["midway"] + counts["dirty"] >= 3, counts  # the kills landed while migrations ran


def test_sigkill_inside_a_migration_outside_a_transaction_leaves_it_dirty(project, engine):
    crash_project(project, engine)
    assert project.run("up", "--steps", "2").code == 0
    process = project.launch("up", "--steps", "1", wait=False)
    deadline = time.monotonic() + 30
    while not engine.query("SELECT count(*) FROM schema_migrations WHERE version = '3'")[0][0]:
        assert time.monotonic() < deadline, "the migration never started"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)

    status = project.run("status", "--format", "json").json
    assert [m["state"] for m in status["migrations"]][:3] == ["applied", "applied", "dirty"]
    assert check_and_recover(project, engine) == "dirty"


def test_the_server_killing_the_connection_mid_migration_is_a_clear_error_and_a_consistent_state(tmp_path, postgres_url):
    from conftest import Engine

    project, engine = Project(tmp_path / "project", postgres_url), Engine("postgres", postgres_url)
    project.migration("1", "slow", "CREATE TABLE t_1 (id integer);\nSELECT pg_sleep(30);", "DROP TABLE t_1;")
    process = project.launch("up", wait=False)
    deadline = time.monotonic() + 30
    while not engine.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'dk-migrate' AND datname = current_database() "
                           "AND query LIKE 'SELECT pg_sleep(30)%'")[0][0]:
        assert time.monotonic() < deadline, "the migration never reached its sleep"
        time.sleep(0.05)

    engine.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'dk-migrate'"
                 " AND datname = current_database()")
    code, stdout, stderr = finish(process, timeout=30)

    assert code == 1, stderr
    assert "1_slow failed (up)" in stderr and "terminat" in stderr
    assert "Traceback" not in stderr and "internal error" not in stderr
    assert engine.tables() == {"schema_migrations"}
    assert engine.tracked_versions() == []
    assert [m["state"] for m in project.run("status", "--format", "json").json["migrations"]] == ["pending"]


def test_the_server_killing_the_connection_mid_migration_on_mysql_is_a_clear_error_and_a_consistent_state(
        tmp_path, mysql_url):
    project, engine = Project(tmp_path / "project", mysql_url), Engine("mysql", mysql_url)
    project.migration("1", "table", "CREATE TABLE t_1 (id integer);", "DROP TABLE t_1;")
    assert project.run("up").code == 0
    project.migration("2", "slow", "INSERT INTO t_1 VALUES (1);\nSELECT SLEEP(30);", "DELETE FROM t_1;")
    process = project.launch("up", wait=False)
    sleeping = ("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO LIKE 'SELECT SLEEP(30)%'"
                " AND ID <> CONNECTION_ID()")
    deadline = time.monotonic() + 30
    while not (found := engine.query(sleeping)):
        assert time.monotonic() < deadline, "the migration never reached its sleep"
        time.sleep(0.05)

    engine.query(f"KILL CONNECTION {found[0][0]}")
    code, stdout, stderr = finish(process, timeout=30)

    assert code == 1, stderr
    assert "2_slow failed (up)" in stderr and "rolled back: the database is as it was before 2_slow" in stderr
    assert "Traceback" not in stderr and "internal error" not in stderr
    assert engine.query("SELECT count(*) FROM t_1") == [(0,)]
    assert engine.tracked_versions() == ["1"]
    assert [m["state"] for m in project.run("status", "--format", "json").json["migrations"]] == ["applied", "pending"]


def resident_kib() -> int:
    with open(f"/proc/{os.getpid()}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def test_a_soak_of_2000_migrations_in_batches_leaks_no_memory(tmp_path, postgres_url):
    from conftest import Engine

    project, engine = Project(tmp_path / "project", postgres_url), Engine("postgres", postgres_url)
    for n in range(1, 2001):
        project.migration(str(n), f"m{n}", f"CREATE TABLE t_{n} (id integer);", f"DROP TABLE t_{n};")
    batch = 250

    def cycle(batches: int):
        for _ in range(batches):
            assert project.run("up", "--steps", str(batch)).code == 0
        for _ in range(batches):
            assert project.run("down", "--steps", str(batch)).code == 0

    started = time.monotonic()
    cycle(2000 // batch)  # the first pass warms every cache and sizes the allocator's arenas
    gc.collect()
    start = resident_kib()
    cycle(2000 // batch)
    gc.collect()
    end = resident_kib()
    elapsed = time.monotonic() - started

    assert engine.tables() == {"schema_migrations"}
    # 2,000 migrations each way: a leak of a kilobyte per migration would show as 4 MiB.
    assert end <= start + 2 * 1024, f"memory grew from {start} KiB to {end} KiB over 2,000 migrations up and down"
    print(f"soak: 2 x 2000 migrations up and down in batches of {batch} in {elapsed:.0f} s; "
          f"RSS over the second pass {start} -> {end} KiB")


def test_an_invalid_index_of_a_failed_concurrent_build_is_named_and_dropped_by_the_retry(tmp_path, postgres_url):
    from conftest import Engine

    project, engine = Project(tmp_path / "project", postgres_url), Engine("postgres", postgres_url)
    project.migration("1", "items", "CREATE TABLE items (id integer, sku text);\n"
                                    "INSERT INTO items VALUES (1, 'a'), (2, 'a'), (3, 'b');", "DROP TABLE items;")
    project.migration("2", "unique_sku", "-- one per sku\nCREATE UNIQUE INDEX CONCURRENTLY \"Items_SKU\" ON public.items (sku);",
                      'DROP INDEX CONCURRENTLY "Items_SKU";')
    failed = project.run("up")
    assert failed.code == 1 and "could not create unique index" in failed.stderr
    assert engine.query("""SELECT indisvalid FROM pg_index WHERE indexrelid = '"Items_SKU"'::regclass""") == [(False,)]

    status = project.run("status", "--format", "json")
    assert status.json["invalid_indexes"] == [{
        "name": "public.Items_SKU", "table": "items",
        "definition": 'CREATE UNIQUE INDEX "Items_SKU" ON public.items USING btree (sku)'}]
    assert "warning: invalid index public.Items_SKU on items, left by a CREATE INDEX CONCURRENTLY" in project.run("status").stderr
    repaired = project.run("repair", "2", "--rolled-back")
    assert repaired.code == 0
    assert "warning: invalid index public.Items_SKU on items" in repaired.stderr
    assert "the migration's retry drops it first" in repaired.stderr

    engine.query("DELETE FROM items WHERE id = 2")
    retried = project.run("up")

    assert retried.code == 0, retried.stderr
    assert "the invalid index public.Items_SKU left by an earlier attempt is dropped first" in retried.stderr
    assert engine.query("""SELECT indisvalid FROM pg_index WHERE indexrelid = '"Items_SKU"'::regclass""") == [(True,)]
    assert project.run("status", "--format", "json").json["invalid_indexes"] == []
