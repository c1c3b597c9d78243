"""Constraints on existing tables: add-foreign-key-validating, add-check-validating,
validate-in-same-transaction, add-unique-constraint, add-exclusion-constraint."""

import pytest

from lintcase import findings, migration_rules, rules


@pytest.mark.parametrize("sql, expected", [
    ("ALTER TABLE orders ADD CONSTRAINT orders_customer_fkey FOREIGN KEY (customer_id) REFERENCES customers (id)",
     ["add-foreign-key-validating"]),
    ("ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES app.customers ON DELETE CASCADE",
     ["add-foreign-key-validating"]),
    ("ALTER TABLE orders ADD CONSTRAINT orders_customer_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) "
     "NOT VALID", []),
    ("ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers (id) DEFERRABLE "
     "INITIALLY DEFERRED NOT VALID", []),
    ("ALTER TABLE orders ADD COLUMN customer_id bigint REFERENCES customers (id)", []),
    ("ALTER TABLE orders ADD COLUMN customer_id bigint DEFAULT 1 REFERENCES customers (id)",
     ["add-foreign-key-validating"]),
    ("CREATE TABLE orders (id int, customer_id bigint);\n"
     "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers (id)", []),
    ("CREATE TABLE orders (id int, customer_id bigint REFERENCES customers (id))", []),
])
def test_add_foreign_key_validating(sql, expected):
    assert rules(sql) == expected


def test_foreign_key_alternative_adds_not_valid_then_validates_later():
    [finding] = findings("ALTER TABLE orders ADD CONSTRAINT orders_customer_fkey FOREIGN KEY (customer_id) "
                         "REFERENCES customers (id)")
    assert finding.safe_alternative.splitlines()[0].startswith(
        "ALTER TABLE orders ADD CONSTRAINT orders_customer_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) "
        "NOT VALID;")
    assert "VALIDATE CONSTRAINT orders_customer_fkey" in finding.safe_alternative
    assert (finding.lock, finding.scans) == ("SHARE ROW EXCLUSIVE", True)


@pytest.mark.parametrize("sql, expected", [
    ("ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0)", ["add-check-validating"]),
    ("ALTER TABLE orders ADD CHECK (total > 0 AND (status IN ('a', 'b')))", ["add-check-validating"]),
    ("ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID", []),
    ("ALTER TABLE orders ADD COLUMN score integer CHECK (score >= 0)", ["add-check-validating"]),
    ("ALTER TABLE orders ADD COLUMN score integer", []),
    ("CREATE TABLE orders (total int);\nALTER TABLE orders ADD CHECK (total > 0)", []),
])
def test_add_check_validating(sql, expected):
    assert rules(sql) == expected


@pytest.mark.parametrize("up, up_transaction, expected", [
    ("ALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;",
     True, ["validate-in-same-transaction"]),
    ("ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES b (id) NOT VALID;\n"
     "ALTER TABLE orders VALIDATE CONSTRAINT fk;", True, ["validate-in-same-transaction"]),
    ("ALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;",
     False, []),
    ("ALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0) NOT VALID;\n"
     "CREATE INDEX CONCURRENTLY orders_total_idx ON orders (total);\nALTER TABLE orders VALIDATE CONSTRAINT c;",
     True, []),
    ("BEGIN;\nALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0) NOT VALID;\nCOMMIT;\n"
     "ALTER TABLE orders VALIDATE CONSTRAINT c;", True, []),
    ("ALTER TABLE orders VALIDATE CONSTRAINT c;", True, []),
    ("ALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0) NOT VALID;\nALTER TABLE other VALIDATE CONSTRAINT c;",
     True, ["exclusive-lock-held-during-scan"]),
])
def test_validate_in_same_transaction_follows_the_transaction_the_runner_uses(up, up_transaction, expected):
    assert migration_rules(up, "", up_transaction=up_transaction) == expected


@pytest.mark.parametrize("sql, expected", [
    ("ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email)", ["add-unique-constraint"]),
    ("ALTER TABLE users ADD UNIQUE NULLS NOT DISTINCT (email)", ["add-unique-constraint"]),
    ("ALTER TABLE users ADD PRIMARY KEY (id)", ["add-unique-constraint"]),
    ("ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key", []),
    ("ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX users_id_key",
     ["primary-key-using-index-nullable"]),
    ("ALTER TABLE users ADD COLUMN handle text UNIQUE", ["add-unique-constraint"]),
    ("ALTER TABLE users ADD COLUMN id2 bigint PRIMARY KEY", ["add-unique-constraint"]),
    ("CREATE TABLE users (email text);\nALTER TABLE users ADD UNIQUE (email)", []),
])
def test_add_unique_constraint(sql, expected):
    assert rules(sql) == expected


def test_unique_alternative_builds_the_index_concurrently_then_attaches_it():
    [finding] = findings("ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email)")
    assert finding.safe_alternative.splitlines()[0].startswith(
        "CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);")
    assert finding.safe_alternative.splitlines()[1].startswith(
        "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;")


@pytest.mark.parametrize("sql, expected", [
    ("ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&)",
     ["add-exclusion-constraint"]),
    ("CREATE TABLE bookings (room int, during tstzrange);\n"
     "ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&)", []),
])
def test_add_exclusion_constraint(sql, expected):
    assert rules(sql) == expected


def test_constraint_rules_are_postgresql_rules():
    sql = "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES b (id), ALGORITHM=INPLACE, LOCK=NONE"
    assert rules(sql, dialect="mysql") == []
