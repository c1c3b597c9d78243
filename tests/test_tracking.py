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


@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
@pytest.mark.parametrize("setting", [
    "SET search_path TO elsewhere",
    "SELECT pg_catalog.set_config('search_path', '', false)",  # how a pg_dump baseline begins
], ids=["set-search-path", "pg-dump-baseline"])
def test_a_migrations_search_path_does_not_move_the_tracking_table(tmp_path, engine, setting):
    engine.query("CREATE SCHEMA elsewhere; CREATE TABLE elsewhere.schema_migrations (version varchar(128) PRIMARY KEY)")
    project = Project(tmp_path / "p", engine.url)
    project.migration("1", "baseline", f"{setting};\nCREATE TABLE public.accounts (id integer);",
                      "DROP TABLE public.accounts;")
    project.migration("2", "more", "CREATE TABLE public.more (id integer);", "DROP TABLE public.more;")
    result = project.run("up")
    assert result.code == 0, result.stderr
    assert engine.query("SELECT version, state FROM public.schema_migrations ORDER BY version") == [
        ("1", "applied"), ("2", "applied")]
    assert engine.query("SELECT count(*) FROM elsewhere.schema_migrations") == [(0,)]
    assert {m["state"] for m in project.run("status", "--format", "json").json["migrations"]} == {"applied"}
    assert project.run("down", "--steps", "2").code == 0
    assert engine.query("SELECT count(*) FROM public.schema_migrations") == [(0,)]
    assert engine.tables() == {"schema_migrations"}


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_temporary_table_of_a_migration_does_not_hide_the_tracking_table(project, engine):
    project.migration("1", "scratch", "CREATE TEMP TABLE schema_migrations (version text, name text, checksum text, "
                                      "state text, applied_at text, duration_ms integer, apply_order integer, "
                                      "progress integer);\nCREATE TABLE kept (id integer);", "DROP TABLE kept;")
    project.migration("2", "more", "CREATE TABLE more (id integer);", "DROP TABLE more;")
    result = project.run("up")
    assert result.code == 0, result.stderr
    assert engine.tracked_versions() == ["1", "2"]
