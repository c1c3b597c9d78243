"""One migrator at a time: real processes started through scripts/migrate race for the lock."""

import time

import pytest

from conftest import wait_for_stderr

def finish(process, timeout=60):
    stdout, stderr = process.communicate(timeout=timeout)
    return process.returncode, stdout, stderr


def wait_until_locked(engine, timeout=20):
    """Until a process holds the migrator lock on PostgreSQL (so the next one has to wait)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if engine.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = "
                        "(SELECT oid FROM pg_database WHERE datname = current_database())")[0][0]:
            return
        time.sleep(0.05)
    raise AssertionError("the first migrator never took the lock")


class Gate:
    """Something the test holds shut and a migration's statement waits for, so that the process holding the
    migrator lock keeps it exactly as long as the test wants: an advisory lock on PostgreSQL, a write lock on
    another SQLite file (the migration raises its busy timeout to wait for it)."""

    KEY = 4242

    def __init__(self, engine, directory):
        self.engine = engine
        self.path = directory / "gate.sqlite3"
        self.connection = None

    @property
    def statements(self) -> str:
        """SQL that passes once the gate opens (run outside a transaction: ATTACH cannot run in one)."""
        if self.engine.name == "postgres":
            return f"SELECT pg_advisory_xact_lock({self.KEY});"
        return (f"PRAGMA busy_timeout = 120000;\nATTACH DATABASE '{self.path}' AS gate;\n"
                "INSERT INTO gate.passed VALUES (1);\nDETACH DATABASE gate;")

    def close(self):
        if self.engine.name == "postgres":
            import psycopg

            self.connection = psycopg.connect(self.engine.url, autocommit=True)
            self.connection.execute(f"SELECT pg_advisory_lock({self.KEY})")
        else:
            import sqlite3

            self.connection = sqlite3.connect(self.path, isolation_level=None)
            self.connection.execute("CREATE TABLE IF NOT EXISTS passed (n integer)")
            self.connection.execute("BEGIN IMMEDIATE")
        return self

    def open(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


@pytest.fixture
def gate(engine, tmp_path):
    closed = Gate(engine, tmp_path).close()
    yield closed
    closed.open()


def wait_until_applying(engine, timeout=60):
    """Until a migrator has recorded that it started a (non-transactional) migration: it holds the lock."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if engine.query("SELECT state FROM schema_migrations") == [("applying",)]:
                return
        except Exception:  # the table does not exist yet
            pass
        time.sleep(0.05)
    raise AssertionError("the first migrator never started its migration")


def gated_migration(project, gate):
    project.migration("1", "gated", f"{gate.statements}\nCREATE TABLE counter (n integer);\n"
                                    "INSERT INTO counter VALUES (1);", "DROP TABLE counter;",
                      up_options="transaction:false")


def test_two_processes_running_up_apply_each_migration_once(project, engine, gate):
    gated_migration(project, gate)
    project.migration("2", "more", "INSERT INTO counter VALUES (2);", "DELETE FROM counter WHERE n = 2;")
    processes = [project.launch("up", "--lock-wait", "60", wait=False) for _ in range(2)]
    wait_until_applying(engine)
    seen = ["", ""]
    deadline = time.monotonic() + 60
    while not any("waiting for the migration lock" in text for text in seen) and time.monotonic() < deadline:
        for index, process in enumerate(processes):
            seen[index] += wait_for_stderr(process, "waiting for the migration lock", timeout=0.2)
    gate.open()
    results = [finish(process) for process in processes]

    assert [code for code, _, _ in results] == [0, 0], (seen, results)
    outputs = "".join(stdout for _, stdout, _ in results)
    assert outputs.count("1_gated  applied") == 1 and outputs.count("2_more  applied") == 1
    assert "Nothing to apply: the database is up to date." in outputs
    assert any("waiting for the migration lock" in text for text in seen)
    assert engine.query("SELECT n FROM counter ORDER BY n") == [(1,), (2,)]
    assert engine.tracked_versions() == ["1", "2"]


