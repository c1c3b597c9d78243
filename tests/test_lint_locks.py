"""Each rule's PostgreSQL claims checked against the real server, on tables that hold rows.

For every statement the linter's analysis says which lock it takes, whether it rewrites the table and
whether it scans it. Here the statement runs in a transaction, and the server tells: pg_locks gives the
locks the transaction holds, pg_relation_filenode changes when a table is rewritten into a new file, and
pg_stat_get_xact_numscans counts the transaction's own sequential scans. Statements that cannot run in a
transaction are watched from a second session instead, waiting behind a lock it holds.
"""

import re
import threading
import time
from pathlib import Path

import psycopg
import pytest

from dkmigrate.catalogue.model import Section
from dkmigrate.lint import LintOptions, Schema, analyze_section
from dkmigrate.lint.parser import parse

SETUP = [
    "CREATE TABLE owners (id bigint PRIMARY KEY, name text)",
    "INSERT INTO owners SELECT g, 'owner ' || g FROM generate_series(1, 100) g",
    """CREATE TABLE accounts (id bigint PRIMARY KEY, owner_id bigint, email varchar(100), name varchar(50),
       amount numeric(10,2), n integer, note text, code char(10), created timestamp)""",
    """INSERT INTO accounts SELECT g, g % 100 + 1, 'user' || g || '@example.com', 'name ' || g, g, g, 'note',
       'c', now() FROM generate_series(1, 1000) g""",
    "CREATE INDEX accounts_email_idx ON accounts (email)",
    "ALTER TABLE accounts ADD CONSTRAINT accounts_n_not_null CHECK (n IS NOT NULL) NOT VALID",
    "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
    "CREATE TRIGGER accounts_touch BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch()",
    "CREATE TABLE events (id bigint, at date) PARTITION BY RANGE (at)",
    "CREATE TABLE events_2026 (id bigint, at date)",
    "INSERT INTO events_2026 VALUES (1, '2026-06-01')",
    "ANALYZE",
]

