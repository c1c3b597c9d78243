"""Whole migrations: missing-down, irreversible-down, what a down may undo, the schema learned from earlier
migrations, and suppressions (`-- migrate:allow`, invalid-allow)."""

import pytest

from lintcase import findings_after, migration, migration_rules, rules, rules_after
from dkmigrate.catalogue import migration_of_file
from dkmigrate.lint import LintOptions, lint_migration


@pytest.mark.parametrize("up, down, expected", [
    ("CREATE TABLE users (id int);", None, ["missing-down"]),
    ("CREATE TABLE users (id int);", "", []),
    ("CREATE TABLE users (id int);", "DROP TABLE users;", []),
    ("ALTER TABLE users DROP COLUMN nickname;", "ALTER TABLE users ADD COLUMN nickname text;",
     ["drop-column", "irreversible-down"]),
    ("DROP TABLE sessions;", "CREATE TABLE sessions (id int);", ["drop-table", "irreversible-down"]),
    ("DROP TABLE sessions;", None, ["missing-down", "drop-table"]),
    ("CREATE TABLE tmp (id int);\nDROP TABLE tmp;", "", []),
    ("ALTER TABLE users ADD COLUMN tmp int;\nALTER TABLE users DROP COLUMN tmp;", "", []),
])
def test_missing_and_irreversible_down(up, down, expected):
    assert migration_rules(up, down) == expected


def test_missing_down_is_a_migration_level_finding_without_a_line():
    [finding] = lint_migration(migration("SELECT 1;", None), LintOptions())
    assert (finding.rule, finding.line, finding.statement) == ("missing-down", None, None)
    assert "`migrate down` refuses" in finding.message


def test_irreversible_down_points_at_the_drop():
    found = lint_migration(migration("SELECT 1;\nALTER TABLE users DROP COLUMN bio;", "SELECT 1;"),
                           LintOptions(disabled=frozenset({"missing-lock-timeout"})))
    irreversible = [finding for finding in found if finding.rule == "irreversible-down"]
    assert [(finding.line, finding.statement) for finding in irreversible] == [(3, "ALTER TABLE users DROP COLUMN bio")]
    assert "column users.bio" in irreversible[0].message


def test_a_down_may_drop_what_its_up_added_without_findings():
    up = "CREATE TABLE tags (id int);\nALTER TABLE users ADD COLUMN bio text;\nCREATE INDEX tags_id ON tags (id);"
    down = "DROP INDEX tags_id;\nALTER TABLE users DROP COLUMN bio;\nDROP TABLE tags;"
    assert migration_rules(up, down) == []


def test_set_not_null_after_a_check_validated_in_an_earlier_migration_is_safe():
    earlier = ("CREATE TABLE users (id int, email text);\n"
               "ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;\n"
               "ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;")
    assert rules_after(earlier, "ALTER TABLE users ALTER COLUMN email SET NOT NULL;") == []
    assert rules_after(earlier, "ALTER TABLE users ALTER COLUMN email SET NOT NULL;", pg_version=11) == ["set-not-null"]
    not_validated = earlier.rsplit("\n", 1)[0]
    assert rules_after(not_validated, "ALTER TABLE users ALTER COLUMN email SET NOT NULL;") == ["set-not-null"]
    dropped = earlier + "\nALTER TABLE users DROP CONSTRAINT users_email_nn;"
    assert rules_after(dropped, "ALTER TABLE users ALTER COLUMN email SET NOT NULL;") == ["set-not-null"]


def test_the_schema_follows_renames_of_tables_and_columns():
    earlier = ("CREATE TABLE users (id int, email varchar(100));\nALTER TABLE users RENAME TO customers;\n"
               "ALTER TABLE customers RENAME COLUMN email TO mail;")
    assert rules_after(earlier, "ALTER TABLE customers ALTER COLUMN mail TYPE varchar(200);") == []
    assert rules_after(earlier, "ALTER TABLE customers ALTER COLUMN mail TYPE varchar(20);") == ["change-column-type"]


def test_a_serial_column_is_an_integer_to_later_type_changes():
    earlier = "CREATE TABLE users (id serial PRIMARY KEY);"
    assert rules_after(earlier, "ALTER TABLE users ALTER COLUMN id TYPE integer;") == []
    assert rules_after(earlier, "ALTER TABLE users ALTER COLUMN id TYPE bigint;") == ["change-column-type"]


