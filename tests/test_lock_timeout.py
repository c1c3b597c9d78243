"""`lock_timeout` per environment: every statement of a run waits at most that long for a table lock, so a
migration queued behind a long transaction fails fast instead of stalling the traffic behind it; with
`lock_retries` it is tried again (backoff with jitter), each retry naming who holds the lock, and after the
last the run exits 3 naming the blocker."""

import re
import sqlite3
import threading
import time

import pytest

from conftest import Engine, Project

HOLD = {  # a session that holds a lock the ALTER must wait for
    "postgres": ["BEGIN", "SELECT * FROM t"],  # ACCESS SHARE until COMMIT
    "mysql": ["BEGIN", "SELECT * FROM t"],  # a shared metadata lock until COMMIT
    "sqlite": ["BEGIN IMMEDIATE"],  # the database's write lock
}
HOLD_ROW = {  # a session that holds the row a data change must wait for
    "postgres": ["BEGIN", "UPDATE t SET n = 5 WHERE id = 1"],
    "mysql": ["BEGIN", "UPDATE t SET n = 5 WHERE id = 1"],  # InnoDB's row lock: innodb_lock_wait_timeout
    "sqlite": ["BEGIN IMMEDIATE"],
}
TIMED_OUT = {"postgres": "canceling statement due to lock timeout", "mysql": "Lock wait timeout exceeded",
             "sqlite": "database is locked"}


@pytest.fixture(params=["postgres", "mysql", "sqlite"])
def database(request, tmp_path):
    """(engine, url, execute on a second session, that session's id as the blocker message names it)."""
    if request.param == "mysql":
        url, connection = request.getfixturevalue("mysql_database")
        cursor = connection.cursor()
        cursor.execute("SELECT CONNECTION_ID()")
        return request.param, url, cursor.execute, f"connection {cursor.fetchone()[0]} "
    if request.param == "sqlite":
        url = request.getfixturevalue("sqlite_url")
        path = url.removeprefix("sqlite://")
        holder = {}

        def execute(statement):  # the file exists only after the first `up`
            if "connection" not in holder:
                holder["connection"] = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
                request.addfinalizer(holder["connection"].close)
            holder["connection"].execute(statement)

        return request.param, url, execute, "another connection holds the write lock of test.sqlite3"
    url = request.getfixturevalue("postgres_url")
    import psycopg

    connection = psycopg.connect(url, autocommit=True)
    request.addfinalizer(connection.close)
    return request.param, url, connection.execute, f"pid {connection.info.backend_pid} holds "


def _project(tmp_path, url, settings: str) -> Project:
    project = Project(tmp_path / "project", url)
    (project.root / "migrate.yaml").write_text(f"environments:\n  staging:\n    url: {url}\n{settings}")
    project.migration("1", "table", "CREATE TABLE t (id int PRIMARY KEY);", "DROP TABLE t;")
    assert project.run("--env", "staging", "up", url=False).code == 0
    project.migration("2", "column", "ALTER TABLE t ADD COLUMN n int;", "ALTER TABLE t DROP COLUMN n;")
    return project


def test_a_statement_gives_up_after_the_environments_lock_timeout(tmp_path, database):
    name, url, execute, blocker = database
    project = _project(tmp_path, url, "    lock_timeout: 1s\n")
    for statement in HOLD[name]:
        execute(statement)
    started = time.monotonic()
    blocked = project.run("--env", "staging", "up", url=False)
    assert blocked.code == 3
    assert TIMED_OUT[name] in blocked.stderr
    assert f"the lock was held by: {blocker}" in blocked.stderr
    assert time.monotonic() - started < 10
    execute("COMMIT")
    if name == "mysql":  # DDL outside a transaction: the migration is dirty until the user says what ran
        assert "2_column is now dirty: 0 of 1 statements ran" in blocked.stderr
        assert project.run("--env", "staging", "repair", "2", "--rolled-back", url=False).code == 0
    else:
        assert "rolled back: the database is as it was before 2_column" in blocked.stderr
    assert project.run("--env", "staging", "up", url=False).code == 0


def test_each_retry_names_the_holder_and_the_last_exits_3(tmp_path, database):
    name, url, execute, blocker = database
    project = _project(tmp_path, url, "    lock_timeout: 1s\n    lock_retries: 2\n    lock_retry_delay: 100ms\n")
    for statement in HOLD[name]:
        execute(statement)
    blocked = project.run("--env", "staging", "up", url=False)
    execute("COMMIT")
    assert blocked.code == 3, blocked.stderr
    retries = re.findall(r"2_column: a lock was not granted in time, retry (\d) of 2 in [\d.]+s \(held by: (.*)\)",
                         blocked.stderr)
    assert [number for number, _ in retries] == ["1", "2"]
    assert all(holder.startswith(blocker) for _, holder in retries)
    assert "(tried 3 times)" in blocked.stderr
    status = project.run("--env", "staging", "status", url=False)
    assert re.search(r"(pending|dirty)\s+2\s+column", status.stdout), status.stdout


