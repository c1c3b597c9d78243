"""Reading migration directories in each format, and `create` writing in the directory's format."""

from datetime import datetime, timezone

import pytest

from conftest import Project
from dkmigrate.catalogue import load_catalogue, next_version
from dkmigrate.catalogue.model import checksum, version_key
from dkmigrate.errors import CatalogueError

NOON = datetime(2026, 11, 24, 12, 0, 0, tzinfo=timezone.utc)


def write(directory, files: dict[str, str]):
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text)
    return directory


def test_dbmate_sections_options_and_lines(tmp_path):
    directory = write(tmp_path, {"20261124093000_add_users.sql": (
        "-- a comment before the up marker is fine\n"
        "-- migrate:up transaction:false\n"
        "CREATE INDEX CONCURRENTLY users_email ON users (email);\n"
        "\n"
        "-- migrate:down\n"
        "DROP INDEX CONCURRENTLY users_email;\n")})
    catalogue = load_catalogue(directory)
    assert catalogue.format.name == "dbmate"
    [migration] = catalogue.migrations
    assert (migration.version, migration.name, migration.label) == ("20261124093000", "add_users", "20261124093000_add_users")
    assert migration.up.transaction is False and migration.down.transaction is True
    [statement] = migration.up.statements("postgres")
    assert statement.line == 3
    assert migration.down.statements("postgres")[0].line == 6


def test_windows_and_old_mac_line_endings_read_as_newlines(tmp_path):
    text = ("\ufeff-- migrate:up\nCREATE TABLE a (id integer);\nCREATE TABLE b (id integer);\n\n"
            "-- migrate:down\nDROP TABLE b;\nDROP TABLE a;\n")
    (tmp_path / "unix").mkdir()
    (tmp_path / "unix" / "20261124093000_add.sql").write_bytes(text.encode())
    (tmp_path / "windows").mkdir()
    (tmp_path / "windows" / "20261124093000_add.sql").write_bytes(text.replace("\n", "\r\n").encode())
    (tmp_path / "mac").mkdir()
    (tmp_path / "mac" / "20261124093000_add.sql").write_bytes(text.replace("\n", "\r").encode())
    [unix] = load_catalogue(tmp_path / "unix").migrations
    for other in ("windows", "mac"):
        [migration] = load_catalogue(tmp_path / other).migrations
        assert (migration.up.sql, migration.down.sql) == (unix.up.sql, unix.down.sql) == (
            "CREATE TABLE a (id integer);\nCREATE TABLE b (id integer);\n\n", "DROP TABLE b;\nDROP TABLE a;\n")
        assert [s.line for s in migration.down.statements("sqlite")] == [6, 7]
        assert migration.checksum == unix.checksum


def test_dbmate_file_without_down_cannot_be_rolled_back(tmp_path):
    catalogue = load_catalogue(write(tmp_path, {"1_x.sql": "-- migrate:up\nSELECT 1;\n"}))
    assert catalogue.migrations[0].down is None


@pytest.mark.parametrize("text, message", [
    ("SELECT 1;\n", "no up section"),
    ("SELECT 1;\n-- migrate:up\nSELECT 2;\n", "SQL before the up marker"),
    ("-- migrate:down\nSELECT 1;\n-- migrate:up\nSELECT 2;\n", "the down section comes before the up section"),
    ("-- migrate:up\nSELECT 1;\n-- migrate:up\nSELECT 2;\n", "a section marker appears twice"),
    ("-- migrate:up transaction:maybe\nSELECT 1;\n", "unknown section option 'transaction:maybe'"),
])
def test_malformed_dbmate_files_are_refused_with_the_file_name(tmp_path, text, message):
    write(tmp_path, {"1_bad.sql": text})
    with pytest.raises(CatalogueError, match=message) as raised:
        load_catalogue(tmp_path)
    assert raised.value.message.startswith("1_bad.sql: ")


