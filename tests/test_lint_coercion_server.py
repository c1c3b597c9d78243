"""The type model and the binary-coercible table (lint/coercion.py) checked against a real PostgreSQL.

Each case creates a table with a column of the old type, written the way pg_dump, Rails, Django or Prisma
write it, with rows and an index on the column, then changes the column to the new type. The server tells
whether the table was rewritten (pg_relation_filenode of the table changes) and whether the index was
rebuilt (the index's filenode changes); the linter must claim the same, and flag change-column-type exactly
when the table is rewritten. A CHECK constraint on the column is re-verified by every type change, even one
without a rewrite: the transaction's scan counter shows it.
"""

import uuid
from pathlib import Path

import psycopg
import pytest

from conftest import IN_CI, new_database
from dkmigrate.catalogue.model import Section
from dkmigrate.lint import LintOptions, Schema, analyze_section
from dkmigrate.lint.coercion import rebuilds_indexes, rewrites_table
from dkmigrate.lint.parser import parse

# (old type, new type, a value of the old type) - the server decides whether it rewrites.
CASES = [
    ("character varying(20)", "text", "'a'"),
    ("character varying(20)", "character varying(40)", "'a'"),
    ("character varying(20)", "varchar(10)", "'a'"),
    ("character varying(20)", "varchar", "'a'"),
    ("varchar(20)", "character varying", "'a'"),
    ("text", "character varying", "'a'"),
    ("text", "character varying(20)", "'a'"),
    ("text", "bpchar", "'a'"),
    ("text", "character(3)", "'a'"),
    ("text", "char", "'a'"),
    ("character(3)", "text", "'a'"),
    ("character(3)", "character(5)", "'a'"),
    ("character(3)", "character varying(3)", "'a'"),
    ("cidr", "inet", "'10.0.0.0/8'"),
    ("inet", "cidr", "'10.0.0.0/8'"),
    ("bit(3)", "bit varying", "B'101'"),
    ("bit(3)", "bit varying(3)", "B'101'"),
    ("bit varying(3)", "bit varying(8)", "B'101'"),
    ("bit varying(8)", "bit varying(3)", "B'101'"),
    ("bit varying(3)", "bit(3)", "B'101'"),
    ("numeric(10,2)", "numeric(12,2)", "1"),
    ("numeric(10,2)", "decimal", "1"),
    ("numeric(10,2)", "numeric(12,3)", "1"),
    ("decimal(10,2)", "numeric(9,2)", "1"),
    ("timestamp(3) without time zone", "timestamp(6) without time zone", "now()"),
    ("timestamp without time zone", "timestamp(0)", "now()"),
    ("timestamp with time zone", "timestamptz(3)", "now()"),
    ("timestamptz(3)", "timestamp with time zone", "now()"),
    ("time without time zone", "time(6)", "'12:00'"),
    ("time(6) with time zone", "time(2) with time zone", "'12:00+00'"),
    ("interval", "interval day to second", "'1 day'"),
    ("interval(3)", "interval", "'1 day'"),
    ("integer", "bigint", "1"),
    ("int4", "integer", "1"),
    ("integer", "oid", "1"),
    ("smallint", "int2", "1"),
    ("real", "double precision", "1"),
    ("float8", "double precision", "1"),
    ("pg_catalog.int8", "bigint", "1"),
    ('"varchar"(10)', '"varchar"(20)', "'a'"),
    ("integer[]", "bigint[]", "'{1}'"),
    ("text ARRAY", "character varying[]", "'{a}'"),
    ("character varying(10)[]", "character varying(20)[]", "'{a}'"),
    ("integer[]", "int4[]", "'{1}'"),
    ("boolean", "bool", "true"),
    ("date", "timestamp", "now()"),
    ("character varying(20)", 'text USING "v"::text', "'a'"),
    ("character varying(20)", "text USING CAST(v AS text)", "'a'"),
    ("character varying(20)", "varchar(40) USING v::varchar(40)", "'a'"),
    ("character varying(20)", "text USING lower(v)", "'a'"),
    ("integer", "bigint USING v::bigint", "1"),
    ("uuid", "text", "gen_random_uuid()"),
]
# Cases with an extension type: they run where the server has the extension (CI's does).
EXTENSION_CASES = [
    ("text", "citext", "'a'"),
    ("citext", "text", "'a'"),
    ("character varying(20)", "citext", "'a'"),
    ("citext", "character varying", "'a'"),
    ("citext", "character varying(20)", "'a'"),
    ("public.citext", "citext", "'a'"),
    ("citext", "character(3)", "'a'"),
]