def test_a_retry_succeeds_once_the_holder_lets_go(tmp_path, database):
    name, url, execute, blocker = database
    project = _project(tmp_path, url, "    lock_timeout: 1s\n    lock_retries: 5\n    lock_retry_delay: 200ms\n")
    for statement in HOLD[name]:
        execute(statement)
    release = threading.Timer(1.5, execute, ["COMMIT"])
    release.start()
    try:
        result = project.run("--env", "staging", "up", url=False)
    finally:
        release.join()
    assert result.code == 0, result.stderr
    assert "2_column: a lock was not granted in time, retry 1 of 5" in result.stderr
    assert f"(held by: {blocker}" in result.stderr
    assert "2_column  applied" in result.stdout


def test_dry_run_shows_the_lock_timeout_before_each_migration(tmp_path, database):
    name, url, execute, blocker = database
    project = _project(tmp_path, url, "    lock_timeout: 2s\n")
    project.migration("3", "other", "ALTER TABLE t ADD COLUMN m int;", "ALTER TABLE t DROP COLUMN m;")
    script = project.run("--env", "staging", "up", "--dry-run", url=False)
    assert script.code == 0
    setting = {"postgres": "SET lock_timeout = '2000ms';", "mysql": "SET SESSION lock_wait_timeout = 2;",
               "sqlite": "PRAGMA busy_timeout = 2000;"}[name]
    sections = script.stdout.split("-- 2_column")[1].split("-- 3_other")
    assert all(setting in section for section in sections)
    assert all(section.index(setting) < section.index("ADD COLUMN") for section in sections)
    if name == "mysql":  # InnoDB's row locks have their own timeout
        assert all(section.index("SET SESSION innodb_lock_wait_timeout = 2;") < section.index("ADD COLUMN")
                   for section in sections)


def test_a_protected_environment_without_lock_timeout_gets_a_finite_one_and_says_so(tmp_path, sqlite_url):
    project = Project(tmp_path / "project", sqlite_url)
    (project.root / "migrate.yaml").write_text(f"environments:\n  prod:\n    url: {sqlite_url}\n    protected: true\n")
    project.migration("1", "table", "CREATE TABLE t (id bigint PRIMARY KEY);", "DROP TABLE t;")
    result = project.run("--env", "prod", "up", "--dry-run", url=False)
    assert result.code == 0
    assert ("environment 'prod' is protected and sets no lock_timeout: each migration waits at most 5s for a "
            "table lock") in result.stderr
    assert "PRAGMA busy_timeout = 5000;" in result.stdout


@pytest.mark.parametrize("setting, error", [
    ("lock_timeout: soon", "environments.dev.lock_timeout: 'soon' is not a duration"),
    ("lock_retries: -1", "environments.dev.lock_retries: '-1' is not a number of retries"),
    ("lock_retry_delay: later", "environments.dev.lock_retry_delay: 'later' is not a duration"),
])
def test_lock_settings_that_are_not_what_they_say_are_a_configuration_error(tmp_path, sqlite_url, setting, error):
    project = Project(tmp_path / "project", sqlite_url)
    (project.root / "migrate.yaml").write_text(f"environments:\n  dev:\n    url: {sqlite_url}\n    {setting}\n")
    result = project.run("--env", "dev", "status", url=False)
    assert result.code == 2
    assert error in result.stderr


def test_the_plan_counts_the_environments_lock_timeout_as_guarding_the_statements(tmp_path, postgres_url):
    project = _project(tmp_path, postgres_url, "    lock_timeout: 2s\n    lock_retries: 3\n")
    item = next(item for item in project.run("--env", "staging", "plan", "--format", "json", url=False).json["checklist"]
                if item["item"] == "lock_timeout set for risky statements")
    assert item == {"item": "lock_timeout set for risky statements", "status": "ok",
                    "detail": "`up` sets lock_timeout 2s (environment 'staging' in migrate.yaml) before each "
                              "migration's statements, retried 3 times"}


