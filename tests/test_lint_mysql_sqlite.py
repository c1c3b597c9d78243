"""MySQL/MariaDB and SQLite rules: mysql-table-copy, mysql-multiple-ddl, sqlite-unsupported-alter - the
latter checked against the SQLite the product runs on: every statement it flags fails there, every one it
lets through works."""

import sqlite3

import pytest

from lintcase import NOISE, findings, migration_rules, rules, rules_after


@pytest.mark.parametrize("sql, expected", [
    ("ALTER TABLE users ADD COLUMN nickname varchar(40)", ["mysql-table-copy"]),
    ("ALTER TABLE users ADD COLUMN nickname varchar(40), ALGORITHM=INSTANT", []),
    ("ALTER TABLE users ADD COLUMN nickname varchar(40), ALGORITHM=INPLACE, LOCK=NONE", []),
    ("ALTER TABLE users ADD INDEX users_name (name), ALGORITHM = INPLACE, LOCK = NONE", []),
    ("ALTER TABLE users ADD INDEX users_name (name), ALGORITHM=COPY", ["mysql-table-copy"]),
    ("ALTER TABLE users CONVERT TO CHARACTER SET utf8mb4", ["mysql-table-copy"]),
    ("ALTER TABLE users DROP PRIMARY KEY", ["mysql-table-copy"]),
    ("ALTER TABLE users ADD COLUMN seq int AUTO_INCREMENT UNIQUE, ALGORITHM=INPLACE", []),
    ("ALTER TABLE users RENAME customers", ["rename-table"]),
    ("CREATE TABLE users (id int);\nALTER TABLE users ADD COLUMN nickname varchar(40)", ["mysql-multiple-ddl"]),
])
def test_mysql_table_copy(sql, expected):
    assert rules(sql, dialect="mysql") == expected


def test_mysql_table_copy_says_why_a_copy_is_needed_and_how_to_refuse_one():
    [needs_copy] = findings("ALTER TABLE users CONVERT TO CHARACTER SET utf8mb4", dialect="mysql")
    assert "needs a table copy (ALGORITHM=COPY): it converts the table's character set" in needs_copy.message
    [unstated] = findings("ALTER TABLE users ADD INDEX users_name (name)", dialect="mysql")
    assert "states no ALGORITHM/LOCK" in unstated.message
    assert unstated.safe_alternative == "ALTER TABLE users ADD INDEX users_name (name), ALGORITHM=INPLACE, LOCK=NONE"
    assert unstated.lock is None


@pytest.mark.parametrize("sql, versions", [
    ("ALTER TABLE users ADD COLUMN nickname varchar(40)", "MySQL 8.0.12+ adds a column last instantly"),
    ("ALTER TABLE users DROP COLUMN nickname", "MySQL 8.0.29+ and MariaDB 10.4+ drop a column instantly"),
])
def test_mysql_table_copy_offers_instant_for_column_changes_that_can_be_instant(sql, versions):
    [unstated] = [f for f in findings(sql, dialect="mysql") if f.rule == "mysql-table-copy"]
    assert versions in unstated.message and "states no ALGORITHM/LOCK" in unstated.message
    assert unstated.safe_alternative.splitlines()[0] == f"{sql}, ALGORITHM=INSTANT"
    assert "use ALGORITHM=INPLACE, LOCK=NONE there" in unstated.safe_alternative


def test_mysql_table_copy_says_an_auto_increment_column_makes_writes_wait():
    sql = "ALTER TABLE users ADD COLUMN seq int AUTO_INCREMENT UNIQUE"  # every row is numbered: not instant
    [unstated] = [f for f in findings(sql, dialect="mysql") if f.rule == "mysql-table-copy"]
    assert "writes wait for it even in place" in unstated.message
    assert unstated.safe_alternative.splitlines()[0] == f"{sql}, ALGORITHM=INPLACE, LOCK=SHARED"


@pytest.mark.parametrize("sql", [
    "ALTER TABLE users ADD COLUMN total int AS (a + b) STORED",  # computed for every row
    "ALTER TABLE users ADD COLUMN nickname varchar(40), ADD INDEX users_nickname (nickname)",  # the index is built
])
def test_mysql_table_copy_offers_in_place_where_instant_cannot_be(sql):
    [unstated] = [f for f in findings(sql, dialect="mysql") if f.rule == "mysql-table-copy"]
    assert unstated.safe_alternative == f"{sql}, ALGORITHM=INPLACE, LOCK=NONE"


def test_mysql_type_change_known_from_the_schema_needs_a_copy():
    earlier = "CREATE TABLE t (subject char(36) NOT NULL) ENGINE=InnoDB;"
    assert rules_after(earlier, "ALTER TABLE t MODIFY subject varchar(64) NOT NULL", dialect="mysql") == [
        "change-column-type", "mysql-table-copy"]