def test_goose_sections_and_annotations(tmp_path):
    directory = write(tmp_path, {"00001_create.sql": (
        "-- +goose Up\n"
        "-- +goose NO TRANSACTION\n"
        "-- +goose StatementBegin\n"
        "CREATE FUNCTION f() RETURNS int AS 'SELECT 1; ' LANGUAGE sql;\n"
        "-- +goose StatementEnd\n"
        "-- +goose Down\n"
        "DROP FUNCTION f();\n")})
    catalogue = load_catalogue(directory)
    assert catalogue.format.name == "goose"
    [migration] = catalogue.migrations
    assert migration.version == "00001" and migration.key == (1,)
    assert migration.up.transaction is False and migration.down.transaction is False
    assert [s.text for s in migration.up.statements("postgres")] == [
        "CREATE FUNCTION f() RETURNS int AS 'SELECT 1; ' LANGUAGE sql"]


def test_goose_unknown_annotation_is_refused(tmp_path):
    write(tmp_path, {"1_x.sql": "-- +goose Up\n-- +goose ENVSUB ON\nSELECT 1;\n"})
    with pytest.raises(CatalogueError, match="1_x.sql: unsupported goose annotation '-- \\+goose envsub on'"):
        load_catalogue(tmp_path)


def test_pairs_with_v_prefix_and_dot_separator(tmp_path):
    directory = write(tmp_path, {
        "V0001.Initial_Schema.up.sql": "CREATE TABLE a (id int);\n",
        "V0001.Initial_Schema.down.sql": "DROP TABLE a;\n",
        "V0002.Second.up.sql": "CREATE TABLE b (id int);\n",
    })
    catalogue = load_catalogue(directory)
    assert catalogue.format.name == "pairs"
    first, second = catalogue.migrations
    assert (first.version, first.name, first.label) == ("0001", "Initial_Schema", "V0001.Initial_Schema")
    assert first.down.file.name == "V0001.Initial_Schema.down.sql"
    assert second.down is None


def test_pairs_down_without_up_is_refused(tmp_path):
    write(tmp_path, {"1_a.up.sql": "SELECT 1;", "2_b.down.sql": "SELECT 1;"})
    with pytest.raises(CatalogueError, match="2_b.down.sql: a down file without its up file"):
        load_catalogue(tmp_path)


def test_flyway_versions_and_undo_files(tmp_path):
    directory = write(tmp_path, {
        "V1__init.sql": "CREATE TABLE a (id int);",
        "U1__init.sql": "DROP TABLE a;",
        "V1_1__more.sql": "CREATE TABLE b (id int);",
        "V2.0.1__later.sql": "CREATE TABLE c (id int);",
    })
    catalogue = load_catalogue(directory)
    assert catalogue.format.name == "flyway"
    assert [m.version for m in catalogue.migrations] == ["1", "1_1", "2.0.1"]
    assert catalogue.migrations[0].down.sql == "DROP TABLE a;"
    assert catalogue.migrations[1].down is None


def test_flyway_repeatable_migrations_are_refused(tmp_path):
    write(tmp_path, {"V1__init.sql": "SELECT 1;", "R__views.sql": "SELECT 1;"})
    with pytest.raises(CatalogueError, match="R__views.sql: Flyway repeatable"):
        load_catalogue(tmp_path)


def test_two_files_with_one_version_are_an_error(tmp_path):
    write(tmp_path, {"0001_a.sql": "-- migrate:up\n", "1_b.sql": "-- migrate:up\n"})
    with pytest.raises(CatalogueError, match="two migrations have version 1: 0001_a.sql and 1_b.sql"):
        load_catalogue(tmp_path)


def test_a_misnamed_sql_file_is_an_error_not_silently_skipped(tmp_path):
    write(tmp_path, {"1_a.sql": "-- migrate:up\n", "add_users.sql": "-- migrate:up\n", "README.md": "notes"})
    with pytest.raises(CatalogueError, match=r"add_users.sql is not named like a dbmate migration"):
        load_catalogue(tmp_path)


def test_versions_compare_numerically():
    assert version_key("0001") == version_key("1") == (1,)
    assert version_key("1.1") == version_key("1_1") == (1, 1)
    assert version_key("2.0") == version_key("2")
    assert sorted(["10", "9", "1.10", "1.9"], key=version_key) == ["1.9", "1.10", "9", "10"]