# (rule the statement backs, or None for a safe counterpart; statements run before it, committed; the statement)
CASES = [
    ("add-index-not-concurrently", [], "CREATE INDEX accounts_n_idx ON accounts (n)"),
    ("add-index-not-concurrently", [], "CREATE UNIQUE INDEX accounts_email_key ON accounts (email)"),
    ("drop-index-not-concurrently", [], "DROP INDEX accounts_email_idx"),
    ("reindex-not-concurrently", [], "REINDEX TABLE accounts"),
    ("reindex-not-concurrently", [], "REINDEX INDEX accounts_email_idx"),
    ("add-column-volatile-default", [], "ALTER TABLE accounts ADD COLUMN seen_at timestamptz DEFAULT clock_timestamp()"),
    ("add-column-volatile-default", [], "ALTER TABLE accounts ADD COLUMN token uuid DEFAULT gen_random_uuid()"),
    ("add-column-volatile-default", [], "ALTER TABLE accounts ADD COLUMN luck float8 DEFAULT random()"),
    (None, [], "ALTER TABLE accounts ADD COLUMN visits integer DEFAULT 0"),
    (None, [], "ALTER TABLE accounts ADD COLUMN created_on timestamptz NOT NULL DEFAULT now()"),
    (None, [], "ALTER TABLE accounts ADD COLUMN settings jsonb NOT NULL DEFAULT '{}'::jsonb"),
    (None, [], "ALTER TABLE accounts ADD COLUMN nickname text"),
    ("add-column-serial", [], "ALTER TABLE accounts ADD COLUMN number serial"),
    ("add-column-serial", [], "ALTER TABLE accounts ADD COLUMN number bigint GENERATED ALWAYS AS IDENTITY"),
    ("add-column-serial", [], "ALTER TABLE accounts ADD COLUMN double_n bigint GENERATED ALWAYS AS (n * 2) STORED"),
    ("drop-column", [], "ALTER TABLE accounts DROP COLUMN note"),
    ("rename-column", [], "ALTER TABLE accounts RENAME COLUMN note TO remark"),
    ("rename-table", [], "ALTER TABLE accounts RENAME TO customer_accounts"),
    ("change-column-type", [], "ALTER TABLE accounts ALTER COLUMN n TYPE bigint"),
    ("change-column-type", [], "ALTER TABLE accounts ALTER COLUMN note TYPE varchar(10)"),
    ("change-column-type", [], "ALTER TABLE accounts ALTER COLUMN email TYPE varchar(50)"),
    ("change-column-type", [], "ALTER TABLE accounts ALTER COLUMN code TYPE text"),
    ("change-column-type", [], "ALTER TABLE accounts ALTER COLUMN amount TYPE numeric(12, 3)"),
    (None, [], "ALTER TABLE accounts ALTER COLUMN email TYPE varchar(200)"),
    (None, [], "ALTER TABLE accounts ALTER COLUMN email TYPE text"),
    (None, [], "ALTER TABLE accounts ALTER COLUMN note TYPE varchar"),
    (None, [], "ALTER TABLE accounts ALTER COLUMN amount TYPE numeric(14, 2)"),
    ("set-not-null", [], "ALTER TABLE accounts ALTER COLUMN email SET NOT NULL"),
    (None, ["ALTER TABLE accounts VALIDATE CONSTRAINT accounts_n_not_null"],
     "ALTER TABLE accounts ALTER COLUMN n SET NOT NULL"),
    ("add-foreign-key-validating", [],
     "ALTER TABLE accounts ADD CONSTRAINT accounts_owner_fkey FOREIGN KEY (owner_id) REFERENCES owners (id)"),
    (None, [], "ALTER TABLE accounts ADD CONSTRAINT accounts_owner_fkey FOREIGN KEY (owner_id) REFERENCES owners (id) "
               "NOT VALID"),
    (None, [], "ALTER TABLE accounts ADD COLUMN manager_id bigint REFERENCES owners (id)"),
    ("add-foreign-key-validating", [], "ALTER TABLE accounts ADD COLUMN manager_id bigint DEFAULT 1 REFERENCES owners (id)"),
    ("add-check-validating", [], "ALTER TABLE accounts ADD CONSTRAINT accounts_n_positive CHECK (n > 0)"),
    ("add-check-validating", [], "ALTER TABLE accounts ADD COLUMN score integer CHECK (score >= 0)"),
    (None, [], "ALTER TABLE accounts ADD CONSTRAINT accounts_n_positive CHECK (n > 0) NOT VALID"),
    (None, [], "ALTER TABLE accounts VALIDATE CONSTRAINT accounts_n_not_null"),
    ("add-unique-constraint", [], "ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE (email)"),
    ("add-unique-constraint", [], "ALTER TABLE accounts ADD COLUMN handle text UNIQUE"),
    (None, ["CREATE UNIQUE INDEX accounts_email_key ON accounts (email)"],
     "ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE USING INDEX accounts_email_key"),
    ("add-exclusion-constraint", [], "ALTER TABLE accounts ADD CONSTRAINT accounts_n_excl EXCLUDE USING btree (n WITH =)"),
    ("drop-table", [], "DROP TABLE accounts"),
    ("truncate", [], "TRUNCATE accounts"),
    ("table-rewrite", [], "ALTER TABLE accounts SET UNLOGGED"),
    ("table-rewrite", ["ALTER TABLE accounts SET UNLOGGED"], "ALTER TABLE accounts SET LOGGED"),
    ("vacuum-full-or-cluster", [], "CLUSTER accounts USING accounts_pkey"),
    ("full-table-dml", [], "UPDATE accounts SET n = n + 1"),
    ("full-table-dml", [], "DELETE FROM accounts"),
    (None, [], "CREATE TRIGGER accounts_audit AFTER INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION touch()"),
    ("missing-lock-timeout", [], "DROP TRIGGER accounts_touch ON accounts"),
    ("missing-lock-timeout", [], "LOCK TABLE accounts"),
    (None, [], "LOCK TABLE accounts IN SHARE MODE"),
    (None, [], "ALTER TABLE accounts SET (fillfactor = 70)"),
    (None, [], "ALTER TABLE accounts ALTER COLUMN n SET STATISTICS 200"),
    ("missing-lock-timeout", [], "ALTER TABLE accounts ALTER COLUMN n DROP NOT NULL"),
    (None, [], "CREATE TABLE invoices (id bigint PRIMARY KEY, account_id bigint REFERENCES accounts (id))"),
    ("missing-lock-timeout", [], "ALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"),
    ("detach-partition-not-concurrently",
     ["ALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"],
     "ALTER TABLE events DETACH PARTITION events_2026"),
    ("primary-key-using-index-nullable", ["CREATE UNIQUE INDEX events_2026_id_key ON events_2026 (id)"],
     "ALTER TABLE events_2026 ADD CONSTRAINT events_2026_pkey PRIMARY KEY USING INDEX events_2026_id_key"),
    (None, ["CREATE UNIQUE INDEX events_2026_id_key ON events_2026 (id)",
            "ALTER TABLE events_2026 ALTER COLUMN id SET NOT NULL"],
     "ALTER TABLE events_2026 ADD CONSTRAINT events_2026_pkey PRIMARY KEY USING INDEX events_2026_id_key"),
    ("column-type-change-verifies", ["ALTER TABLE accounts ADD CONSTRAINT accounts_email_check CHECK (length(email) > 3)"],
     "ALTER TABLE accounts ALTER COLUMN email TYPE varchar(200)"),
]

