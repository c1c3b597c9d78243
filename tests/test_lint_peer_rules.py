"""Rules the peers (squawk, eugene, strong_migrations) have that the linter lacked, each with a bad and a good
case; and where a peer is wrong, the verdict kept."""

import pytest

from lintcase import findings, findings_after, migration_rules, rules, rules_after


@pytest.mark.parametrize("sql, pg_version, expected", [
    ("ALTER TABLE events DETACH PARTITION events_2020", 15, ["detach-partition-not-concurrently"]),
    ("ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY", 15, []),
    ("ALTER TABLE events DETACH PARTITION events_2020 FINALIZE", 15, []),
    ("ALTER TABLE events DETACH PARTITION events_2020", 13, ["detach-partition-not-concurrently"]),
    ("CREATE TABLE events (at date) PARTITION BY RANGE (at);\nALTER TABLE events DETACH PARTITION events_2020", 15,
     []),
])
def test_detach_partition_not_concurrently(sql, pg_version, expected):
    assert rules(sql, pg_version=pg_version) == expected


def test_detach_partition_alternative_depends_on_the_version():
    [finding] = findings("ALTER TABLE events DETACH PARTITION events_2020")
    assert finding.safe_alternative.startswith("ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;")
    [old] = findings("ALTER TABLE events DETACH PARTITION events_2020", pg_version=13)
    assert "PostgreSQL 13 has no DETACH PARTITION CONCURRENTLY" in old.safe_alternative
    assert (finding.lock, finding.scans) == ("ACCESS EXCLUSIVE", False)


@pytest.mark.parametrize("sql, expected", [
    ("ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0)", ["add-domain-constraint-validating"]),
    ("ALTER DOMAIN positive ADD CHECK (VALUE > 0)", ["add-domain-constraint-validating"]),
    ("ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0) NOT VALID", []),
    ("ALTER DOMAIN positive VALIDATE CONSTRAINT positive_check", []),
    ("CREATE DOMAIN positive AS integer CHECK (VALUE > 0)", []),
    ("ALTER DOMAIN positive SET DEFAULT 1", []),
])
def test_add_domain_constraint_validating(sql, expected):
    assert rules(sql) == expected


def test_add_domain_constraint_spells_out_not_valid_then_validate():
    [finding] = findings("ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0)")
    assert finding.safe_alternative.splitlines() == [
        "ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0) NOT VALID;",
        "then, in a later migration: ALTER DOMAIN positive VALIDATE CONSTRAINT positive_check;"]


TOKENS = "CREATE TABLE tokens (id bigint, code text NOT NULL);"


@pytest.mark.parametrize("earlier, sql, pg_version, expected", [
    (TOKENS + "\nCREATE UNIQUE INDEX tokens_id_key ON tokens (id);",
     "ALTER TABLE tokens ADD CONSTRAINT tokens_pkey PRIMARY KEY USING INDEX tokens_id_key", 15,
     ["primary-key-using-index-nullable"]),
    (TOKENS + "\nCREATE UNIQUE INDEX tokens_code_key ON tokens (code);",
     "ALTER TABLE tokens ADD CONSTRAINT tokens_pkey PRIMARY KEY USING INDEX tokens_code_key", 15, []),
    (TOKENS + "\nCREATE UNIQUE INDEX tokens_id_key ON tokens (id);\n"
              "ALTER TABLE tokens ADD CONSTRAINT tokens_id_nn CHECK (id IS NOT NULL);",
     "ALTER TABLE tokens ADD CONSTRAINT tokens_pkey PRIMARY KEY USING INDEX tokens_id_key", 15, []),
    (TOKENS + "\nCREATE UNIQUE INDEX tokens_id_key ON tokens (id);\n"
              "ALTER TABLE tokens ADD CONSTRAINT tokens_id_nn CHECK (id IS NOT NULL);",
     "ALTER TABLE tokens ADD CONSTRAINT tokens_pkey PRIMARY KEY USING INDEX tokens_id_key", 11,
     ["primary-key-using-index-nullable"]),
    (TOKENS + "\nCREATE UNIQUE INDEX tokens_id_key ON tokens (id);",
     "ALTER TABLE tokens ADD CONSTRAINT tokens_id_key UNIQUE USING INDEX tokens_id_key", 15, []),
])
def test_primary_key_using_index_on_a_nullable_column(earlier, sql, pg_version, expected):
    assert rules_after(earlier, sql, pg_version=pg_version) == expected


def test_primary_key_using_index_names_the_column_and_the_scan():
    [finding] = findings_after(TOKENS + "\nCREATE UNIQUE INDEX tokens_id_key ON tokens (id);",
                               "ALTER TABLE tokens ADD CONSTRAINT tokens_pkey PRIMARY KEY USING INDEX tokens_id_key")
    assert finding.message.startswith("PRIMARY KEY USING INDEX tokens_id_key sets id NOT NULL, scanning tokens")
    assert (finding.lock, finding.scans) == ("ACCESS EXCLUSIVE", True)
    assert "ALTER TABLE tokens ALTER COLUMN id SET NOT NULL;  -- no scan now" in finding.safe_alternative


@pytest.mark.parametrize("sql, dialect, expected", [
    ("DROP DATABASE shop", "postgres", ["drop-database"]),
    ("DROP DATABASE IF EXISTS shop", "mysql", ["drop-database"]),
    ("DROP SCHEMA shop", "mysql", ["drop-database"]),
    ("DROP SCHEMA shop CASCADE", "postgres", []),
    ("ALTER SCHEMA shop RENAME TO store", "postgres", ["rename-schema"]),
    ("ALTER SCHEMA shop OWNER TO admin", "postgres", []),
])
def test_drop_database_and_rename_schema(sql, dialect, expected):
    assert rules(sql, dialect=dialect, quiet={"mysql-multiple-ddl"}) == expected


