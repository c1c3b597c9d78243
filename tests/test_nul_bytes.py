"""A NUL byte in a migration file is refused when the file is read, before any command acts on it: PostgreSQL's
client library ends a statement at a NUL, so `DELETE FROM accounts\\0 WHERE id = 5` would delete every row."""

import pytest

COMMANDS = [("up",), ("up", "--dry-run"), ("down",), ("down", "--dry-run"), ("status",), ("lint",), ("lint", "--all"),
            ("plan",)]


def accounts(project, engine):
    project.migration("1", "accounts", "CREATE TABLE accounts (id integer);\n"
                                       "INSERT INTO accounts VALUES (4), (5), (6);", "DROP TABLE accounts;")
    assert project.run("up").code == 0
    (project.migrations / "2_delete_one.sql").write_bytes(
        b"-- migrate:up\n-- one account closed\nDELETE FROM accounts\x00 WHERE id = 5;\n\n-- migrate:down\n"
        b"INSERT INTO accounts VALUES (5);\n")


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_migration_with_a_nul_byte_is_refused_with_its_file_and_line(project, engine, command):
    accounts(project, engine)
    result = project.run(*command)
    assert result.code == 2, (result.stdout, result.stderr)
    assert "error: 2_delete_one.sql:3: holds a NUL byte" in result.stderr
    assert engine.query("SELECT id FROM accounts ORDER BY id") == [(4,), (5,), (6,)]
    assert engine.tracked_versions() == ["1"]


def test_lint_of_a_sql_file_with_a_nul_byte_is_refused(project, engine):
    (project.root / "cleanup.sql").write_bytes(b"DELETE FROM accounts\x00 WHERE id = 5;\n")
    result = project.run("lint", "cleanup.sql")
    assert result.code == 2
    assert "error: cleanup.sql:1: holds a NUL byte" in result.stderr


def test_a_nul_byte_in_json_mode_is_one_error_object(project, engine):
    accounts(project, engine)
    result = project.run("up", "--format", "json")
    assert result.code == 2
    assert result.json["error"]["message"].startswith("2_delete_one.sql:3: holds a NUL byte")


@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_the_postgres_adapter_never_sends_a_statement_holding_a_nul_byte(engine):
    from dkmigrate.adapters import adapter_for
    from dkmigrate.errors import StatementFailed
    from dkmigrate.urls import parse_url

    engine.query("CREATE TABLE accounts (id integer); INSERT INTO accounts VALUES (4), (5)")
    adapter = adapter_for(parse_url(engine.url, None), "schema_migrations")
    adapter.open(create=False)
    try:
        with pytest.raises(StatementFailed, match="NUL byte"):
            adapter.execute("DELETE FROM accounts\0 WHERE id = 5")
    finally:
        adapter.close()
    assert engine.query("SELECT id FROM accounts ORDER BY id") == [(4,), (5,)]