# Statements that cannot run inside a transaction: (rule or None for a safe one, the statement)
OUTSIDE_TRANSACTION = [
    (None, "CREATE INDEX CONCURRENTLY accounts_n_idx ON accounts (n)"),
    (None, "DROP INDEX CONCURRENTLY accounts_email_idx"),
    (None, "REINDEX TABLE CONCURRENTLY accounts"),
    ("vacuum-full-or-cluster", "VACUUM FULL accounts"),
]

EXISTING_TABLES = "SELECT oid, relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')"


def lock_name(mode: str) -> str:
    """pg_locks' 'ShareRowExclusiveLock' as the documentation writes it: 'SHARE ROW EXCLUSIVE'."""
    return " ".join(re.findall(r"[A-Z][a-z]+", mode.removesuffix("Lock"))).upper()


def strongest(modes: list[str]) -> str | None:
    from dkmigrate.lint.locks import strongest as strongest_lock

    return strongest_lock(*[lock_name(mode) for mode in modes])


def analysis_of(statement: str, before: list[str]):
    schema = Schema()
    for sql in (*SETUP, *before):
        schema.learn(parse(sql, "postgres"))
    [analysis] = analyze_section(Section(statement, Path("case.sql")), LintOptions(), schema=schema)
    return analysis


@pytest.fixture
def database(postgres_url):
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        for statement in SETUP:
            connection.execute(statement)
    return postgres_url


def observe(connection, statement: str) -> tuple[str | None, bool, bool]:
    """Runs the statement in a transaction, then rolls back: the strongest table lock it took, whether a
    table got a new file, whether a table was scanned."""
    tables = dict(connection.execute(EXISTING_TABLES).fetchall())
    filenodes = {oid: connection.execute(f"SELECT pg_relation_filenode({oid})").fetchone()[0] for oid in tables}
    connection.execute("BEGIN")
    scans = {oid: connection.execute(f"SELECT pg_stat_get_xact_numscans({oid})").fetchone()[0] for oid in tables}
    connection.execute(statement)
    modes = [mode for (mode,) in connection.execute(
        "SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() AND relation = ANY(%s)", [list(tables)])]
    new_file = any(connection.execute(f"SELECT pg_relation_filenode({oid})").fetchone()[0] not in (filenode, None)
                   for oid, filenode in filenodes.items())
    scanned = any(connection.execute(f"SELECT pg_stat_get_xact_numscans({oid})").fetchone()[0] > count
                  for oid, count in scans.items())
    connection.execute("ROLLBACK")
    return strongest(modes), new_file, scanned


