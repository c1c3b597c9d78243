"""The linter reads real SQL: dollar quoting, nested parentheses, quoted identifiers, comments, multi-command
ALTER TABLE, schema-qualified names, any case, and the line of every finding."""

import random

import pytest

from lintcase import findings, rules
from dkmigrate.lint import LintOptions, lint_sql


def test_one_alter_with_two_hazards_gives_two_findings():
    assert rules("ALTER TABLE t ADD COLUMN a int NOT NULL, DROP COLUMN b") == ["add-column-required", "drop-column"]


@pytest.mark.parametrize("sql", [
    "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN ALTER TABLE users RENAME COLUMN a TO b; END $$",
    "CREATE FUNCTION f() RETURNS void AS $body$ DROP TABLE users; $body$ LANGUAGE sql",
    "DO $$ BEGIN EXECUTE 'DROP TABLE users'; END $$",
    "INSERT INTO audit (note) VALUES ('ALTER TABLE users DROP COLUMN email; TRUNCATE users')",
    "INSERT INTO audit (note) VALUES (E'it\\'s; DROP TABLE users')",
    "-- DROP TABLE users;\nSELECT 1",
    "/* DROP TABLE users; /* nested */ TRUNCATE users; */ SELECT 1",
    "COMMENT ON TABLE users IS 'do not TRUNCATE users'",
    "SELECT 'ALTER TABLE users RENAME TO x' AS \"DROP TABLE users\"",
])
def test_statements_inside_strings_bodies_and_comments_are_not_statements(sql):
    assert rules(sql) == []


@pytest.mark.parametrize("sql, message", [
    ('ALTER TABLE "User Accounts" RENAME COLUMN "E-mail" TO email', 'RENAME COLUMN "User Accounts".E-mail TO email'),
    ("ALTER TABLE app.users RENAME COLUMN email TO mail", "RENAME COLUMN app.users.email TO mail"),
    ("alter table Users rename column Email to Mail", "RENAME COLUMN Users.email TO mail"),
    ("ALTER TABLE /* the table */ users -- more\n  RENAME   COLUMN\n email TO mail", "RENAME COLUMN users.email TO mail"),
])
def test_names_are_read_quoted_qualified_and_in_any_case(sql, message):
    [finding] = findings(sql)
    assert finding.message.startswith(message)


def test_a_quoted_name_keeps_its_case_and_an_unquoted_one_folds():
    sql = 'CREATE TABLE "Users" (id int);\nALTER TABLE users DROP COLUMN id;\nALTER TABLE "Users" DROP COLUMN id;'
    assert [finding.line for finding in findings(sql)] == [2]


def test_schema_qualified_names_match_their_public_spelling():
    assert rules("CREATE TABLE public.users (id int);\nALTER TABLE users DROP COLUMN id;") == []
    assert rules("CREATE TABLE app.users (id int);\nALTER TABLE users DROP COLUMN id;") == ["drop-column"]


def test_nested_parentheses_do_not_split_actions():
    sql = ("ALTER TABLE orders ADD COLUMN total numeric(12, 2) DEFAULT (coalesce((1 + 2) * 3, 0)),\n"
           "  ADD CONSTRAINT c CHECK ((total > 0) AND (status IN ('a', 'b,c'))) NOT VALID,\n  DROP COLUMN legacy")
    assert rules(sql) == ["drop-column"]


def test_each_finding_carries_its_file_line():
    sql = "SELECT 1;\n\n-- a comment\nALTER TABLE users\n  DROP COLUMN a;\nSELECT 2; TRUNCATE users;\n"
    assert [(finding.rule, finding.line) for finding in findings(sql)] == [("drop-column", 4), ("truncate", 6)]
    assert [finding.line for finding in lint_sql("DROP TABLE t", LintOptions(), first_line=40)
            if finding.rule == "drop-table"] == [40]


def test_the_statement_is_kept_as_written():
    [finding] = findings("SELECT 1;\nalter table users\n   drop column a")
    assert finding.statement == "alter table users\n   drop column a"


@pytest.mark.parametrize("sql, dialect, expected", [
    ("ALTER TABLE `user data` DROP COLUMN `e-mail`, ALGORITHM=INPLACE", "mysql", ["drop-column"]),
    ("ALTER TABLE [user data] DROP COLUMN [e-mail]", "sqlite", ["drop-column"]),
    ("INSERT INTO t VALUES ('it\\'s; DROP TABLE x')", "mysql", []),
    ("# DROP TABLE users\nSELECT 1", "mysql", []),
    ("DELIMITER //\nCREATE TRIGGER t BEFORE INSERT ON users FOR EACH ROW BEGIN SET NEW.a = 1; DELETE FROM x; END//\n"
     "DELIMITER ;\nSELECT 1;", "mysql", []),
])
def test_mysql_and_sqlite_quoting(sql, dialect, expected):
    assert rules(sql, dialect=dialect) == expected


def test_unknown_statements_are_read_without_findings():
    sql = ("CREATE EXTENSION IF NOT EXISTS pgcrypto;\nCREATE TYPE mood AS ENUM ('a', 'b');\n"
           "ALTER TYPE mood ADD VALUE 'c';\nGRANT SELECT ON users TO reader;\nCREATE VIEW v AS SELECT 1;\n"
           "ALTER INDEX users_email_idx RENAME TO users_mail_idx;\nCREATE SEQUENCE s;\nANALYZE users;")
    assert rules(sql) == []


def test_arbitrary_text_never_breaks_the_linter():
    generator = random.Random(11)
    pieces = ["ALTER", "TABLE", "ADD", "COLUMN", "DROP", "(", ")", ",", "'x'", '"Q"', "$$", "--", "\n", "NOT",
              "NULL", "DEFAULT", "CONSTRAINT", "CHECK", "REFERENCES", "RENAME", "TO", "TYPE", "users", ".", "*",
              "CREATE", "INDEX", "ON", "CONCURRENTLY", "USING", "SET", "VALID", "=", "1", "UPDATE", "WHERE"]
    for dialect in ("postgres", "mysql", "sqlite"):
        for _ in range(300):
            words = [generator.choice(pieces) for _ in range(generator.randint(1, 25))]
            sql = " ".join(words).replace("$$", "$$ $$").replace("'x'", "'x'").replace("--", "-- c\n")
            try:
                lint_sql(sql, LintOptions(dialect=dialect))
            except Exception as error:  # only the splitter's clean syntax errors are acceptable
                assert type(error).__name__ == "SqlSyntaxError", f"{sql!r}: {error!r}"
