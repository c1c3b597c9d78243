"""Waiting for locks and holding them: missing-lock-timeout, backfill-in-ddl-transaction, full-table-dml -
judged with the transaction the runner really uses (one per section unless the file disables it or a
statement cannot run in one)."""

import pytest

from lintcase import findings, migration_rules, rules

ALL = frozenset()


@pytest.mark.parametrize("sql, expected", [
    ("ALTER TABLE users ADD COLUMN nickname text", ["missing-lock-timeout"]),
    ("SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN nickname text", []),
    ("SET SESSION lock_timeout TO 5000;\nALTER TABLE users ADD COLUMN nickname text", []),
    ("SET LOCAL lock_timeout = '5s';\nALTER TABLE users ADD COLUMN nickname text", []),
    ("SELECT set_config('lock_timeout', '5s', false);\nALTER TABLE users ADD COLUMN nickname text", []),
    ("SET lock_timeout = 0;\nALTER TABLE users ADD COLUMN nickname text", ["missing-lock-timeout"]),
    ("SET lock_timeout = '5s';\nRESET lock_timeout;\nALTER TABLE users ADD COLUMN nickname text",
     ["missing-lock-timeout"]),
    ("SET lock_timeout TO DEFAULT;\nALTER TABLE users ADD COLUMN nickname text", ["missing-lock-timeout"]),
    ("ALTER TABLE users ADD COLUMN a text;\nALTER TABLE users ADD COLUMN b text", ["missing-lock-timeout"]),
    ("ALTER TABLE users ADD COLUMN a text;\nALTER TABLE orders ADD COLUMN b text",
     ["missing-lock-timeout", "missing-lock-timeout"]),
    ("DROP TABLE users", ["drop-table", "missing-lock-timeout"]),
    ("TRUNCATE users", ["missing-lock-timeout", "truncate"]),
    ("LOCK TABLE users IN ACCESS EXCLUSIVE MODE", ["missing-lock-timeout"]),
    ("LOCK TABLE users IN ROW EXCLUSIVE MODE", []),
    ("DROP TRIGGER users_touch ON users", ["missing-lock-timeout"]),
    ("CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()", []),
    ("ALTER TABLE users ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES b (id) NOT VALID", []),
    ("ALTER TABLE users VALIDATE CONSTRAINT fk", []),
    ("CREATE TABLE users (id int);\nALTER TABLE users ADD COLUMN nickname text", []),
    ("CREATE INDEX CONCURRENTLY i ON users (email)", []),
])
def test_missing_lock_timeout(sql, expected):
    assert sorted(rules(sql, quiet=ALL)) == sorted(expected)


def test_missing_lock_timeout_outside_a_transaction_flags_every_statement_and_ignores_set_local():
    up = ("SET LOCAL lock_timeout = '5s';\nALTER TABLE users ADD COLUMN a text;\n"
          "ALTER TABLE users ADD COLUMN b text;")
    assert migration_rules(up, "", quiet=ALL) == []
    assert migration_rules(up, "", quiet=ALL, up_transaction=False) == ["missing-lock-timeout", "missing-lock-timeout"]


def test_a_concurrent_statement_takes_the_whole_section_out_of_its_transaction():
    up = "ALTER TABLE users ADD COLUMN a text;\nALTER TABLE users ADD COLUMN b text;\nCREATE INDEX CONCURRENTLY i ON users (a);"
    assert migration_rules(up, "", quiet=ALL) == ["missing-lock-timeout", "missing-lock-timeout"]


@pytest.mark.parametrize("sql, locked", [
    ("ALTER TABLE orders ADD COLUMN customer_id bigint REFERENCES customers (id)", "orders"),
    ("ALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
     "events_2026"),
    ("ALTER TABLE events DETACH PARTITION events_2020", "events, events_2020"),
    ("TRUNCATE a, b", "a, b"),
    ("DROP INDEX orders_customer_idx", "its table"),
])
def test_missing_lock_timeout_names_the_tables_locked_access_exclusive(sql, locked):
    [finding] = findings(sql, quiet={"truncate", "drop-index-not-concurrently", "detach-partition-not-concurrently"})
    assert finding.message.startswith(f"takes an ACCESS EXCLUSIVE lock on {locked} with no lock_timeout")