@pytest.mark.parametrize("rule, before, statement", CASES, ids=[case[2][:70] for case in CASES])
def test_lock_rewrite_and_scan_claims_match_the_server(database, rule, before, statement):
    analysis = analysis_of(statement, before)
    with psycopg.connect(database, autocommit=True) as connection:
        for sql in before:
            connection.execute(sql)
        lock, new_file, scanned = observe(connection, statement)
    assert lock is not None, "every case locks a table that existed before it"
    assert analysis.lock == lock
    if statement.startswith("TRUNCATE"):
        # TRUNCATE swaps in a new, empty file and rebuilds the indexes over it: the server sees a new
        # filenode and a scan, of no rows at all; the linter claims neither a rewrite nor a scan.
        assert (new_file, scanned, analysis.rewrites, analysis.scans) == (True, True, False, False)
    else:
        assert (analysis.rewrites, analysis.scans) == (new_file, scanned)
    rules = {finding.rule for finding in analysis.findings}
    assert (rule in rules) if rule else not rules - {"missing-lock-timeout"}


def test_the_safe_counterparts_claim_no_rewrite_on_a_server_that_does_not_rewrite(database):
    """The constant default that add-column-default-rewrite flags before PostgreSQL 11 costs nothing here."""
    statement = "ALTER TABLE accounts ADD COLUMN visits integer DEFAULT 0"
    with psycopg.connect(database, autocommit=True) as connection:
        assert connection.info.server_version >= 110000
        assert observe(connection, statement)[1] is False
    flagged = analyze_section(Section(statement, Path("case.sql")), LintOptions(pg_version=10),
                              schema=Schema())[0]
    assert [finding.rule for finding in flagged.findings if finding.rule != "missing-lock-timeout"] == [
        "add-column-default-rewrite"]
    assert flagged.rewrites is True


@pytest.mark.parametrize("rule, statement", OUTSIDE_TRANSACTION, ids=[case[1] for case in OUTSIDE_TRANSACTION])
def test_statements_outside_a_transaction_wait_for_the_lock_the_linter_names(database, rule, statement):
    analysis = analysis_of(statement, [])
    with psycopg.connect(database, autocommit=True) as holder, psycopg.connect(database, autocommit=True) as runner:
        oid = holder.execute("SELECT 'accounts'::regclass::oid").fetchone()[0]
        before = holder.execute(f"SELECT pg_relation_filenode({oid})").fetchone()[0]
        holder.execute("BEGIN")
        holder.execute("LOCK TABLE accounts IN SHARE UPDATE EXCLUSIVE MODE")  # conflicts with every lock claimed here
        runner_pid = runner.info.backend_pid
        worker = threading.Thread(target=runner.execute, args=(statement,))
        worker.start()
        waited_for = None
        for _ in range(100):
            rows = holder.execute(f"SELECT mode FROM pg_locks WHERE pid = {runner_pid} AND relation = {oid} "
                                  "AND NOT granted").fetchall()
            if rows:
                waited_for = lock_name(rows[0][0])
                break
            time.sleep(0.05)
        holder.execute("ROLLBACK")
        worker.join(timeout=30)
        after = holder.execute(f"SELECT pg_relation_filenode({oid})").fetchone()[0]
    assert waited_for == analysis.lock
    assert analysis.rewrites == (after != before)
    assert {finding.rule for finding in analysis.findings} - {"missing-lock-timeout"} == ({rule} if rule else set())