def _data_project(tmp_path, url, settings: str) -> Project:
    """A pending migration of data changes only, which runs in one transaction on every engine: its first statement
    succeeds, its second waits for the row the other session holds."""
    project = Project(tmp_path / "project", url)
    (project.root / "migrate.yaml").write_text(f"environments:\n  staging:\n    url: {url}\n{settings}")
    project.migration("1", "table", "CREATE TABLE t (id int PRIMARY KEY, n int);\nINSERT INTO t VALUES (1, 0);",
                      "DROP TABLE t;")
    assert project.run("--env", "staging", "up", url=False).code == 0
    project.migration("2", "data", "INSERT INTO t VALUES (2, 0);\nUPDATE t SET n = 1 WHERE id = 1;",
                      "DELETE FROM t WHERE id = 2;\nUPDATE t SET n = 0 WHERE id = 1;")
    return project


def test_a_data_migration_whose_row_lock_is_not_granted_is_rolled_back_and_run_again_whole(tmp_path, database):
    name, url, execute, blocker = database
    project = _data_project(tmp_path, url, "    lock_timeout: 1s\n    lock_retries: 5\n    lock_retry_delay: 200ms\n")
    for statement in HOLD_ROW[name]:
        execute(statement)
    release = threading.Timer(1.5, execute, ["COMMIT"])
    release.start()
    try:
        result = project.run("--env", "staging", "up", "--format", "json", url=False)
    finally:
        release.join()

    assert result.code == 0, result.stdout + result.stderr
    [migration] = result.json["migrations"]
    assert (migration["result"], migration["transaction"]) == ("applied", True)
    first = migration["retries"][0]
    assert first["attempt"] == 2 and first["holder"].startswith(blocker), migration["retries"]
    assert first["waited_ms"] >= 900 and first["delay_ms"] >= 100
    assert first["line"] == (2 if name == "sqlite" else 3)  # SQLite's write lock stops the first write already
    assert "2_data: a lock was not granted in time, retry 1 of 5 in" in result.stderr
    # Run again from the start: its first INSERT was rolled back with the attempt, or the retry would fail on it.
    query = Engine(name, url).query
    assert sorted(query("SELECT id, n FROM t")) == [(1, 1), (2, 0)]


def test_a_data_migration_still_blocked_after_its_last_retry_exits_3_with_nothing_changed(tmp_path, database):
    name, url, execute, blocker = database
    project = _data_project(tmp_path, url, "    lock_timeout: 1s\n    lock_retries: 1\n    lock_retry_delay: 100ms\n")
    for statement in HOLD_ROW[name]:
        execute(statement)
    try:
        result = project.run("--env", "staging", "up", "--format", "json", url=False)
    finally:
        execute("ROLLBACK")

    assert result.code == 3, result.stdout + result.stderr
    [migration] = result.json["migrations"]
    assert migration["result"] == "failed"
    assert [retry["attempt"] for retry in migration["retries"]] == [2]
    assert result.json["error"]["rolled_back"] is True
    assert f"the lock was held by: {blocker}" in result.json["error"]["message"]
    assert "(tried 2 times)" in result.json["error"]["message"]
    assert sorted(Engine(name, url).query("SELECT id, n FROM t")) == [(1, 0)]
    assert Engine(name, url).tracked_versions() == ["1"]


def test_outside_a_transaction_only_the_statement_that_did_not_get_its_lock_runs_again(tmp_path, database):
    name, url, execute, blocker = database
    project = _project(tmp_path, url, "    lock_timeout: 1s\n    lock_retries: 5\n    lock_retry_delay: 200ms\n")
    project.migration("2", "column", "CREATE TABLE before_it (id int);\nALTER TABLE t ADD COLUMN n int;\n"
                                     "CREATE TABLE after_it (id int);", "DROP TABLE after_it;\n"
                                     "ALTER TABLE t DROP COLUMN n;\nDROP TABLE before_it;", up_options="transaction:false")
    for statement in HOLD[name]:
        execute(statement)
    release = threading.Timer(1.5, execute, ["COMMIT"])
    release.start()
    try:
        result = project.run("--env", "staging", "up", "--format", "json", url=False)
    finally:
        release.join()

    assert result.code == 0, result.stdout + result.stderr
    [migration] = result.json["migrations"]
    assert migration["transaction"] is False
    # Elsewhere the table's lock stops the ALTER; a SQLite file's write lock stops the tool's own first write, which
    # records that the migration started (no line of the file): nothing ran, so it is run again whole.
    assert {retry["line"] for retry in migration["retries"]} == {None if name == "sqlite" else 3}
    assert all(retry["holder"].startswith(blocker) for retry in migration["retries"])
    # The statements before it ran once: CREATE TABLE before_it would fail if it ran again.
    assert {"before_it", "after_it"} <= Engine(name, url).tables()
