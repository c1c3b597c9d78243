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


def test_a_golang_migrate_table_of_another_directory_is_refused_with_a_way_out(project, engine):
    engine.query("CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)")
    engine.query("INSERT INTO schema_migrations VALUES (5, FALSE)")
    project.migration("1", "one", "CREATE TABLE one (id integer);", "DROP TABLE one;")
    result = project.run("up")
    assert result.code == 2
    assert "belongs to golang-migrate and records versions with no migration file here (5)" in result.stderr
    assert "hint: point --dir at that tool's migrations directory (`migrate detect` names it)" in result.stderr
    assert engine.tables() == {"schema_migrations"}


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


def test_a_tracking_row_removed_while_a_non_transactional_migration_runs_fails_loudly(project, engine):
    project.migration("1", "one", "CREATE TABLE one (id integer);\n"
                                  "DELETE FROM schema_migrations WHERE version = '1';\n"
                                  "CREATE TABLE two (id integer);", "DROP TABLE two; DROP TABLE one;",
                      up_options="transaction:false")
    result = project.run("up")
    assert result.code == 1, result.stdout
    assert "changed 0 rows instead of 1" in result.stderr
    assert "1_one is now dirty: 2 of 3 statements ran outside a transaction" in result.stderr
    assert "migrate repair 1 --applied" in result.stderr
    assert engine.query("SELECT version, state, progress FROM schema_migrations") == [("1", "applying", 2)]
    assert "two" not in engine.tables()
    [migration] = project.run("status", "--format", "json").json["migrations"]
    assert migration["state"] == "dirty"


def test_a_tracking_row_removed_by_the_last_statement_is_not_reported_applied(project, engine):
    project.migration("1", "one", "CREATE TABLE one (id integer);\nDELETE FROM schema_migrations;", "DROP TABLE one;",
                      up_options="transaction:false")
    result = project.run("up")
    assert result.code == 1
    assert "1_one is now dirty: 2 of 2 statements ran outside a transaction" in result.stderr
    assert engine.query("SELECT version, state FROM schema_migrations") == [("1", "applying")]


def test_a_down_that_removes_its_own_tracking_row_is_rolled_back(project, engine):
    project.migration("1", "one", "CREATE TABLE one (id integer);",
                      "DELETE FROM schema_migrations WHERE version = '1';\nDROP TABLE one;")
    assert project.run("up").code == 0
    result = project.run("down")
    assert result.code == 1
    assert "changed 0 rows instead of 1" in result.stderr
    assert "rolled back: the database is as it was before 1_one" in result.stderr
    assert engine.query("SELECT version, state FROM schema_migrations") == [("1", "applied")]
    assert "one" in engine.tables()


FLYWAY_TABLE = """CREATE TABLE schema_migrations (installed_rank integer NOT NULL PRIMARY KEY, version varchar(50),
    description varchar(200) NOT NULL, type varchar(20) NOT NULL, script varchar(1000) NOT NULL, checksum integer,
    installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    execution_time integer NOT NULL, success boolean NOT NULL)"""


def columns_of_schema_migrations(engine) -> list[str]:
    if engine.name == "sqlite":
        return [row[1] for row in engine.query("PRAGMA table_info(schema_migrations)")]
    return [row[0] for row in engine.query("SELECT column_name FROM information_schema.columns "
                                           "WHERE table_name = 'schema_migrations' ORDER BY ordinal_position")]


@pytest.mark.parametrize("command", [("up",), ("status",), ("repair", "1", "--accept-checksum")], ids=" ".join)
def test_a_flyway_table_of_the_same_name_and_another_directory_is_refused_and_never_altered(project, engine, command):
    engine.query(FLYWAY_TABLE)
    engine.query("INSERT INTO schema_migrations VALUES (1, '7', 'seven', 'SQL', 'V7__seven.sql', 12345, 'me', "
                 "CURRENT_TIMESTAMP, 3, TRUE)")
    before = columns_of_schema_migrations(engine)
    project.migration("1", "one", "CREATE TABLE one (id integer);", "DROP TABLE one;")
    result = project.run(*command)
    assert result.code == 2, result.stdout
    assert "belongs to Flyway and records versions with no migration file here (7)" in result.stderr
    assert columns_of_schema_migrations(engine) == before
    assert engine.tables() == {"schema_migrations"}