@pytest.mark.parametrize("up, expected", [
    ("CREATE TABLE a (id int);\nCREATE TABLE b (id int);", ["mysql-multiple-ddl"]),
    ("CREATE TABLE a (id int);\nCREATE INDEX a_id ON a (id);\nCREATE TABLE c (id int);", ["mysql-multiple-ddl"]),
    ("CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);", []),
    ("ALTER TABLE a ADD COLUMN x int, ADD COLUMN y int, ALGORITHM=INSTANT;", []),
    ("CREATE TABLE a (id int);\nCREATE OR REPLACE VIEW v AS SELECT * FROM a;", ["mysql-multiple-ddl"]),
])
def test_mysql_multiple_ddl_is_reported_once_per_section(up, expected):
    assert migration_rules(up, "", dialect="mysql") == expected


def test_mysql_rules_stay_out_of_postgres():
    assert rules("CREATE TABLE a (id int);\nCREATE TABLE b (id int);") == []
    assert rules("ALTER TABLE users DROP PRIMARY KEY") == []


SQLITE_TABLE = "CREATE TABLE t (id integer PRIMARY KEY, a text UNIQUE, b int, c int)"
SQLITE_INDEX = "CREATE INDEX t_b ON t (b)"

SQLITE_CASES = [
    ("ALTER TABLE t ADD COLUMN d int", []),
    ("ALTER TABLE t ADD COLUMN d int NOT NULL DEFAULT 0", []),
    ("ALTER TABLE t ADD COLUMN d text DEFAULT 'x'", []),
    ("ALTER TABLE t ADD COLUMN d int DEFAULT -1", []),
    ("ALTER TABLE t ADD COLUMN d int REFERENCES t (id)", []),
    ("ALTER TABLE t ADD COLUMN d int AS (c * 2) VIRTUAL", []),
    ("ALTER TABLE t RENAME COLUMN c TO cc", ["rename-column"]),
    ("ALTER TABLE t RENAME TO t2", ["rename-table"]),
    ("ALTER TABLE t DROP COLUMN c", ["drop-column"]),
    ("ALTER TABLE t ADD COLUMN d int NOT NULL", ["add-column-required"]),
    ("ALTER TABLE t ADD COLUMN d int UNIQUE", ["sqlite-unsupported-alter"]),
    ("ALTER TABLE t ADD COLUMN d int PRIMARY KEY", ["sqlite-unsupported-alter"]),
    ("ALTER TABLE t ADD COLUMN d text DEFAULT CURRENT_TIMESTAMP", ["sqlite-unsupported-alter"]),
    ("ALTER TABLE t ADD COLUMN d int DEFAULT (1 + 1)", ["sqlite-unsupported-alter"]),
    ("ALTER TABLE t ADD COLUMN d int AS (c * 2) STORED", ["sqlite-unsupported-alter"]),
    ("ALTER TABLE t ADD COLUMN d int, ADD COLUMN e int", ["sqlite-unsupported-alter"]),
    ("ALTER TABLE t ALTER COLUMN c TYPE bigint", ["sqlite-unsupported-alter"]),
    ("ALTER TABLE t ALTER COLUMN c SET NOT NULL", ["sqlite-unsupported-alter"]),
    ("ALTER TABLE t ADD CONSTRAINT c_positive CHECK (c > 0)", ["sqlite-unsupported-alter"]),
    ("ALTER TABLE t DROP CONSTRAINT c_positive", ["sqlite-unsupported-alter"]),
    ("ALTER TABLE t DROP COLUMN a", ["drop-column", "sqlite-unsupported-alter"]),
    ("ALTER TABLE t DROP COLUMN id", ["drop-column", "sqlite-unsupported-alter"]),
    ("ALTER TABLE t DROP COLUMN b", ["drop-column", "sqlite-unsupported-alter"]),
]


@pytest.mark.parametrize("statement, expected", SQLITE_CASES, ids=[case[0] for case in SQLITE_CASES])
def test_sqlite_findings_match_what_sqlite_accepts(statement, expected):
    quiet = NOISE | {"irreversible-down"}
    assert rules_after(f"{SQLITE_TABLE};\n{SQLITE_INDEX};", statement, dialect="sqlite", quiet=quiet) == expected
    database = sqlite3.connect(":memory:")
    database.execute(SQLITE_TABLE)
    database.execute(SQLITE_INDEX)
    database.execute("INSERT INTO t VALUES (1, 'x', 1, 1)")
    fails = "sqlite-unsupported-alter" in expected or "add-column-required" in expected
    try:
        database.execute(statement)
    except sqlite3.Error:
        assert fails, f"SQLite rejects {statement!r}, but the linter let it through"
    else:
        assert not fails, f"SQLite accepts {statement!r}, but the linter says it fails"


def test_sqlite_unsupported_alter_spells_out_the_rebuild():
    [finding] = findings("ALTER TABLE t ALTER COLUMN c TYPE bigint", dialect="sqlite")
    assert "SQLite cannot change a column's type with ALTER TABLE" in finding.message
    assert "CREATE TABLE new_t" in finding.safe_alternative and "PRAGMA foreign_keys=OFF" in finding.safe_alternative
