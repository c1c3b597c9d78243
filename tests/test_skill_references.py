"""The skill's reference pages state facts that the tests check against real databases.

PostgreSQL: every row of the lock table in postgresql-locks.md is run in a transaction on the page's
example schema (with rows), and the strongest lock held on `t` and whether `t` got a new file (a
rewrite) must be what the row says. SQLite: the table-rebuild example of sqlite-alter.md is applied,
up and down, by dk migrate on a table with rows and a table referencing it.
"""

import re
import textwrap

import psycopg
import pytest

from conftest import ROOT, Engine, new_database

PAGES = ROOT / "skills" / "migration" / "references"
POSTGRES_PAGE = (PAGES / "postgresql-locks.md").read_text()
SQLITE_PAGE = (PAGES / "sqlite-alter.md").read_text()

# pg_locks mode names, weakest to strongest, and how the page writes them.
LOCKS = {"AccessShareLock": "ACCESS SHARE", "RowShareLock": "ROW SHARE", "RowExclusiveLock": "ROW EXCLUSIVE",
         "ShareUpdateExclusiveLock": "SHARE UPDATE EXCLUSIVE", "ShareLock": "SHARE",
         "ShareRowExclusiveLock": "SHARE ROW EXCLUSIVE", "ExclusiveLock": "EXCLUSIVE",
         "AccessExclusiveLock": "ACCESS EXCLUSIVE"}
NOT_IN_A_TRANSACTION = "cannot run in a transaction"


def lock_table() -> list[tuple[str, str, str]]:
    section = POSTGRES_PAGE.split("## Statement by statement")[1].split("\n## ")[0]
    rows = re.findall(r"^\| `([^`]+)` \| ([^|]+) \| ([^|]+) \|", section, re.MULTILINE)
    return [(statement, lock.strip(), rewrite.strip()) for statement, lock, rewrite in rows]


ROWS = lock_table()
SCHEMA = re.search(r"```sql\n(CREATE TABLE parent.*?)```", POSTGRES_PAGE, re.DOTALL).group(1)


@pytest.fixture(scope="module")
def example_database(postgres_admin_url):
    with new_database(postgres_admin_url, "dkm_locks") as url:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(SCHEMA)
            connection.execute("INSERT INTO parent SELECT g FROM generate_series(1, 500) g")
            connection.execute("INSERT INTO t SELECT g, g, 'user' || g || '@example.com', 'name ' || g, g, g"
                               " FROM generate_series(1, 500) g")
        yield url


def test_the_lock_table_is_read_whole():
    assert len(ROWS) >= 40
    assert ("CREATE INDEX t_email_idx ON t (email)", "SHARE", "no") in ROWS


@pytest.mark.parametrize("statement, lock, rewrite", ROWS, ids=[row[0] for row in ROWS])
def test_each_row_of_the_postgresql_lock_table_is_what_the_server_does(example_database, statement, lock, rewrite):
    with psycopg.connect(example_database) as connection:
        table, filenode = connection.execute(
            "SELECT 't'::regclass::oid, pg_relation_filenode('t')").fetchone()
        if lock.startswith(NOT_IN_A_TRANSACTION):
            with pytest.raises(psycopg.errors.ActiveSqlTransaction):
                connection.execute(statement)
            return
        connection.execute(statement)
        held = [mode for (mode,) in connection.execute(
            "SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() AND relation = %s", (table,))]
        new_filenode = connection.execute(
            "SELECT pg_relation_filenode(oid) FROM pg_class WHERE oid = %s", (table,)).fetchone()
        connection.rollback()
    strongest = max(held, key=list(LOCKS).index)
    assert lock.split(",")[0] == LOCKS[strongest], f"the server took {LOCKS[strongest]}"
    rewritten = new_filenode is not None and new_filenode[0] != filenode
    assert rewrite.split(",")[0] == ("yes" if rewritten else "no")


def test_the_sqlite_table_rebuild_keeps_the_rows_and_the_references_both_ways(sqlite_project):
    example = re.search(r"```sql\n(-- migrate:up\n.*?)```", SQLITE_PAGE, re.DOTALL).group(1)
    sqlite_project.migration("20260101000000", "create_accounts", """
        CREATE TABLE accounts (id integer PRIMARY KEY, email text, created_at text NOT NULL DEFAULT CURRENT_TIMESTAMP);
        CREATE TABLE sessions (id integer PRIMARY KEY, account_id integer NOT NULL REFERENCES accounts (id));
        INSERT INTO accounts (id, email) VALUES (1, 'ada@example.com'), (2, 'grace@example.com');
        INSERT INTO sessions (account_id) VALUES (1), (2), (2);
    """, "DROP TABLE sessions; DROP TABLE accounts;")
    sqlite_project.write("20260101000100_accounts_email_required.sql", textwrap.dedent(example))
    database = Engine("sqlite", sqlite_project.url)

    up = sqlite_project.run("up")
    assert up.code == 0, up.stderr
    assert database.query("SELECT id, email FROM accounts ORDER BY id") == [(1, "ada@example.com"), (2, "grace@example.com")]
    assert database.query("PRAGMA foreign_key_check") == []
    definition = database.query("SELECT sql FROM sqlite_master WHERE name = 'accounts'")[0][0]
    assert "email text NOT NULL CHECK" in definition
    assert database.query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'accounts'") == [
        ("accounts_email_idx",)]
    with pytest.raises(Exception, match="CHECK constraint failed"):
        database.query("INSERT INTO accounts (id, email) VALUES (3, 'not an address')")

    down = sqlite_project.run("down")
    assert down.code == 0, down.stderr
    assert database.query("SELECT count(*) FROM accounts WHERE email IS NOT NULL") == [(2,)]
    assert database.query("SELECT count(*) FROM sessions") == [(3,)]
    assert database.query("PRAGMA foreign_key_check") == []
    database.query("INSERT INTO accounts (id, email) VALUES (3, NULL)")  # the constraint is gone again