def test_a_migrator_gives_up_after_lock_wait_with_exit_3(project, engine, gate):
    gated_migration(project, gate)
    holder = project.launch("up", wait=False)
    wait_until_applying(engine)
    code, stdout, stderr = finish(project.launch("up", "--lock-wait", "0.3", wait=False))
    assert code == 3, stderr
    assert "gave up after waiting 0.3 s for the migration lock" in stderr
    assert ("held by pid" if engine.name == "postgres" else "another migrator holds test.sqlite3.migrate-lock") in stderr
    gate.open()
    assert finish(holder)[0] == 0
    assert engine.query("SELECT n FROM counter") == [(1,)]


def test_two_spellings_of_one_tracking_table_exclude_each_other(project, engine, gate):
    (project.root / "short.yaml").write_text("table: schema_migrations\n")
    qualified = {"postgres": "public", "sqlite": "main"}[engine.name]
    (project.root / "qualified.yaml").write_text(f"table: {qualified}.schema_migrations\n")
    gated_migration(project, gate)
    first = project.launch("--config", "short.yaml", "up", wait=False)
    wait_until_applying(engine)
    second = project.launch("--config", "qualified.yaml", "up", "--lock-wait", "60", wait=False)
    waited = wait_for_stderr(second, "waiting for the migration lock")
    gate.open()
    results = [finish(first), finish(second)]

    assert [code for code, _, _ in results] == [0, 0], (waited, results)
    assert "waiting for the migration lock" in waited
    assert "Nothing to apply" in results[1][1]
    assert engine.query("SELECT n FROM counter") == [(1,)]
    assert engine.query("SELECT version, state FROM schema_migrations") == [("1", "applied")]


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_symlink_to_the_sqlite_file_takes_the_same_lock(project, engine, gate, tmp_path):
    link = tmp_path / "link.sqlite3"
    link.symlink_to(tmp_path / "test.sqlite3")
    gated_migration(project, gate)
    first = project.launch("up", wait=False)
    wait_until_applying(engine)
    second = project.launch("--url", f"sqlite:{link}", "up", "--lock-wait", "60", url=False, wait=False)
    waited = wait_for_stderr(second, "waiting for the migration lock")
    gate.open()
    results = [finish(first), finish(second)]

    assert [code for code, _, _ in results] == [0, 0], (waited, results)
    assert "waiting for the migration lock: another migrator holds test.sqlite3.migrate-lock" in waited
    assert engine.query("SELECT n FROM counter") == [(1,)]
    assert engine.query("SELECT version, state FROM schema_migrations") == [("1", "applied")]


def holding_the_database(engine, gate):
    """Migration SQL that, on SQLite, writes more than the page cache holds (so SQLite takes its exclusive lock
    early and no other connection can even read the schema) and then waits at the gate, the lock held."""
    if engine.name == "postgres":
        return f"BEGIN;\nCREATE TABLE filler (b bytea);\n{gate.statements}\nCOMMIT;"
    attach, _, rest = gate.statements.partition("INSERT")
    return (f"{attach}CREATE TABLE filler (b blob);\nBEGIN;\nPRAGMA cache_size = 16;\n"
            "INSERT INTO filler SELECT randomblob(1000) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
            "SELECT i + 1 FROM n WHERE i < 3000) SELECT i FROM n);\n"
            f"INSERT{rest.replace('DETACH DATABASE gate;', '')}COMMIT;\nDETACH DATABASE gate;")