def test_checksum_ignores_line_endings_trailing_spaces_and_surrounding_blank_lines():
    base = checksum("CREATE TABLE a (id int);\nSELECT 1;")
    assert checksum("\n\nCREATE TABLE a (id int);   \r\nSELECT 1;\r\n\n") == base
    assert checksum("CREATE TABLE a (id bigint);\nSELECT 1;") != base
    assert checksum("CREATE TABLE a (id int);\n\nSELECT 1;") != base


def test_next_version_is_a_timestamp_or_the_next_sequence_number(tmp_path):
    empty = load_catalogue(write(tmp_path / "empty", {}))
    assert next_version(empty, NOON)[0] == "20261124120000"
    stamped = load_catalogue(write(tmp_path / "stamped", {"20261124120000_a.sql": "-- migrate:up\n"}))
    assert next_version(stamped, NOON)[0] == "20261124120001"  # never equal to, or before, the newest
    numbered = load_catalogue(write(tmp_path / "numbered", {"0041_a.sql": "-- migrate:up\n"}))
    assert next_version(numbered, NOON)[0] == "0042"
    plain = load_catalogue(write(tmp_path / "plain", {"V7__a.sql": "SELECT 1;"}))
    assert next_version(plain, NOON)[0] == "8"


@pytest.mark.parametrize("existing, expected", [
    ({}, ["20"]),  # timestamp prefix of a dbmate file, checked below
    ({"0001_first.sql": "-- +goose Up\nSELECT 1;\n"}, ["0002_add_users.sql"]),
    ({"V0001.Initial.up.sql": "SELECT 1;"}, ["V0002.add_users.up.sql", "V0002.add_users.down.sql"]),
    ({"000001_init.up.sql": "SELECT 1;"}, ["000002_add_users.up.sql", "000002_add_users.down.sql"]),
    ({"V1__init.sql": "SELECT 1;"}, ["V2__add_users.sql", "U2__add_users.sql"]),
])
def test_create_writes_in_the_directory_format(tmp_path, sqlite_url, existing, expected):
    project = Project(tmp_path / "p", sqlite_url)
    for name, text in existing.items():
        project.write(name, text)
    result = project.run("create", "Add users", "--sql", "CREATE TABLE users (id integer);", "--format", "json")
    assert result.code == 0, result.stderr
    created = [path.removeprefix("db/migrations/") for path in result.json["files"]]
    if existing:
        assert created == expected
    else:
        assert len(created) == 1 and created[0].startswith("20") and created[0].endswith("_add_users.sql")
    catalogue = load_catalogue(project.migrations)
    newest = catalogue.migrations[-1]
    assert [s.text for s in newest.up.statements("sqlite")] == ["CREATE TABLE users (id integer)"]


def test_created_dbmate_file_has_both_sections_and_applies(sqlite_project):
    result = sqlite_project.run("create", "add_users", "--sql", "CREATE TABLE users (id integer);",
                                "--down-sql", "DROP TABLE users;")
    assert result.code == 0, result.stderr
    [path] = sqlite_project.migrations.iterdir()
    assert result.stdout == f"Created db/migrations/{path.name}\n"
    assert path.read_text() == "-- migrate:up\nCREATE TABLE users (id integer);\n\n-- migrate:down\nDROP TABLE users;\n"
    assert sqlite_project.run("up").code == 0
    assert sqlite_project.run("down").code == 0


def test_init_writes_configuration_once(tmp_path, sqlite_url):
    project_dir = tmp_path / "fresh"
    project_dir.mkdir()
    project = Project(project_dir, sqlite_url)
    project.migrations.rmdir()
    result = project.run("init", url=False)
    assert result.code == 0, result.stderr
    assert result.stdout == "Created migrate.yaml\nCreated db/migrations/\nCreated .gitignore\n"
    assert "default_environment: development" in (project_dir / "migrate.yaml").read_text()
    status = project.run("status", "--format", "json", url=False)
    assert status.code == 0 and status.json["environment"] == "development"
    again = project.run("init", url=False)
    assert again.code == 2
    assert "migrate.yaml already exists" in again.stderr
