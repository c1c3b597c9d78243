"""`lock_timeout` per environment: every statement of a run waits at most that long for a table lock, so a
migration queued behind a long transaction fails fast instead of stalling the traffic behind it; with
`lock_retries` it is tried again (backoff with jitter), each retry naming who holds the lock, and after the
last the run exits 3 naming the blocker."""

import re
import sqlite3
import threading
import time

import pytest

from conftest import Project

HOLD = {  # a session that holds a lock the ALTER must wait for
    "postgres": ["BEGIN", "SELECT * FROM t"],  # ACCESS SHARE until COMMIT
    "mysql": ["BEGIN", "SELECT * FROM t"],  # a shared metadata lock until COMMIT
    "sqlite": ["BEGIN IMMEDIATE"],  # the database's write lock
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
    return request.param, url, connection.execute, f"pid {connection.info.backend_pid} holds AccessShareLock on t"


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
