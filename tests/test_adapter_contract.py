"""The contract every adapter keeps (dbmate's per-driver tests are the model): one suite, run against SQLite,
PostgreSQL and MariaDB. The runner, the tracking table and the planner rely on nothing else."""

import time
from pathlib import Path

import pytest

from dkmigrate.adapters import adapter_for, open_database
from dkmigrate.errors import ConnectionFailed, StatementFailed
from dkmigrate.urls import parse_url

ENGINES = ["sqlite", "postgres", "mysql"]
ODD_NAME = 'odd "name`s [x]'


@pytest.fixture(params=ENGINES)
def url(request, tmp_path) -> str:
    if request.param == "mysql":
        return request.getfixturevalue("mysql_database")[0]
    return request.getfixturevalue(f"{request.param}_url")


def opened(url: str, table: str = "schema_migrations"):
    adapter = adapter_for(parse_url(url, Path.cwd()), table)
    assert adapter.open(create=True)
    return adapter


@pytest.fixture
def adapter(url):
    adapter = opened(url)
    yield adapter
    adapter.close()


def missing_database_url(url: str, tmp_path: Path) -> str:
    if url.startswith("sqlite"):
        return f"sqlite://{tmp_path / 'missing' / 'never.sqlite3'}"
    return url.rsplit("/", 1)[0] + "/dkm_never_created"


def test_a_missing_database_is_named_and_not_created(url, tmp_path):
    """A SQLite file not created yet opens as False (and is created only on create); a server's database that
    does not exist is a connection failure that names it."""
    missing = parse_url(missing_database_url(url, tmp_path), tmp_path)
    adapter = adapter_for(missing, "schema_migrations")
    try:
        if url.startswith("sqlite"):
            assert adapter.open(create=False) is False
            assert not (tmp_path / "missing").exists()
        else:
            with pytest.raises(ConnectionFailed, match="dkm_never_created"):
                adapter.open(create=False)
    finally:
        adapter.close()


def test_statements_run_and_queries_return_rows(adapter):
    adapter.execute("CREATE TABLE items (id integer PRIMARY KEY, label varchar(50))")
    label = "it's a \\ back"
    adapter.execute(f"INSERT INTO items VALUES (1, {adapter.literal(label)})")
    assert adapter.query("SELECT id, label FROM items") == [(1, label)]


def test_a_failing_statement_raises_with_the_database_message(adapter):
    with pytest.raises(StatementFailed) as failure:
        adapter.execute("SELECT * FROM no_such_table")
    assert "no_such_table" in failure.value.message


def test_in_transaction_follows_begin_and_commit(adapter):
    assert not adapter.in_transaction()
    adapter.execute("BEGIN")
    assert adapter.in_transaction()
    adapter.execute("COMMIT")
    assert not adapter.in_transaction()


def test_a_rolled_back_transaction_leaves_no_rows(adapter):
    adapter.execute("CREATE TABLE items (id integer PRIMARY KEY)")
    adapter.execute("BEGIN")
    adapter.execute("INSERT INTO items VALUES (1)")
    adapter.execute("ROLLBACK")
    assert adapter.query("SELECT count(*) FROM items")[0][0] == 0


def test_table_columns_of_an_oddly_named_table(adapter):
    assert adapter.table_columns(ODD_NAME) is None
    adapter.execute(f"CREATE TABLE {adapter.quote_identifier(ODD_NAME)} ({adapter.quote_identifier('Mixed Case')} integer)")
    assert adapter.table_columns(ODD_NAME) == {"Mixed Case"}


def test_the_migrator_lock_is_exclusive_and_freed_by_unlock_and_by_close(url, adapter):
    other = opened(url)
    try:
        assert adapter.try_lock()
        assert not other.try_lock()
        assert other.lock_holder()  # words a waiting migrator can show
        adapter.unlock()
        assert other.try_lock()
        other.close()  # a process that dies frees it, once the server has seen the connection go
        deadline = time.monotonic() + 5
        while not adapter.try_lock():
            assert time.monotonic() < deadline, "the lock outlived its connection"
            time.sleep(0.05)
    finally:
        other.close()


@pytest.mark.parametrize("url", ["postgres", "mysql"], indirect=True)
def test_on_a_server_the_lock_belongs_to_one_tracking_table(url, adapter):
    """(SQLite's lock is its file's: one writer at a time whatever the table.)"""
    other = opened(url, "other_migrations")
    try:
        assert adapter.try_lock()
        assert other.try_lock()
    finally:
        other.close()


def test_the_tracking_types_hold_a_tracking_row(adapter):
    from dkmigrate.tracking import TrackingTable

    tracking = TrackingTable(adapter, adapter.table, [])
    for statement in tracking.setup_statements():
        adapter.execute(statement)
    adapter.execute(f"INSERT INTO {adapter.quote_table(adapter.table)} (version, name, state, applied_at, progress) VALUES "
                    f"('20260101000000', 'first', 'applied', {adapter.now_sql}, 3)")
    [row] = tracking.read()
    assert (row.version, row.name, row.state, row.progress) == ("20260101000000", "first", "applied", 3)
    assert row.applied_at.endswith("Z")


def test_the_inspector_describes_a_live_table(adapter):
    adapter.execute("CREATE TABLE parents (id integer PRIMARY KEY)")
    adapter.execute("CREATE TABLE children (id integer PRIMARY KEY, parent_id integer NOT NULL, note varchar(20),"
                    " FOREIGN KEY (parent_id) REFERENCES parents (id))")
    adapter.execute("CREATE INDEX children_note ON children (note)")
    adapter.execute("INSERT INTO parents VALUES (1)")
    adapter.execute("INSERT INTO children VALUES (1, 1, 'a'), (2, 1, NULL)")
    inspector = adapter.inspector()
    children = inspector.describe_table(None, "children")
    assert [column.name for column in children.columns] == ["id", "parent_id", "note"]
    assert [column.nullable for column in children.columns] == [False, False, True]
    assert children.primary_key == ("id",)
    assert ("note",) in [index.columns for index in children.indexes]
    assert [(key.columns, key.referenced_table) for key in children.foreign_keys] == [(("parent_id",), "parents")]
    assert (children.rows, children.rows_exact) == (2, True)
    assert [key.table for key in inspector.describe_table(None, "parents").referenced_by] == ["children"]
    assert inspector.describe_table(None, "no_such_table") is None
    assert inspector.server_facts(60.0).version


def test_open_database_is_the_one_way_in(url, tmp_path):
    with open_database(parse_url(url, tmp_path), "schema_migrations", create=True) as (adapter, exists):
        assert exists and adapter.query("SELECT 1") == [(1,)]
    if url.startswith("sqlite"):
        with open_database(parse_url(missing_database_url(url, tmp_path), tmp_path), "schema_migrations") as (_, exists):
            assert not exists
