"""Whole tables: drop-table, rename-table, truncate, table-rewrite, vacuum-full-or-cluster."""

import pytest

from lintcase import findings, migration_rules, rules


@pytest.mark.parametrize("sql, expected", [
    ("DROP TABLE users", ["drop-table"]),
    ("DROP TABLE IF EXISTS users, app.sessions CASCADE", ["drop-table", "drop-table"]),
    ("drop table if exists legacy_users", ["drop-table"]),
    ("CREATE TABLE scratch (id int);\nDROP TABLE scratch", []),
    ("CREATE TABLE scratch (id int);\nDROP TABLE scratch, users", ["drop-table"]),
    ("DROP VIEW users_view", []),
])
def test_drop_table(sql, expected):
    assert rules(sql) == expected


def test_drop_table_in_a_down_of_a_table_the_up_created_is_the_down_doing_its_job():
    assert migration_rules("CREATE TABLE users (id int);", "DROP TABLE users;") == []
    assert migration_rules("CREATE TABLE users (id int);", "DROP TABLE users;\nDROP TABLE accounts;") == ["drop-table"]


@pytest.mark.parametrize("sql, dialect, expected", [
    ("ALTER TABLE users RENAME TO customers", "postgres", ["rename-table"]),
    ("ALTER TABLE IF EXISTS app.users RENAME TO customers", "postgres", ["rename-table"]),
    ("ALTER TABLE users RENAME TO customers", "sqlite", ["rename-table"]),
    ("ALTER TABLE users RENAME customers", "mysql", ["rename-table"]),
    ("ALTER TABLE users RENAME AS customers", "mysql", ["rename-table"]),
    ("RENAME TABLE users TO customers, orders TO purchases", "mysql", ["rename-table", "rename-table"]),
    ("CREATE TABLE users_new (id int);\nALTER TABLE users_new RENAME TO users2", "postgres", []),
])
def test_rename_table(sql, dialect, expected):
    assert rules(sql, dialect=dialect) == expected


def test_rename_table_alternative_leaves_a_view_behind():
    [finding] = findings("ALTER TABLE users RENAME TO customers")
    assert "CREATE VIEW users AS SELECT * FROM customers;" in finding.safe_alternative
    assert "DROP VIEW users;" in finding.safe_alternative


@pytest.mark.parametrize("sql, expected", [
    ("TRUNCATE users", ["truncate"]),
    ("TRUNCATE TABLE ONLY users, orders RESTART IDENTITY", ["truncate"]),
    ("CREATE TABLE staging (id int);\nTRUNCATE staging", []),
])
def test_truncate(sql, expected):
    assert rules(sql) == expected


def test_truncate_names_cascade():
    [finding] = findings("TRUNCATE users CASCADE")
    assert "every table that references them" in finding.message


@pytest.mark.parametrize("sql, expected", [
    ("ALTER TABLE events SET TABLESPACE archive", ["table-rewrite"]),
    ("ALTER TABLE events SET LOGGED", ["table-rewrite"]),
    ("ALTER TABLE events SET UNLOGGED", ["table-rewrite"]),
    ("ALTER TABLE events SET ACCESS METHOD heap2", ["table-rewrite"]),
    ("ALTER TABLE events SET (fillfactor = 70)", []),
    ("ALTER TABLE events SET SCHEMA archive", []),
    ("CREATE TABLE events (id int);\nALTER TABLE events SET UNLOGGED", []),
])
def test_table_rewrite(sql, expected):
    assert rules(sql) == expected


@pytest.mark.parametrize("sql, expected", [
    ("VACUUM FULL events", ["vacuum-full-or-cluster"]),
    ("VACUUM (FULL, ANALYZE) events", ["vacuum-full-or-cluster"]),
    ("VACUUM FULL", ["vacuum-full-or-cluster"]),
    ("CLUSTER events USING events_pkey", ["vacuum-full-or-cluster"]),
    ("CLUSTER events_pkey ON events", ["vacuum-full-or-cluster"]),
    ("VACUUM events", []),
    ("VACUUM (FULL false, ANALYZE) events", []),
    ("VACUUM ANALYZE events", []),
])
def test_vacuum_full_or_cluster(sql, expected):
    assert rules(sql) == expected
