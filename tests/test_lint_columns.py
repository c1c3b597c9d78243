"""Adding columns: add-column-volatile-default, add-column-default-rewrite, add-column-required,
add-column-serial - and the additions that are safe."""

import pytest

from lintcase import findings, rules


@pytest.mark.parametrize("sql", [
    "ALTER TABLE users ADD COLUMN nickname text",
    "ALTER TABLE users ADD nickname varchar(40) NULL",
    "ALTER TABLE users ADD COLUMN visits integer NOT NULL DEFAULT 0",
    "ALTER TABLE users ADD COLUMN created_at timestamptz NOT NULL DEFAULT now()",
    "ALTER TABLE users ADD COLUMN created_at timestamptz DEFAULT CURRENT_TIMESTAMP",
    "ALTER TABLE users ADD COLUMN settings jsonb NOT NULL DEFAULT '{}'::jsonb",
    "ALTER TABLE users ADD COLUMN label text DEFAULT lower('X')",
    "ALTER TABLE users ADD COLUMN tags text[] DEFAULT ARRAY[]::text[]",
    "ALTER TABLE users ADD COLUMN note text DEFAULT NULL",
    "ALTER TABLE users ADD COLUMN IF NOT EXISTS note text",
    "ALTER TABLE users ADD COLUMN generated_later integer GENERATED ALWAYS AS (1) VIRTUAL",
])
def test_safe_column_additions_produce_no_finding(sql):
    assert rules(sql) == []


@pytest.mark.parametrize("sql, expected", [
    ("ALTER TABLE users ADD COLUMN seen_at timestamptz DEFAULT clock_timestamp()", ["add-column-volatile-default"]),
    ("ALTER TABLE users ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid()", ["add-column-volatile-default"]),
    ("ALTER TABLE users ADD COLUMN luck float8 DEFAULT random() * 10", ["add-column-volatile-default"]),
    ("ALTER TABLE users ADD COLUMN token uuid DEFAULT public.uuid_generate_v4()", ["add-column-volatile-default"]),
    ("ALTER TABLE users ADD COLUMN n bigint DEFAULT nextval('users_n_seq')", ["add-column-volatile-default"]),
    ("ALTER TABLE users ADD COLUMN code text DEFAULT make_code()", ["add-column-volatile-default"]),
    ("ALTER TABLE users ADD COLUMN a int, ADD COLUMN b timestamptz DEFAULT clock_timestamp()",
     ["add-column-volatile-default"]),
    ("CREATE TABLE users (id int);\nALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid()", []),
])
def test_add_column_volatile_default(sql, expected):
    assert rules(sql) == expected


def test_a_function_of_unknown_volatility_is_flagged_with_the_way_out():
    [finding] = findings("ALTER TABLE users ADD COLUMN code text DEFAULT make_code()")
    assert "may be volatile" in finding.message and "IMMUTABLE or STABLE" in finding.message
    assert (finding.lock, finding.rewrites) == ("ACCESS EXCLUSIVE", True)


def test_volatile_default_alternative_adds_then_sets_the_default_then_backfills():
    [finding] = findings("ALTER TABLE users ADD COLUMN seen_at timestamptz DEFAULT clock_timestamp()")
    assert finding.safe_alternative.splitlines()[:2] == [
        "ALTER TABLE users ADD COLUMN seen_at timestamptz;",
        "ALTER TABLE users ALTER COLUMN seen_at SET DEFAULT clock_timestamp();  -- for new rows only: no rewrite",
    ]
    assert "in batches" in finding.safe_alternative


@pytest.mark.parametrize("sql, pg_version, expected", [
    ("ALTER TABLE users ADD COLUMN visits integer DEFAULT 0", 10, ["add-column-default-rewrite"]),
    ("ALTER TABLE users ADD COLUMN visits integer DEFAULT 0", 11, []),
    ("ALTER TABLE users ADD COLUMN visits integer NOT NULL DEFAULT 0", 9, ["add-column-default-rewrite"]),
    ("ALTER TABLE users ADD COLUMN seen_at timestamptz DEFAULT clock_timestamp()", 10, ["add-column-default-rewrite"]),
    ("ALTER TABLE users ADD COLUMN seen_at timestamptz DEFAULT clock_timestamp()", 11, ["add-column-volatile-default"]),
    ("ALTER TABLE users ADD COLUMN note text DEFAULT NULL", 10, []),
    ("ALTER TABLE users ADD COLUMN note text", 10, []),
])
def test_add_column_default_rewrite_depends_on_the_version(sql, pg_version, expected):
    assert rules(sql, pg_version=pg_version) == expected


@pytest.mark.parametrize("sql, expected", [
    ("ALTER TABLE users ADD COLUMN tier integer NOT NULL", ["add-column-required"]),
    ("ALTER TABLE users ADD COLUMN tier integer DEFAULT NULL NOT NULL", ["add-column-required"]),
    ("ALTER TABLE users ADD COLUMN tier integer CONSTRAINT tier_nn NOT NULL", ["add-column-required"]),
    ("ALTER TABLE users ADD COLUMN tier integer NOT NULL DEFAULT 1", []),
    ("ALTER TABLE users ADD COLUMN tier integer", []),
    ("ALTER TABLE users ADD COLUMN id bigint NOT NULL GENERATED ALWAYS AS IDENTITY", ["add-column-serial"]),
    ("CREATE TABLE users (id int);\nALTER TABLE users ADD COLUMN tier integer NOT NULL", []),
])
def test_add_column_required(sql, expected):
    assert rules(sql) == expected


def test_add_column_required_on_sqlite_too():
    assert rules("ALTER TABLE users ADD COLUMN tier integer NOT NULL", dialect="sqlite") == ["add-column-required"]
    assert rules("ALTER TABLE users ADD COLUMN tier integer NOT NULL DEFAULT 0", dialect="sqlite") == []


@pytest.mark.parametrize("sql, expected", [
    ("ALTER TABLE users ADD COLUMN number serial", ["add-column-serial"]),
    ("ALTER TABLE users ADD COLUMN number BIGSERIAL", ["add-column-serial"]),
    ("ALTER TABLE users ADD COLUMN number smallserial", ["add-column-serial"]),
    ("ALTER TABLE users ADD COLUMN number bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 100)", ["add-column-serial"]),
    ("ALTER TABLE users ADD COLUMN double_n bigint GENERATED ALWAYS AS (n * 2) STORED", ["add-column-serial"]),
    ("ALTER TABLE users ADD COLUMN number bigint", []),
    ("CREATE TABLE users (id int);\nALTER TABLE users ADD COLUMN number serial", []),
])
def test_add_column_serial(sql, expected):
    assert rules(sql) == expected


def test_column_rules_read_every_action_of_a_multi_command_alter():
    sql = ("ALTER TABLE users ADD COLUMN a serial, ADD COLUMN b int NOT NULL,\n"
           "    ADD COLUMN c timestamptz DEFAULT clock_timestamp(), ADD COLUMN d int")
    assert sorted(rules(sql)) == ["add-column-required", "add-column-serial", "add-column-volatile-default"]
