"""Changing existing columns: drop-column, rename-column, change-column-type (binary-coercible changes
excepted, judged against the type earlier statements gave the column), set-not-null."""

import pytest

from lintcase import findings, findings_after, rules, rules_after

ACCOUNTS = ("CREATE TABLE accounts (id bigint PRIMARY KEY, email varchar(100), name varchar(50), note text,\n"
            "    amount numeric(10,2), n integer, code char(10), created timestamp(3), network cidr);")


@pytest.mark.parametrize("sql, expected", [
    ("ALTER TABLE users DROP COLUMN nickname", ["drop-column"]),
    ("ALTER TABLE users DROP nickname", ["drop-column"]),
    ("ALTER TABLE users DROP COLUMN IF EXISTS nickname CASCADE", ["drop-column"]),
    ("ALTER TABLE users DROP COLUMN a, DROP COLUMN b", ["drop-column", "drop-column"]),
    ("ALTER TABLE users DROP CONSTRAINT users_email_key", []),
    ("CREATE TABLE users (id int, nickname text);\nALTER TABLE users DROP COLUMN nickname", []),
    ("ALTER TABLE users ADD COLUMN tmp int;\nALTER TABLE users DROP COLUMN tmp", []),
])
def test_drop_column(sql, expected):
    assert rules(sql) == expected


def test_drop_column_on_mysql_and_sqlite_too():
    assert rules("ALTER TABLE users DROP COLUMN nickname", dialect="sqlite") == ["drop-column"]
    assert "drop-column" in rules("ALTER TABLE users DROP COLUMN nickname, ALGORITHM=INPLACE", dialect="mysql")


@pytest.mark.parametrize("sql, dialect, expected", [
    ("ALTER TABLE users RENAME COLUMN email TO email_address", "postgres", ["rename-column"]),
    ("ALTER TABLE users RENAME email TO email_address", "postgres", ["rename-column"]),
    ('ALTER TABLE "Users" RENAME COLUMN "E-mail" TO email', "postgres", ["rename-column"]),
    ("ALTER TABLE users RENAME CONSTRAINT users_pkey TO users_pk", "postgres", []),
    ("ALTER TABLE users RENAME COLUMN email TO email_address", "sqlite", ["rename-column"]),
    ("ALTER TABLE users CHANGE email email_address varchar(100), ALGORITHM=INPLACE", "mysql", ["rename-column"]),
    ("ALTER TABLE users CHANGE COLUMN email email varchar(200), ALGORITHM=INPLACE", "mysql", []),
    ("CREATE TABLE users (email text);\nALTER TABLE users RENAME COLUMN email TO mail", "postgres", []),
])
def test_rename_column(sql, dialect, expected):
    assert rules(sql, dialect=dialect) == expected


def test_rename_column_alternative_spells_out_expand_contract_with_the_known_type():
    [finding] = findings_after(ACCOUNTS, "ALTER TABLE accounts RENAME COLUMN note TO remark")
    steps = finding.safe_alternative.splitlines()
    assert steps[1] .startswith("1. expand: ALTER TABLE accounts ADD COLUMN remark text;")
    assert steps[2].startswith("2. migrate: UPDATE accounts SET remark = note WHERE remark IS NULL")
    assert steps[3] == "3. deploy the code that reads and writes remark only"
    assert steps[4].endswith("ALTER TABLE accounts DROP COLUMN note")
    assert finding.message.startswith('RENAME COLUMN accounts.note TO remark breaks')


@pytest.mark.parametrize("change, flagged", [
    ("email TYPE varchar(200)", False),
    ("email TYPE character varying(100)", False),
    ("email TYPE varchar", False),
    ("email TYPE text", False),
    ("note TYPE varchar", False),
    ("note TYPE text", False),
    ("amount TYPE numeric(12,2)", False),
    ("amount TYPE numeric", False),
    ("amount TYPE decimal(20, 2)", False),
    ("created TYPE timestamp(6)", False),
    ("created TYPE timestamp", False),
    ("network TYPE inet", False),
    ("n SET DATA TYPE int4", False),
    ("email TYPE varchar(50)", True),
    ("note TYPE varchar(10)", True),
    ("amount TYPE numeric(12,3)", True),
    ("amount TYPE numeric(9,2)", True),
    ("n TYPE bigint", True),
    ("n TYPE numeric", True),
    ("code TYPE text", True),
    ("code TYPE char(20)", True),
    ("created TYPE timestamp(0)", True),
    ("created TYPE timestamptz", True),
    ("email TYPE varchar(200) USING lower(email)", True),
    ("email TYPE varchar(200)[]", True),
])
def test_change_column_type_flags_what_rewrites_and_only_that(change, flagged):
    found = rules_after(ACCOUNTS, f"ALTER TABLE accounts ALTER COLUMN {change}")
    assert found == (["change-column-type"] if flagged else [])