def test_missing_lock_timeout_explains_the_queue_and_names_the_setting():
    [finding] = findings("ALTER TABLE users ADD COLUMN nickname text", quiet=ALL)
    assert "every new query on users queues behind it" in finding.message
    assert finding.safe_alternative.startswith("SET lock_timeout = '5s';")
    assert finding.lock == "ACCESS EXCLUSIVE"


@pytest.mark.parametrize("sql, expected", [
    ("ALTER TABLE users ADD COLUMN visits int;\nUPDATE users SET visits = 0 WHERE visits IS NULL",
     ["backfill-in-ddl-transaction"]),
    ("ALTER TABLE users ADD COLUMN visits int;\nUPDATE users SET visits = 0", ["backfill-in-ddl-transaction",
                                                                               "full-table-dml"]),
    ("ALTER TABLE users ADD COLUMN gone bool;\nDELETE FROM users WHERE gone", ["backfill-in-ddl-transaction"]),
    ("ALTER TABLE users ADD COLUMN x int;\nINSERT INTO users (id) SELECT id FROM old_users",
     ["backfill-in-ddl-transaction"]),
    ("ALTER TABLE users ADD COLUMN x int;\nINSERT INTO users (id) VALUES (1)", []),
    ("ALTER TABLE users ADD COLUMN visits int;\nUPDATE orders SET total = 0 WHERE total IS NULL", []),
    ("UPDATE users SET visits = 0 WHERE visits IS NULL;\nALTER TABLE users ADD COLUMN visits2 int", []),
    ("ALTER TABLE users ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES b (id) NOT VALID;\n"
     "UPDATE users SET a = NULL WHERE a = 0", []),
    ("CREATE TABLE users (id int);\nALTER TABLE users ADD COLUMN x int;\nUPDATE users SET x = 1", []),
])
def test_backfill_in_ddl_transaction(sql, expected):
    assert rules(sql) == expected


def test_a_backfill_in_a_section_without_a_transaction_holds_no_earlier_lock():
    up = "ALTER TABLE users ADD COLUMN visits int;\nUPDATE users SET visits = 0 WHERE visits IS NULL;"
    assert migration_rules(up, "") == ["backfill-in-ddl-transaction"]
    assert migration_rules(up, "", up_transaction=False) == []


@pytest.mark.parametrize("sql, dialect, expected", [
    ("UPDATE users SET visits = 0", "postgres", ["full-table-dml"]),
    ("DELETE FROM users", "postgres", ["full-table-dml"]),
    ("delete from only app.users", "postgres", ["full-table-dml"]),
    ("WITH stale AS (SELECT id FROM users) UPDATE users SET visits = 0", "postgres", ["full-table-dml"]),
    ("UPDATE users SET visits = (SELECT count(*) FROM visits WHERE visits.user_id = users.id)", "postgres",
     ["full-table-dml"]),
    ("UPDATE users SET visits = 0 WHERE visits IS NULL", "postgres", []),
    ("UPDATE users u SET visits = v.n FROM visit_counts v WHERE v.user_id = u.id", "postgres", []),
    ("DELETE FROM users WHERE id IN (SELECT id FROM users LIMIT 100)", "postgres", []),
    ("DELETE FROM users LIMIT 1000", "mysql", []),
    ("DELETE FROM users", "mysql", ["full-table-dml"]),
    ("UPDATE users SET visits = 0", "sqlite", ["full-table-dml"]),
    ("INSERT INTO users (id) SELECT id FROM old_users", "postgres", []),
    ("CREATE TABLE staging (id int);\nDELETE FROM staging", "postgres", []),
])
def test_full_table_dml(sql, dialect, expected):
    assert rules(sql, dialect=dialect) == expected


def test_full_table_dml_alternative_is_batched():
    [finding] = findings("UPDATE users SET visits = 0")
    assert finding.safe_alternative.startswith("UPDATE users SET ... WHERE id >= 1 AND id < 10001;")
    assert (finding.lock, finding.scans) == ("ROW EXCLUSIVE", True)
