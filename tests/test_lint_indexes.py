"""Index rules: add-index-not-concurrently, drop-index-not-concurrently, concurrently-in-transaction,
reindex-not-concurrently."""

import pytest

from lintcase import findings, rules


@pytest.mark.parametrize("sql, expected", [
    ("CREATE INDEX users_email_idx ON users (email)", ["add-index-not-concurrently"]),
    ("CREATE UNIQUE INDEX users_email_key ON users (lower(email))", ["add-index-not-concurrently"]),
    ("create index on app.users using gin (tags)", ["add-index-not-concurrently"]),
    ("CREATE INDEX IF NOT EXISTS users_email_idx ON ONLY users (email)", ["add-index-not-concurrently"]),
    ("CREATE INDEX CONCURRENTLY users_email_idx ON users (email)", []),
    ("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_key ON users (email)", []),
    ("CREATE TABLE users (id bigint, email text);\nCREATE INDEX users_email_idx ON users (email)", []),
    ("CREATE TABLE app.users (id bigint);\nCREATE INDEX users_id_idx ON app.users (id)", []),
    ("CREATE TABLE users (id bigint);\nCREATE INDEX users_id_idx ON public.users (id)", []),
    ("CREATE TABLE app.users (id bigint);\nCREATE INDEX users_id_idx ON users (id)", ["add-index-not-concurrently"]),
])
def test_add_index_not_concurrently(sql, expected):
    assert rules(sql) == expected


def test_add_index_alternative_is_the_concurrent_form_outside_a_transaction():
    [finding] = findings("CREATE INDEX users_email_idx ON users (email)")
    assert finding.safe_alternative.startswith("CREATE INDEX CONCURRENTLY users_email_idx ON users (email)")
    assert "transaction:false" in finding.safe_alternative
    assert (finding.lock, finding.scans, finding.rewrites) == ("SHARE", True, False)


@pytest.mark.parametrize("sql, expected", [
    ("DROP INDEX users_email_idx", ["drop-index-not-concurrently"]),
    ("DROP INDEX IF EXISTS app.users_email_idx, users_name_idx CASCADE", ["drop-index-not-concurrently"]),
    ("DROP INDEX CONCURRENTLY users_email_idx", []),
    ("DROP INDEX CONCURRENTLY IF EXISTS users_email_idx", []),
    ("CREATE TABLE users (email text);\nCREATE INDEX users_email_idx ON users (email);\nDROP INDEX users_email_idx", []),
])
def test_drop_index_not_concurrently(sql, expected):
    assert rules(sql) == expected


def test_drop_index_alternative_drops_each_index_concurrently():
    [finding] = findings("DROP INDEX a_idx, b_idx")
    assert "DROP INDEX CONCURRENTLY IF EXISTS a_idx;\nDROP INDEX CONCURRENTLY IF EXISTS b_idx;" in finding.safe_alternative


@pytest.mark.parametrize("sql, expected", [
    ("BEGIN;\nCREATE INDEX CONCURRENTLY i ON users (email);\nCOMMIT;", ["concurrently-in-transaction"]),
    ("START TRANSACTION;\nDROP INDEX CONCURRENTLY i;\nCOMMIT;", ["concurrently-in-transaction"]),
    ("BEGIN;\nREINDEX INDEX CONCURRENTLY i;\nEND;", ["concurrently-in-transaction"]),
    ("BEGIN;\nALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;\nCOMMIT;", ["concurrently-in-transaction"]),
    ("BEGIN;\nSELECT 1;\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON users (email);", []),
    ("CREATE INDEX CONCURRENTLY i ON users (email);", []),
    ("BEGIN;\nCREATE INDEX i ON users (email);\nROLLBACK;", ["add-index-not-concurrently"]),
])
def test_concurrently_in_an_explicit_transaction_block(sql, expected):
    assert rules(sql) == expected


@pytest.mark.parametrize("sql, pg_version, expected", [
    ("REINDEX TABLE users", 15, ["reindex-not-concurrently"]),
    ("REINDEX INDEX users_email_idx", 15, ["reindex-not-concurrently"]),
    ("REINDEX (VERBOSE) SCHEMA app", 15, ["reindex-not-concurrently"]),
    ("REINDEX TABLE CONCURRENTLY users", 15, []),
    ("REINDEX (VERBOSE) INDEX CONCURRENTLY users_email_idx", 15, []),
    ("REINDEX SYSTEM app", 15, []),
    ("REINDEX TABLE users", 11, ["reindex-not-concurrently"]),
])
def test_reindex_not_concurrently(sql, pg_version, expected):
    assert rules(sql, pg_version=pg_version) == expected


def test_reindex_alternative_depends_on_the_version():
    [current] = findings("REINDEX TABLE users", pg_version=15)
    assert current.safe_alternative.startswith("REINDEX TABLE CONCURRENTLY users;")
    [old] = findings("REINDEX TABLE users", pg_version=11)
    assert "no REINDEX CONCURRENTLY" in old.safe_alternative and "CREATE INDEX CONCURRENTLY" in old.safe_alternative


def test_index_rules_are_postgresql_rules():
    assert rules("CREATE INDEX i ON users (email)", dialect="mysql") == []
    assert rules("CREATE INDEX i ON users (email)", dialect="sqlite") == []
