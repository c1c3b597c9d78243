"""Where the tracking table lives, and which existing tables are adopted or refused."""

import pytest

from conftest import Project


@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_schema_qualified_tracking_table(tmp_path, engine):
    engine.query("CREATE SCHEMA ops")
    project = Project(tmp_path / "p", engine.url)
    (project.root / "migrate.yaml").write_text("table: ops.migration_log\n")
    project.migration("1", "one", "CREATE TABLE one (id integer);", "DROP TABLE one;")
    assert project.run("up").code == 0
    assert engine.query("SELECT version, state FROM ops.migration_log") == [("1", "applied")]
    assert "schema_migrations" not in engine.tables()


@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_search_path_in_the_url_places_tables_and_tracking(tmp_path, engine):
    engine.query("CREATE SCHEMA app")
    separator = "&" if "?" in engine.url else "?"
    project = Project(tmp_path / "p", f"{engine.url}{separator}search_path=app")
    project.migration("1", "one", "CREATE TABLE one (id integer);", "DROP TABLE one;")
    result = project.run("up")
    assert result.code == 0, result.stderr
    assert engine.query("SELECT schemaname, tablename FROM pg_tables WHERE schemaname = 'app' ORDER BY 2") == [
        ("app", "one"), ("app", "schema_migrations")]
    assert engine.tables() == set()


def test_golang_migrate_table_is_refused_with_a_way_out(project, engine):
    engine.query("CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)")
    project.migration("1", "one", "CREATE TABLE one (id integer);", "DROP TABLE one;")
    result = project.run("up")
    assert result.code == 2
    assert "golang-migrate's shape" in result.stderr
    assert "hint: choose another tracking table with `table:` in migrate.yaml" in result.stderr
    assert "one" not in engine.tables()


def test_a_table_without_a_version_column_is_not_taken_for_a_tracking_table(project, engine):
    engine.query("CREATE TABLE schema_migrations (id integer)")
    project.migration("1", "one", "CREATE TABLE one (id integer);", "DROP TABLE one;")
    result = project.run("up")
    assert result.code == 2
    assert "has no version column: it is not a migrations table" in result.stderr