def database_is_held(engine, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if engine.name == "postgres":
            if engine.query("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                            "AND query LIKE '%pg_advisory_xact_lock%'")[0][0]:
                return
        else:
            import sqlite3

            reader = sqlite3.connect(engine.url.removeprefix("sqlite://"), timeout=0)
            try:
                reader.execute("SELECT count(*) FROM sqlite_master").fetchall()
            except sqlite3.OperationalError as error:
                if "locked" in str(error):
                    return
            finally:
                reader.close()
        time.sleep(0.05)
    raise AssertionError("the holder never took the database")


def test_lock_wait_is_honoured_exactly_while_the_holder_keeps_the_database(project, engine, gate):
    project.migration("1", "big", holding_the_database(engine, gate), "DROP TABLE filler;", up_options="transaction:false")
    holder = project.launch("up", wait=False)
    database_is_held(engine)

    started = time.monotonic()
    code, _, stderr = finish(project.launch("up", "--lock-wait", "0", wait=False))
    assert (code, time.monotonic() - started < 4.5) == (3, True), stderr
    assert "gave up after waiting 0 s for the migration lock" in stderr
    assert "waiting for the migration lock" not in stderr

    patient = project.launch("up", "--lock-wait", "60", wait=False)
    started = time.monotonic()
    code, _, stderr = finish(project.launch("up", "--lock-wait", "6", wait=False))
    assert code == 3, stderr
    assert time.monotonic() - started >= 6
    assert "database is locked" not in stderr
    assert "gave up after waiting 6 s for the migration lock" in stderr

    gate.open()
    assert finish(holder)[0] == 0
    code, stdout, stderr = finish(patient)
    assert code == 0, stderr
    assert "waiting for the migration lock" in stderr and "Nothing to apply" in stdout


@pytest.mark.parametrize("value", ["nan", "-1", "inf"])
def test_a_lock_wait_that_is_not_a_number_of_seconds_is_exit_2(sqlite_project, value):
    result = sqlite_project.run("up", "--lock-wait", value)
    assert result.code == 2
    assert f"must be a number of seconds (0 or more), not '{value}'" in result.stderr


@pytest.mark.parametrize("value", [".nan", "-1", ".inf"])
def test_a_lock_wait_in_migrate_yaml_that_is_not_a_number_of_seconds_is_exit_2(sqlite_project, value):
    (sqlite_project.root / "migrate.yaml").write_text(f"environments:\n  development:\n    lock_wait: {value}\n")
    result = sqlite_project.run("up")
    assert result.code == 2
    assert "the lock wait must be zero or more seconds" in result.stderr


@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_a_waiting_migrator_does_not_deadlock_create_index_concurrently(project, engine):
    # CREATE INDEX CONCURRENTLY waits for every transaction that holds a snapshot. A waiter sitting in
    # pg_advisory_lock() would hold one while it waits for us: each would wait for the other until
    # --lock-wait ran out. Polling pg_try_advisory_lock outside a transaction avoids that.
    project.migration("1", "items", "CREATE TABLE items (id integer, sku text);\n"
                                    "INSERT INTO items SELECT g, 'sku-' || g FROM generate_series(1, 50000) g;",
                      "DROP TABLE items;")
    project.migration("2", "pause", "SELECT pg_sleep(1);", "SELECT 1;")
    project.migration("3", "index", "CREATE INDEX CONCURRENTLY items_sku ON items (sku);",
                      "DROP INDEX CONCURRENTLY items_sku;")

    started = time.monotonic()
    first = project.launch("up", wait=False)
    wait_until_locked(engine)
    second = project.launch("up", "--lock-wait", "40", wait=False)
    first_code, first_out, first_err = finish(first, timeout=30)
    elapsed = time.monotonic() - started
    second_code, second_out, second_err = finish(second)

    assert first_code == 0, first_err
    assert "3_index  applied" in first_out
    assert elapsed < 15, f"the first migrator took {elapsed:.1f} s: its index build waited for the waiter"
    assert second_code == 0, second_err
    assert "waiting for the migration lock: migration lock held by pid" in second_err
    assert "Nothing to apply" in second_out
    assert engine.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_sku'::regclass") == [(True,)]