def test_change_column_type_of_a_column_the_linter_has_not_seen_is_flagged_and_says_so():
    [finding] = findings("ALTER TABLE users ALTER COLUMN email TYPE varchar(200)")
    assert finding.rule == "change-column-type"
    assert "has not seen the column's current type" in finding.message


def test_change_column_type_names_both_types_and_warns_of_the_timestamp_exception():
    [finding] = findings_after(ACCOUNTS, "ALTER TABLE accounts ALTER COLUMN created TYPE timestamptz")
    assert "(from timestamp(3))" in finding.message and "TimeZone is UTC" in finding.message
    assert (finding.lock, finding.rewrites, finding.scans) == ("ACCESS EXCLUSIVE", True, True)


def test_a_type_learned_from_an_earlier_alter_counts():
    sql = ("ALTER TABLE accounts ALTER COLUMN email TYPE varchar(300);\n"
           "ALTER TABLE accounts ALTER COLUMN email TYPE varchar(200);")
    assert rules_after(ACCOUNTS, sql) == ["change-column-type"]


def test_change_column_type_on_mysql_compares_with_the_known_type():
    earlier = "CREATE TABLE t (subject char(36) NOT NULL);"
    assert "change-column-type" not in rules_after(
        earlier, "ALTER TABLE t MODIFY subject CHAR(36) NULL DEFAULT NULL", dialect="mysql")
    assert "change-column-type" in rules_after(earlier, "ALTER TABLE t MODIFY subject varchar(64) NULL", dialect="mysql")


@pytest.mark.parametrize("sql, pg_version, expected", [
    ("ALTER TABLE users ALTER COLUMN email SET NOT NULL", 15, ["set-not-null"]),
    ("ALTER TABLE users ALTER email SET NOT NULL", 15, ["set-not-null"]),
    ("ALTER TABLE users ALTER COLUMN email DROP NOT NULL", 15, []),
    ("ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\n"
     "ALTER TABLE users VALIDATE CONSTRAINT email_nn;\n"
     "ALTER TABLE users ALTER COLUMN email SET NOT NULL;", 15, ["validate-in-same-transaction"]),
    ("ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL AND length(email) > 3) NOT VALID;\n"
     "ALTER TABLE users VALIDATE CONSTRAINT email_nn;\n"
     "ALTER TABLE users ALTER COLUMN email SET NOT NULL;", 15, ["validate-in-same-transaction"]),
    ("ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\n"
     "ALTER TABLE users ALTER COLUMN email SET NOT NULL;", 15, ["set-not-null"]),
    ("ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL OR admin) NOT VALID;\n"
     "ALTER TABLE users VALIDATE CONSTRAINT email_nn;\n"
     "ALTER TABLE users ALTER COLUMN email SET NOT NULL;", 15, ["validate-in-same-transaction", "set-not-null"]),
    ("ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\n"
     "ALTER TABLE users VALIDATE CONSTRAINT email_nn;\n"
     "ALTER TABLE users ALTER COLUMN email SET NOT NULL;", 11, ["validate-in-same-transaction", "set-not-null"]),
    ("CREATE TABLE users (email text);\nALTER TABLE users ALTER COLUMN email SET NOT NULL", 15, []),
])
def test_set_not_null(sql, pg_version, expected):
    assert rules(sql, pg_version=pg_version) == expected


def test_set_not_null_of_a_column_that_already_is_not_null_scans_nothing():
    assert rules_after("CREATE TABLE t (a int NOT NULL);", "ALTER TABLE t ALTER COLUMN a SET NOT NULL;") == []


def test_set_not_null_alternative_names_the_check_constraint_steps():
    [finding] = findings("ALTER TABLE users ALTER COLUMN email SET NOT NULL")
    assert finding.safe_alternative.splitlines() == [
        "ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;  -- brief lock, "
        "no scan",
        "ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;  -- scans, but reads and writes go on (SHARE "
        "UPDATE EXCLUSIVE); best in its own migration",
        "ALTER TABLE users ALTER COLUMN email SET NOT NULL;  -- no scan now",
        "ALTER TABLE users DROP CONSTRAINT users_email_not_null;",
    ]
    [old] = findings("ALTER TABLE users ALTER COLUMN email SET NOT NULL", pg_version=11)
    assert "before PostgreSQL 12" in old.safe_alternative