def test_concurrently_inside_a_transaction_block_fails_as_the_rule_says(database):
    statement = "BEGIN;\nCREATE INDEX CONCURRENTLY accounts_n_idx ON accounts (n);\nCOMMIT;"
    analyses = analyze_section(Section(statement, Path("case.sql")), LintOptions())
    assert [finding.rule for finding in analyses[1].findings] == ["concurrently-in-transaction"]
    with psycopg.connect(database, autocommit=True) as connection:
        connection.execute("BEGIN")
        with pytest.raises(psycopg.errors.ActiveSqlTransaction, match="cannot run inside a transaction block"):
            connection.execute("CREATE INDEX CONCURRENTLY accounts_n_idx ON accounts (n)")


def test_adding_a_required_column_fails_on_a_table_with_rows_as_the_rule_says(database):
    statement = "ALTER TABLE accounts ADD COLUMN tier integer NOT NULL"
    assert "add-column-required" in {finding.rule for finding in analysis_of(statement, []).findings}
    with psycopg.connect(database, autocommit=True) as connection:
        with pytest.raises(psycopg.errors.NotNullViolation, match="contains null values"):
            connection.execute(statement)


def test_validating_in_the_adding_transaction_scans_while_the_add_lock_is_still_held(database):
    sql = ("ALTER TABLE accounts ADD CONSTRAINT accounts_n_positive CHECK (n > 0) NOT VALID;\n"
           "ALTER TABLE accounts VALIDATE CONSTRAINT accounts_n_positive;")
    analyses = analyze_section(Section(sql, Path("case.sql")), LintOptions(), schema=Schema())
    assert "validate-in-same-transaction" in {finding.rule for finding in analyses[1].findings}
    with psycopg.connect(database, autocommit=True) as connection:
        connection.execute("BEGIN")
        connection.execute("ALTER TABLE accounts ADD CONSTRAINT accounts_n_positive CHECK (n > 0) NOT VALID")
        connection.execute("ALTER TABLE accounts VALIDATE CONSTRAINT accounts_n_positive")
        modes = {mode for (mode,) in connection.execute(
            "SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() AND relation = 'accounts'::regclass")}
        connection.execute("ROLLBACK")
    assert "AccessExclusiveLock" in modes


def test_a_backfill_after_an_alter_in_one_transaction_runs_under_its_access_exclusive_lock(database):
    sql = "ALTER TABLE accounts ADD COLUMN visits integer;\nUPDATE accounts SET visits = 0 WHERE id < 100;"
    analyses = analyze_section(Section(sql, Path("case.sql")), LintOptions(), schema=Schema())
    assert "backfill-in-ddl-transaction" in {finding.rule for finding in analyses[1].findings}
    with psycopg.connect(database, autocommit=True) as connection, \
            psycopg.connect(database, autocommit=True, options="-c lock_timeout=200") as reader:
        connection.execute("BEGIN")
        connection.execute("ALTER TABLE accounts ADD COLUMN visits integer")
        connection.execute("UPDATE accounts SET visits = 0 WHERE id < 100")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            reader.execute("SELECT count(*) FROM accounts")  # even a read waits for the backfill's transaction
        connection.execute("ROLLBACK")


def test_lock_timeout_makes_a_blocked_alter_give_up_instead_of_queueing(database):
    statement = "ALTER TABLE accounts ADD COLUMN visits integer"
    assert "missing-lock-timeout" in {finding.rule for finding in analysis_of(statement, []).findings}
    assert not analyze_section(Section(f"SET lock_timeout = '100ms';\n{statement};", Path("case.sql")),
                               LintOptions())[1].findings
    with psycopg.connect(database, autocommit=True) as reader, psycopg.connect(database, autocommit=True) as migrator:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM accounts")  # a long-running read holds ACCESS SHARE
        migrator.execute("SET lock_timeout = '100ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            migrator.execute(statement)
        reader.execute("ROLLBACK")
