"""One migrator at a time: real processes started through scripts/migrate race for the lock."""

import time

import pytest

SLOW = {  # a statement that takes about a second and a half
    "postgres": "SELECT pg_sleep(1.5)",
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT count(*) FROM c",
}


def finish(process, timeout=60):
    stdout, stderr = process.communicate(timeout=timeout)
    return process.returncode, stdout, stderr


def wait_until_locked(engine, project, timeout=20):
    """Until the first process holds the migrator lock (so the second one has to wait)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if engine.name == "postgres":
            if engine.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = "
                            "(SELECT oid FROM pg_database WHERE datname = current_database())")[0][0]:
                return
        elif list(project.root.parent.glob("*.migrate-lock")) and engine.tables():
            return
        time.sleep(0.05)
    raise AssertionError("the first migrator never took the lock")


def test_two_processes_running_up_apply_each_migration_once(project, engine):
    project.migration("1", "slow", f"CREATE TABLE counter (n integer);\n{SLOW[engine.name]};\n"
                                   "INSERT INTO counter VALUES (1);", "DROP TABLE counter;")
    project.migration("2", "more", "INSERT INTO counter VALUES (2);", "DELETE FROM counter WHERE n = 2;")

    first = project.launch("up", "--lock-wait", "60", wait=False)
    second = project.launch("up", "--lock-wait", "60", wait=False)
    results = [finish(first), finish(second)]

    assert [code for code, _, _ in results] == [0, 0], results
    outputs = "".join(stdout for _, stdout, _ in results)
    assert outputs.count("1_slow  applied") == 1 and outputs.count("2_more  applied") == 1
    assert "Nothing to apply: the database is up to date." in outputs
    assert any("waiting for the migration lock" in stderr for _, _, stderr in results)
    assert engine.query("SELECT n FROM counter ORDER BY n") == [(1,), (2,)]
    assert engine.tracked_versions() == ["1", "2"]


def test_a_migrator_gives_up_after_lock_wait_with_exit_3(project, engine):
    # Long enough that the holder still holds the lock when a second process has started on a loaded machine.
    project.migration("1", "slow", f"{SLOW[engine.name]};\n" * 3, "SELECT 1;")
    holder = project.launch("up", wait=False)
    wait_until_locked(engine, project)
    code, stdout, stderr = finish(project.launch("up", "--lock-wait", "0.3", wait=False))
    assert code == 3, stderr
    assert "gave up after waiting 0.3 s for the migration lock" in stderr
    assert ("held by pid" if engine.name == "postgres" else "another migrator holds test.sqlite3.migrate-lock") in stderr
    assert finish(holder)[0] == 0


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
    wait_until_locked(engine, project)
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