# Suppressions

@pytest.mark.parametrize("sql, expected", [
    ("-- migrate:allow rename-column the only client reads through a view\n"
     "SELECT 1;\nALTER TABLE users RENAME COLUMN a TO b;", []),
    ("SELECT 1;\n-- migrate:allow rename-column every client is redeployed with this migration\n"
     "ALTER TABLE users RENAME COLUMN a TO b;", []),
    ("SELECT 1;\n-- migrate:allow drop-column legacy\n-- and more words\nALTER TABLE users DROP COLUMN a;", []),
    ("SELECT 1;\n-- migrate:allow rename-column not for this one\n\nALTER TABLE users RENAME COLUMN a TO b;",
     ["rename-column"]),
    ("SELECT 1;\n-- migrate:allow drop-column wrong rule\nALTER TABLE users RENAME COLUMN a TO b;", ["rename-column"]),
    ("SELECT 1;\nALTER TABLE users -- migrate:allow drop-column the column was never read\n  DROP COLUMN a,\n"
     "  RENAME COLUMN b TO c;", ["rename-column"]),
    ("SELECT 1;\n-- migrate:allow rename-column\nALTER TABLE users RENAME COLUMN a TO b;",
     ["invalid-allow", "rename-column"]),
    ("SELECT 1;\n-- migrate:allow rename-colum typo in the id\nALTER TABLE users RENAME COLUMN a TO b;",
     ["invalid-allow", "rename-column"]),
    ("SELECT 1;\n-- migrate:allow\nALTER TABLE users RENAME COLUMN a TO b;", ["invalid-allow", "rename-column"]),
])
def test_allow_comments(sql, expected):
    assert rules(sql) == expected


def test_an_allow_at_the_top_of_a_dbmate_file_covers_both_sections(tmp_path):
    path = tmp_path / "20261124000000_rename.sql"
    path.write_text("-- migrate:allow rename-column the API layer maps both names\n-- migrate:up\n"
                    "ALTER TABLE users RENAME COLUMN a TO b;\n\n-- migrate:down\nALTER TABLE users RENAME COLUMN b TO a;\n")
    found = lint_migration(migration_of_file(path), LintOptions(disabled=frozenset({"missing-lock-timeout"})))
    assert found == []


def test_an_allow_directly_under_the_up_marker_is_file_wide_too(tmp_path):
    path = tmp_path / "20261124000000_rename.sql"
    path.write_text("-- migrate:up\n-- migrate:allow missing-lock-timeout lock_timeout is set in the URL\n"
                    "ALTER TABLE users ADD COLUMN a int;\n\n-- migrate:down\nALTER TABLE users DROP COLUMN a;\n")
    assert lint_migration(migration_of_file(path), LintOptions()) == []


def test_an_invalid_allow_in_a_file_header_is_reported_once(tmp_path):
    path = tmp_path / "20261124000000_rename.sql"
    path.write_text("-- migrate:allow rename-column\n-- migrate:up\nALTER TABLE users RENAME COLUMN a TO b;\n\n"
                    "-- migrate:down\nALTER TABLE users RENAME COLUMN b TO a;\n")
    found = lint_migration(migration_of_file(path), LintOptions(disabled=frozenset({"missing-lock-timeout"})))
    assert [(finding.rule, finding.line) for finding in found] == [
        ("invalid-allow", 1), ("rename-column", 3), ("rename-column", 6)]
    assert found[0].statement == "-- migrate:allow rename-column"
    assert "gives no reason" in found[0].message


def test_allowed_findings_of_a_migration_level_rule():
    up = "-- migrate:allow missing-down the table is dropped by the next release anyway\nCREATE TABLE t (id int);"
    assert migration_rules(up, None) == []


def test_disabled_rules_are_not_run():
    assert rules("ALTER TABLE users RENAME COLUMN a TO b", quiet={"rename-column", "missing-lock-timeout"}) == []
    [finding] = findings_after("CREATE TABLE users (a int);", "ALTER TABLE users RENAME COLUMN a TO b;",
                               quiet={"missing-lock-timeout"})
    assert finding.rule == "rename-column"