@pytest.fixture(scope="module")
def server(postgres_admin_url):
    """One database for the module (each case makes its own table), and whether it has citext."""
    with new_database(postgres_admin_url) as url:
        with psycopg.connect(url, autocommit=True) as connection:
            try:
                connection.execute("CREATE EXTENSION citext")
                citext = True
            except psycopg.Error:
                citext = False
        yield url, citext


def filenode(connection, relation: str) -> int:
    return connection.execute("SELECT pg_relation_filenode(%s::regclass)", [relation]).fetchone()[0]


def observe(url: str, old: str, new: str, value: str, check: bool = False) -> tuple[bool, bool, bool]:
    """(table rewritten, index rebuilt, table scanned) when the column changes from `old` to `new`."""
    table = f"t_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"CREATE TABLE {table} (id int, v {old})")
        connection.execute(f"INSERT INTO {table} SELECT g, {value} FROM generate_series(1, 50) g")
        connection.execute(f"CREATE INDEX {table}_v ON {table} USING btree (v)")
        if check:
            connection.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_v_check CHECK (v IS NOT NULL)")
        before = filenode(connection, table), filenode(connection, f"{table}_v")
        connection.execute("BEGIN")
        scans = connection.execute(f"SELECT pg_stat_get_xact_numscans('{table}'::regclass)").fetchone()[0]
        connection.execute(f"ALTER TABLE {table} ALTER COLUMN v TYPE {new}")
        scanned = connection.execute(f"SELECT pg_stat_get_xact_numscans('{table}'::regclass)").fetchone()[0] > scans
        after = filenode(connection, table), filenode(connection, f"{table}_v")
        connection.execute("ROLLBACK")
    return before[0] != after[0], before[1] != after[1], scanned


def analysis(old: str, new: str, check: bool = False):
    schema = Schema()
    setup = ["CREATE TABLE t (id int, v %s)" % old, "CREATE INDEX t_v ON t USING btree (v)"]
    if check:
        setup.append("ALTER TABLE t ADD CONSTRAINT t_v_check CHECK (v IS NOT NULL)")
    for sql in setup:
        schema.learn(parse(sql, "postgres"))
    [result] = analyze_section(Section(f"ALTER TABLE t ALTER COLUMN v TYPE {new}", Path("case.sql")), LintOptions(),
                               schema=schema)
    return result


def assert_claims_match(url: str, old: str, new: str, value: str):
    rewritten, index_rebuilt, _ = observe(url, old, new, value)
    old_type = parse(f"CREATE TABLE t (v {old})", "postgres").columns[0].type
    change = parse(f"ALTER TABLE t ALTER COLUMN v TYPE {new}", "postgres").actions[0]
    new_type = change.type
    rewrites = rewrites_table(old_type, new_type, change.using, "v")
    assert (rewrites, rebuilds_indexes(old_type, new_type, rewrites, False)) == (rewritten, index_rebuilt)
    result = analysis(old, new)
    assert (result.rewrites, result.scans) == (rewritten, rewritten or index_rebuilt)
    rules = {finding.rule for finding in result.findings} - {"missing-lock-timeout"}
    if rewritten:
        assert rules == {"change-column-type"}
    elif index_rebuilt:
        assert rules == {"column-type-change-verifies"}
    else:
        assert rules == set()


@pytest.mark.parametrize("old, new, value", CASES, ids=[f"{old} -> {new}" for old, new, _ in CASES])
def test_type_change_claims_match_the_server(server, old, new, value):
    assert_claims_match(server[0], old, new, value)


@pytest.mark.parametrize("old, new, value", EXTENSION_CASES, ids=[f"{old} -> {new}" for old, new, _ in EXTENSION_CASES])
def test_extension_type_change_claims_match_the_server(server, old, new, value):
    url, citext = server
    if not citext:
        if IN_CI:
            pytest.fail("CREATE EXTENSION citext failed: the CI server must have the extension")
        pytest.skip("this PostgreSQL has no citext extension")
    assert_claims_match(url, old, new, value)


@pytest.mark.parametrize("old, new", [("character varying(20)", "character varying(40)"), ("numeric(10,2)", "numeric")])
def test_a_type_change_without_rewrite_still_re_verifies_the_check_on_the_column(server, old, new):
    rewritten, index_rebuilt, scanned = observe(server[0], old, new, "'1'", check=True)
    assert (rewritten, index_rebuilt, scanned) == (False, False, True)
    result = analysis(old, new, check=True)
    assert (result.rewrites, result.scans) == (False, True)
    [finding] = [finding for finding in result.findings if finding.rule != "missing-lock-timeout"]
    assert finding.rule == "column-type-change-verifies"
    assert "re-verifies CHECK t_v_check" in finding.message and "scan of t" in finding.message
