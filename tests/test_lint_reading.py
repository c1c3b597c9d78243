"""What the linter reads: every spelling of a type, option lists with their values, and statements it
cannot read, which it reports (unparsed-statement) instead of passing them as safe."""

import pytest

from lintcase import findings, findings_after, rules, rules_after
from dkmigrate.lint.parser import parse

# pg_dump's, Rails', Django's and Prisma's spellings of a table.
PG_DUMP = """CREATE TABLE public.accounts (
    id bigint NOT NULL,
    email character varying(100),
    score double precision,
    code character(3),
    created timestamp(3) without time zone,
    seen timestamp with time zone,
    opens time without time zone,
    flags bit varying(8),
    tags text[],
    ids integer ARRAY,
    handle public.citext,
    amount numeric(10,2)
);"""


@pytest.mark.parametrize("column, name, modifiers, array", [
    ("email", "varchar", (100,), False), ("score", "double precision", None, False), ("code", "char", (3,), False),
    ("created", "timestamp", (3,), False), ("seen", "timestamptz", None, False), ("opens", "time", None, False),
    ("flags", "varbit", (8,), False), ("tags", "text", None, True), ("ids", "integer", None, True),
    ("handle", "citext", None, False), ("amount", "numeric", (10, 2), False),
])
def test_every_spelling_of_a_type_is_normalised(column, name, modifiers, array):
    table = parse(PG_DUMP, "postgres")
    [data_type] = [c.type for c in table.columns if c.name == column]
    assert (data_type.name, data_type.modifiers, data_type.array) == (name, modifiers, array)


@pytest.mark.parametrize("change, flagged", [
    ("email TYPE character varying(200)", False),
    ("email TYPE text", False),
    ("email TYPE varchar(50)", True),
    ("code TYPE character(3)", False),
    ("code TYPE bpchar(5)", True),
    ("score TYPE float8", False),
    ("created TYPE timestamp(6) without time zone", False),
    ("seen TYPE timestamp(0) with time zone", True),
    ("flags TYPE bit varying(16)", False),
    ("tags TYPE character varying[]", True),
    ("handle TYPE citext", False),
])
def test_a_pg_dump_table_is_understood_by_the_type_rules(change, flagged):
    found = rules_after(PG_DUMP, f"ALTER TABLE public.accounts ALTER COLUMN {change}")
    assert ("change-column-type" in found) == flagged


def test_a_type_change_without_rewrite_that_rebuilds_an_index_says_so_with_the_cost():
    earlier = "CREATE TABLE users (email text);\nCREATE INDEX users_email_idx ON users (email);"
    [finding] = findings_after(earlier, "ALTER TABLE users ALTER COLUMN email TYPE citext")
    assert finding.rule == "column-type-change-verifies"
    assert finding.message == ("ALTER COLUMN users.email TYPE citext does not rewrite users, but rebuilds index "
                               "users_email_idx (reads all of users and writes the index anew), under an ACCESS "
                               "EXCLUSIVE lock")
    assert (finding.rewrites, finding.scans) == (False, True)
    assert rules_after(earlier, "ALTER TABLE users ALTER COLUMN email TYPE varchar") == []


def test_a_not_valid_check_is_not_re_verified():
    earlier = "CREATE TABLE t (v varchar(10));\nALTER TABLE t ADD CONSTRAINT t_v CHECK (length(v) > 1) NOT VALID;"
    assert rules_after(earlier, "ALTER TABLE t ALTER COLUMN v TYPE varchar(20)") == []
    validated = earlier + "\nALTER TABLE t VALIDATE CONSTRAINT t_v;"
    assert rules_after(validated, "ALTER TABLE t ALTER COLUMN v TYPE varchar(20)") == ["column-type-change-verifies"]