RAILS_TABLES = {  # what Rails creates on each engine
    "postgres": ["CREATE TABLE schema_migrations (version character varying NOT NULL PRIMARY KEY)",
                 "CREATE TABLE ar_internal_metadata (key character varying NOT NULL PRIMARY KEY, value character "
                 "varying, created_at timestamp(6) NOT NULL, updated_at timestamp(6) NOT NULL)"],
    "sqlite": ['CREATE TABLE "schema_migrations" ("version" varchar NOT NULL PRIMARY KEY)',
               'CREATE TABLE "ar_internal_metadata" ("key" varchar NOT NULL PRIMARY KEY, "value" varchar, '
               '"created_at" datetime(6) NOT NULL, "updated_at" datetime(6) NOT NULL)'],
}


def test_a_rails_table_is_refused_and_never_altered(project, engine):
    for statement in RAILS_TABLES[engine.name]:
        engine.query(statement)
    engine.query("INSERT INTO schema_migrations VALUES ('20240101000000'), ('20240102000000')")
    project.migration("20240101000000", "one", "CREATE TABLE one (id integer);", "DROP TABLE one;")
    project.migration("20240102000000", "two", "CREATE TABLE two (id integer);", "DROP TABLE two;")
    result = project.run("up")
    assert result.code == 2
    assert "belongs to Rails (ar_internal_metadata is beside it)" in result.stderr
    assert columns_of_schema_migrations(engine) == ["version"]


def test_a_table_of_dbmates_shape_is_adopted_only_when_its_versions_are_the_migration_files(project, engine):
    engine.query(RAILS_TABLES[engine.name][0])  # Rails' table without its metadata table: dbmate's shape
    engine.query("INSERT INTO schema_migrations VALUES ('20240101000000'), ('20240315120000')")
    project.migration("20240101000000", "one", "CREATE TABLE one (id integer);", "DROP TABLE one;")
    project.migration("20240102000000", "two", "CREATE TABLE two (id integer);", "DROP TABLE two;")
    for command in ("up", "status"):
        result = project.run(command)
        assert result.code == 2
        assert ("has dbmate's shape but holds versions with no migration file here (20240315120000)"
                in result.stderr)
    assert columns_of_schema_migrations(engine) == ["version"]
    assert engine.tables() == {"schema_migrations"}

    engine.query("DELETE FROM schema_migrations WHERE version = '20240315120000'")
    result = project.run("up")
    assert result.code == 0, result.stderr
    assert engine.tables() == {"schema_migrations", "two"}
    assert "checksum" in columns_of_schema_migrations(engine)


@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_a_migrations_session_settings_do_not_reach_the_next_migration(tmp_path, engine):
    # Applied in one run or in two, the migrations must do the same: each starts as a new session would.
    project = Project(tmp_path / "p", engine.url)
    project.migration("1", "baseline", "SELECT pg_catalog.set_config('search_path', '', false);\n"
                                       "SET lock_timeout = '1ms';\nCREATE TABLE public.accounts (id integer);",
                      "DROP TABLE public.accounts;")
    project.migration("2", "unqualified", "CREATE TABLE ledger (id integer);\n"
                                          "CREATE TABLE settings_seen AS SELECT current_setting('lock_timeout') AS value;",
                      "DROP TABLE settings_seen; DROP TABLE ledger;")
    result = project.run("up")
    assert result.code == 0, result.stderr
    assert engine.tables() == {"schema_migrations", "accounts", "ledger", "settings_seen"}
    assert engine.query("SELECT value FROM settings_seen") == [("0",)]
    script = project.run("down", "--steps", "2", "--dry-run").stdout
    assert script.count("RESET ALL;") == 1
