"""What each engine knows of a statement from its tokens (dkmigrate.lexer), offline: which statements cannot run
in a transaction block, which ones MySQL commits implicitly, and how a statement is named in a note. Words inside
comments, strings and quoted names do not count."""

import pytest

from dkmigrate.engines import engine
from dkmigrate.excerpts import statement_kind


@pytest.mark.parametrize("sql, outside", [
    ("CREATE INDEX CONCURRENTLY i ON t (a)", True),
    ("CREATE /* online */ UNIQUE INDEX CONCURRENTLY i ON t (a)", True),
    ("CREATE INDEX i ON t (a) -- not CONCURRENTLY", False),
    ("REINDEX (VERBOSE) DATABASE shop", True),
    ("REINDEX TABLE CONCURRENTLY t", True),
    ("REINDEX TABLE \"concurrently\"", False),
    ("CLUSTER VERBOSE", True),
    ("CLUSTER t USING t_pkey", False),
    ("ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY", True),
    ("ALTER TABLE p ADD COLUMN detach_note text", False),
    ("DO $$ BEGIN UPDATE t SET a = 1; COMMIT; END $$", True),
    ("DO $$ BEGIN RAISE NOTICE 'no COMMIT here'; END $$  -- nor COMMIT here", False),
    ("BEGIN ATOMIC", False),
    ("ROLLBACK TO SAVEPOINT s", False),
    ("START TRANSACTION", True),
])
def test_postgres_statements_that_cannot_run_in_a_transaction(sql, outside):
    assert engine("postgres").runs_outside_transaction(sql) is outside


def test_enum_values_are_added_outside_a_transaction_before_postgres_12_only():
    sql = "ALTER TYPE mood ADD VALUE 'calm'"
    assert engine("postgres").runs_outside_transaction(sql, 11) and not engine("postgres").runs_outside_transaction(sql, 12)


@pytest.mark.parametrize("sql, outside", [
    ("VACUUM", True), ("ATTACH DATABASE 'x.db' AS x", True), ("PRAGMA main.foreign_keys = OFF", True),
    ("PRAGMA user_version = 3", False), ("VACUUMING", False),
])
def test_sqlite_statements_that_cannot_run_in_a_transaction(sql, outside):
    assert engine("sqlite").runs_outside_transaction(sql) is outside


@pytest.mark.parametrize("sql, kind", [
    ("CREATE TABLE t (a int)", "CREATE TABLE"),
    ("CREATE OR REPLACE VIEW v AS SELECT 1", "CREATE OR REPLACE VIEW"),
    ("CREATE DEFINER=`app`@`%` PROCEDURE p() BEGIN END", "CREATE PROCEDURE"),
    ("CREATE DEFINER = CURRENT_USER() TRIGGER t BEFORE INSERT ON a FOR EACH ROW SET NEW.x = 1", "CREATE TRIGGER"),
    ("RENAME TABLE a TO b", "RENAME TABLE"),
    ("LOCK TABLES t WRITE", "LOCK TABLES"),
    ("INSERT INTO t VALUES ('CREATE TABLE')", None),
    ("SET @x = 1", None),
])
def test_mysql_statements_committed_implicitly(sql, kind):
    assert engine("mysql").commits_implicitly(sql) == kind


@pytest.mark.parametrize("sql, dialect, kind", [
    ("CREATE INDEX CONCURRENTLY i ON t (a)", "postgres", "CREATE INDEX CONCURRENTLY"),
    ("DO $$ BEGIN COMMIT; END $$", "postgres", "a DO block that commits"),
    ("VACUUM FULL t", "postgres", "VACUUM FULL"),
    ("PRAGMA foreign_keys = OFF", "sqlite", "PRAGMA foreign_keys"),
])
def test_statement_kind_names_a_statement_by_its_leading_keywords(sql, dialect, kind):
    assert statement_kind(sql, dialect) == kind