@pytest.mark.parametrize("sql, expected", [
    ("REINDEX (CONCURRENTLY false, VERBOSE) TABLE users", ["reindex-not-concurrently"]),
    ("REINDEX (VERBOSE, CONCURRENTLY) TABLE users", []),
    ("REINDEX (CONCURRENTLY true) INDEX users_email_idx", []),
    ("VACUUM (FULL, ANALYZE) users", ["vacuum-full-or-cluster"]),
    ("VACUUM (FULL false, ANALYZE) users", []),
    ("VACUUM (FULL off) users", []),
    ("VACUUM (ANALYZE, VERBOSE) users", []),
    ("CLUSTER (VERBOSE) users USING users_pkey", ["vacuum-full-or-cluster"]),
    ("EXPLAIN (ANALYZE, FORMAT json) UPDATE users SET n = 0", ["full-table-dml"]),
    ("EXPLAIN (ANALYZE false) UPDATE users SET n = 0", []),
    ("EXPLAIN ANALYZE DELETE FROM users", ["full-table-dml"]),
    ("EXPLAIN (VERBOSE) DELETE FROM users", []),
    ("EXPLAIN DELETE FROM users", []),
    ("CREATE INDEX CONCURRENTLY users_n_idx ON users (n) WITH (fillfactor = 70, deduplicate_items = off)", []),
    ("CREATE INDEX users_n_idx ON users USING gin (tags) WITH (fastupdate = off) WHERE n > 0",
     ["add-index-not-concurrently"]),
])
def test_option_lists_are_read_with_their_values(sql, expected):
    assert rules(sql, quiet={"missing-lock-timeout", "concurrently-in-transaction"}) == expected


@pytest.mark.parametrize("sql", [
    "ALTER TABEL users ADD COLUMN nickname text",
    "CREAT TABLE users (id int)",
    "DROP TABEL users",
    "ALTER TABLE users FROBNICATE nickname",
    "ALTER TABLE users ALTER COLUMN nickname SPLINE",
    "UPDATE",
    "TRUNCATE",
])
def test_a_statement_the_linter_cannot_read_is_reported(sql):
    [finding] = findings(sql, readable=False)
    assert (finding.rule, finding.severity) == ("unparsed-statement", "caution")
    assert "could not read" in finding.message and "no rule checked it" in finding.message


@pytest.mark.parametrize("sql, dialect", [
    ("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'", "postgres"),
    ("GRANT SELECT ON users TO reader", "postgres"),
    ("COMMENT ON TABLE users IS 'people'", "postgres"),
    ("DROP VIEW IF EXISTS active_users", "postgres"),
    ("ALTER INDEX users_email_idx RENAME TO users_mail_idx", "postgres"),
    ("CREATE EXTENSION IF NOT EXISTS citext", "postgres"),
    ("ALTER TABLE users OWNER TO app", "postgres"),
    ("ALTER TABLE users ENABLE ROW LEVEL SECURITY", "postgres"),
    ("ALTER TABLE users ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY", "postgres"),
    ("ALTER TABLE ALL IN TABLESPACE a SET TABLESPACE b", "postgres"),
    ("SET TIME ZONE 'UTC'", "postgres"),
    ("SELECT 1", "postgres"),
    ("DO $$ BEGIN PERFORM 1; END $$", "postgres"),
    ("PRAGMA foreign_keys = OFF", "sqlite"),
    ("CREATE DEFINER=`root`@`%` TRIGGER t BEFORE INSERT ON users FOR EACH ROW SET NEW.n = 1", "mysql"),
    ("ALTER TABLE users ENGINE=InnoDB, ALGORITHM=INPLACE, LOCK=NONE", "mysql"),
])
def test_statements_of_a_kind_the_rules_ignore_are_read_not_reported(sql, dialect):
    assert "unparsed-statement" not in rules(sql, dialect=dialect, quiet=set(), readable=False)


def test_the_test_helper_fails_when_a_statement_was_not_read():
    with pytest.raises(AssertionError, match="could not read"):
        rules("ALTER TABEL users ADD COLUMN nickname text")
