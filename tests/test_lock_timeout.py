"""`lock_timeout` per environment: every statement of a run waits at most that long for a table lock, so a
migration queued behind a long transaction fails fast instead of stalling the traffic behind it."""

import time

import pytest

from conftest import Project

HOLD = {  # a session that reads the table inside an open transaction, holding a lock the ALTER must wait for
    "postgres": ["BEGIN", "SELECT * FROM t"],
    "mysql": ["BEGIN", "SELECT * FROM t"],
}
TIMED_OUT = {"postgres": "canceling statement due to lock timeout", "mysql": "Lock wait timeout exceeded"}


@pytest.fixture(params=["postgres", "mysql"])
def database(request):
    if request.param == "mysql":
        url, connection = request.getfixturevalue("mysql_database")
        return request.param, url, connection.cursor().execute
    url = request.getfixturevalue("postgres_url")
    import psycopg

    connection = psycopg.connect(url, autocommit=True)
    request.addfinalizer(connection.close)
    return request.param, url, connection.execute


def test_a_statement_gives_up_after_the_environments_lock_timeout(tmp_path, database):
    name, url, execute = database
    project = Project(tmp_path / "project", url)
    (project.root / "migrate.yaml").write_text(f"environments:\n  staging:\n    url: {url}\n    lock_timeout: 1s\n")
    project.migration("1", "table", "CREATE TABLE t (id int PRIMARY KEY);", "DROP TABLE t;")
    assert project.run("--env", "staging", "up", url=False).code == 0
    project.migration("2", "column", "ALTER TABLE t ADD COLUMN n int;", "ALTER TABLE t DROP COLUMN n;")
    for statement in HOLD[name]:
        execute(statement)
    started = time.monotonic()
    blocked = project.run("--env", "staging", "up", url=False)
    assert blocked.code == 1
    assert TIMED_OUT[name] in blocked.stderr
    assert time.monotonic() - started < 10
    execute("COMMIT")
    if name == "mysql":  # DDL outside a transaction: the migration is dirty until the user says what ran
        assert "2_column is now dirty: 0 of 1 statements ran" in blocked.stderr
        assert project.run("--env", "staging", "repair", "2", "--rolled-back", url=False).code == 0
    assert project.run("--env", "staging", "up", url=False).code == 0


def test_a_lock_timeout_that_is_no_duration_is_a_configuration_error(tmp_path, sqlite_url):
    project = Project(tmp_path / "project", sqlite_url)
    (project.root / "migrate.yaml").write_text(f"environments:\n  dev:\n    url: {sqlite_url}\n    lock_timeout: soon\n")
    result = project.run("--env", "dev", "status", url=False)
    assert result.code == 2
    assert "environments.dev.lock_timeout: 'soon' is not a duration" in result.stderr
