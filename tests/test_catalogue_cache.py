"""What reading a migrations folder found is kept between runs beside the bytecode (sys.pycache_prefix): a
second reading takes unchanged migrations from it, and never a migration whose files changed, even when a
change keeps the size and puts the modification time back."""

import os
import sys

import pytest

from conftest import Project
from dkmigrate.catalogue import cache, formats, load_catalogue

UP = "-- migrate:up\nCREATE TABLE t{n} (id integer);\n\n-- migrate:down\nDROP TABLE t{n};\n"


@pytest.fixture
def kept(tmp_path, monkeypatch):
    """The cache in a folder of this test; every file counts as settled unless a test says otherwise."""
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path / "pycache"))
    monkeypatch.setattr(cache, "SETTLE_NS", -1_000_000_000)
    return tmp_path / "pycache"


@pytest.fixture
def reads(monkeypatch):
    """The names of the migration files read from disk."""
    names = []
    read_text = formats.read_text

    def counted(path):
        names.append(path.name)
        return read_text(path)

    monkeypatch.setattr(formats, "read_text", counted)
    return names


def folder(tmp_path, count=3):
    directory = tmp_path / "migrations"
    directory.mkdir()
    for n in range(1, count + 1):
        (directory / f"2026010100000{n}_table_{n}.sql").write_text(UP.format(n=n))
    return directory


def same_size_edit(path, old: str, new: str) -> None:
    """Changes the file's text without changing its size or its modification time."""
    assert len(old) == len(new)
    before = path.stat()
    path.write_text(path.read_text().replace(old, new))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def test_a_second_reading_takes_unchanged_migrations_from_the_cache(tmp_path, kept, reads):
    directory = folder(tmp_path)
    first = load_catalogue(directory)
    assert len(reads) == 3
    second = load_catalogue(directory)
    assert len(reads) == 3  # nothing read again
    assert second.migrations == first.migrations
    assert [m.checksum for m in second.migrations] == [m.checksum for m in first.migrations]
    assert [m.up.statements("sqlite")[0].line for m in second.migrations] == [2, 2, 2]
    assert [m.down.first_line for m in second.migrations] == [5, 5, 5]


def test_a_same_size_edit_with_its_time_put_back_is_read_again(tmp_path, kept, reads):
    directory = folder(tmp_path)
    before = load_catalogue(directory).migrations[1]
    same_size_edit(directory / "20260101000002_table_2.sql", "CREATE TABLE t2", "CREATE TABLE x2")
    after = load_catalogue(directory).migrations[1]
    assert reads[3:] == ["20260101000002_table_2.sql"]
    assert after.up.sql == "CREATE TABLE x2 (id integer);\n\n" and after.checksum != before.checksum


def test_status_names_an_applied_migration_edited_without_a_trace_in_size_or_time(tmp_path, kept, sqlite_url):
    project = Project(tmp_path, sqlite_url)
    path = project.migration("20260101000001", "users", "CREATE TABLE users (id integer);", "DROP TABLE users;")
    assert project.run("up").code == 0
    assert "applied  20260101000001" in project.run("status").stdout
    same_size_edit(path, "users (id", "users (ID")
    result = project.run("status")
    assert "modified  20260101000001  users" in result.stdout
    refused = project.run("up")
    assert refused.code != 0 and "applied migrations were edited afterwards: 20260101000001_users" in refused.stderr


def test_a_file_changed_moments_ago_is_not_kept(tmp_path, kept, reads, monkeypatch):
    monkeypatch.setattr(cache, "SETTLE_NS", 2_000_000_000)
    directory = folder(tmp_path, count=1)
    load_catalogue(directory)
    load_catalogue(directory)
    # Two writes of the same size within one tick of the file clock leave the same times: such a file is read
    # until its times are older than SETTLE_NS.
    assert reads == ["20260101000001_table_1.sql"] * 2


def test_files_added_removed_and_renamed(tmp_path, kept, reads):
    directory = folder(tmp_path)
    load_catalogue(directory)
    (directory / "20260101000003_table_3.sql").unlink()
    (directory / "20260101000001_table_1.sql").rename(directory / "20260101000001_first.sql")
    (directory / "20260101000004_table_4.sql").write_text(UP.format(n=4))
    catalogue = load_catalogue(directory)
    assert [m.label for m in catalogue.migrations] == [
        "20260101000001_first", "20260101000002_table_2", "20260101000004_table_4"]
    assert sorted(reads[3:]) == ["20260101000001_first.sql", "20260101000004_table_4.sql"]
    assert catalogue.migrations[0].up.file == directory / "20260101000001_first.sql"


def test_a_pair_is_read_again_when_its_down_file_changes_or_appears(tmp_path, kept, reads):
    directory = tmp_path / "migrations"
    directory.mkdir()
    (directory / "0001_users.up.sql").write_text("CREATE TABLE users (id int);\n")
    (directory / "0002_posts.up.sql").write_text("CREATE TABLE posts (id int);\n")
    (directory / "0002_posts.down.sql").write_text("DROP TABLE posts;\n")
    load_catalogue(directory)
    same_size_edit(directory / "0002_posts.down.sql", "posts", "POSTS")
    (directory / "0001_users.down.sql").write_text("DROP TABLE users;\n")
    users, posts = load_catalogue(directory).migrations
    assert (users.down.sql, posts.down.sql) == ("DROP TABLE users;\n", "DROP TABLE POSTS;\n")
    assert users.down.file.name == "0001_users.down.sql"
    assert sorted(reads[3:]) == ["0001_users.down.sql", "0001_users.up.sql", "0002_posts.down.sql", "0002_posts.up.sql"]


def test_a_flyway_undo_file_is_part_of_its_migration(tmp_path, kept, reads):
    directory = tmp_path / "migrations"
    directory.mkdir()
    (directory / "V1__users.sql").write_text("CREATE TABLE users (id int);\n")
    (directory / "U1__users.sql").write_text("DROP TABLE users;\n")
    load_catalogue(directory)
    same_size_edit(directory / "U1__users.sql", "users", "USERS")
    [migration] = load_catalogue(directory).migrations
    assert migration.down.sql == "DROP TABLE USERS;\n" and migration.down.file.name == "U1__users.sql"


def test_a_damaged_cache_is_ignored(tmp_path, kept, reads):
    directory = folder(tmp_path)
    expected = load_catalogue(directory).migrations
    [kept_file] = [path for path in kept.rglob("*.marshal")]
    kept_file.write_bytes(b"\x00not marshal data")
    assert load_catalogue(directory).migrations == expected
    assert len(reads) == 6


def test_entries_kept_by_other_reading_code_are_not_used(tmp_path, kept, reads, monkeypatch):
    directory = folder(tmp_path)
    load_catalogue(directory)
    monkeypatch.setattr(cache, "_code_identity", lambda: ("another version of dk migrate",))
    load_catalogue(directory)
    assert len(reads) == 6


def test_without_a_bytecode_prefix_nothing_is_kept(tmp_path, reads, monkeypatch):
    monkeypatch.setattr(sys, "pycache_prefix", None)
    monkeypatch.setattr(cache, "SETTLE_NS", -1_000_000_000)
    directory = folder(tmp_path)
    load_catalogue(directory)
    load_catalogue(directory)
    assert len(reads) == 6