@pytest.mark.parametrize("up, expected", [
    ("ALTER TABLE orders ADD COLUMN note text;\nCREATE INDEX customers_name_idx ON customers (name);",
     ["add-index-not-concurrently", "exclusive-lock-held-during-scan"]),
    ("ALTER TABLE orders ADD COLUMN note text;\nUPDATE customers SET name = lower(name);",
     ["full-table-dml", "exclusive-lock-held-during-scan"]),
    ("ALTER TABLE orders ADD COLUMN note text;\nUPDATE customers SET name = lower(name) WHERE id < 1000;", []),
    ("CREATE INDEX customers_name_idx ON customers (name);\nALTER TABLE orders ADD COLUMN note text;",
     ["add-index-not-concurrently"]),
    ("ALTER TABLE orders ADD COLUMN note text;\nCREATE TABLE tags (id int);\nCREATE INDEX tags_id ON tags (id);", []),
])
def test_exclusive_lock_held_during_scan(up, expected):
    assert migration_rules(up) == expected


def test_exclusive_lock_is_released_between_statements_without_a_transaction():
    up = "ALTER TABLE orders ADD COLUMN note text;\nCREATE INDEX customers_name_idx ON customers (name);"
    assert migration_rules(up, up_transaction=False) == ["add-index-not-concurrently"]


@pytest.mark.parametrize("sql, expected", [
    ("CREATE TABLE visits (at timestamp)", ["prefer-timestamptz"]),
    ("CREATE TABLE visits (at timestamp(6) without time zone NOT NULL)", ["prefer-timestamptz"]),
    ("CREATE TABLE visits (at timestamp with time zone, on_day date, at_time time)", []),
    ("ALTER TABLE visits ADD COLUMN seen_at timestamp(3)", ["prefer-timestamptz"]),
    ("ALTER TABLE visits ADD COLUMN seen_at timestamptz(3)", []),
    ("CREATE TABLE codes (code char(3), name character(10), label varchar(10))", ["char-column", "char-column"]),
    ("CREATE TABLE codes (code text, flag \"char\")", []),
    ("CREATE TABLE docs (body json)", ["json-column"]),
    ("ALTER TABLE docs ADD COLUMN meta json", ["json-column"]),
    ("CREATE TABLE docs (body jsonb)", []),
    ("CREATE TABLE users (id serial PRIMARY KEY)", ["integer-primary-key"]),
    ("CREATE TABLE users (id integer GENERATED BY DEFAULT AS IDENTITY, name text)", ["integer-primary-key"]),
    ("CREATE TABLE users (id int4 NOT NULL, CONSTRAINT users_pkey PRIMARY KEY (id))", ["integer-primary-key"]),
    ("CREATE TABLE users (id bigserial PRIMARY KEY, n integer, m serial)", []),
    ("CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY)", []),
])
def test_column_types_a_new_table_will_regret(sql, expected):
    assert rules(sql) == expected


def test_column_type_rules_leave_a_down_that_restores_a_table_alone():
    assert migration_rules("DROP TABLE visits;", "CREATE TABLE visits (id serial PRIMARY KEY, at timestamp);",
                           quiet={"drop-table", "irreversible-down", "missing-lock-timeout"}) == []


def test_integer_primary_key_on_mysql():
    assert rules("CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY)", dialect="mysql") == ["integer-primary-key"]
    assert rules("CREATE TABLE users (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY)", dialect="mysql") == []
    assert rules("CREATE TABLE users (id INTEGER PRIMARY KEY)", dialect="sqlite") == []


@pytest.mark.parametrize("sql", [
    "ALTER TABLE users ADD COLUMN visits integer DEFAULT 0",
    "ALTER TABLE users ADD COLUMN created_at timestamptz NOT NULL DEFAULT now()",
    "ALTER TABLE orders ADD COLUMN customer_id bigint REFERENCES customers (id)",
])
def test_what_peers_flag_wrongly_stays_unflagged(sql):
    """A constant (or stable) default is free from PostgreSQL 11; a foreign key on a new column without a
    default has no rows to check. The rules' documentation says why."""
    assert rules(sql) == []


def test_the_kept_verdicts_are_explained_in_the_rule_documentation():
    from dkmigrate.lint import RULES

    assert "is not flagged from PostgreSQL 11" in RULES["add-column-volatile-default"].why
    assert "adding-foreign-key-constraint" in RULES["add-foreign-key-validating"].why
    assert "ban-create-domain-with-constraint" in RULES["add-domain-constraint-validating"].why


def test_a_domain_constraint_scans_every_table_using_the_domain_unless_not_valid(postgres_url):
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("CREATE DOMAIN amount AS integer")
        connection.execute("CREATE TABLE payments (id int, paid amount)")
        connection.execute("INSERT INTO payments SELECT g, g FROM generate_series(1, 100) g")

        def scans(statement: str) -> int:
            connection.execute("BEGIN")
            before = connection.execute("SELECT pg_stat_get_xact_numscans('payments'::regclass)").fetchone()[0]
            connection.execute(statement)
            after = connection.execute("SELECT pg_stat_get_xact_numscans('payments'::regclass)").fetchone()[0]
            connection.execute("ROLLBACK")
            return after - before

        flagged = "ALTER DOMAIN amount ADD CONSTRAINT amount_positive CHECK (VALUE > 0)"
        safe = flagged + " NOT VALID"
        assert (scans(flagged) > 0, scans(safe) > 0) == (True, False)
    assert (rules(flagged), rules(safe)) == (["add-domain-constraint-validating"], [])
