"""The example project: the README's first command on SQLite, and its PostgreSQL and MySQL environments."""

import shutil

import pytest

from conftest import ROOT, Engine, Project

EXAMPLE = ROOT / "examples" / "shop"
EXPAND = "20261101090700"
CONTRACT = "20261101090900"


@pytest.fixture
def shop(tmp_path):
    """A copy of the example, so the tests never write into the checkout."""
    copy = tmp_path / "shop"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns("*.sqlite3*"))
    return copy


def test_readme_first_command_applies_the_example_on_sqlite(shop):
    project = Project(shop, url="unused")
    up = project.launch("up", url=False)
    assert up.code == 0, up.stderr
    assert up.stdout.splitlines()[-1].startswith("Applied 10 migrations in ")

    status = project.launch("status", url=False)
    assert status.code == 0
    assert "10 migrations: 10 applied" in status.stdout
    assert "Database    sqlite:db/shop.sqlite3 (environment development)" in status.stdout

    engine = Engine("sqlite", f"sqlite://{shop / 'db' / 'shop.sqlite3'}")
    assert engine.query("SELECT full_name FROM customers ORDER BY id") == [("Ada Lovelace",), ("Grace Hopper",)]
    assert engine.query("SELECT total_cents FROM orders") == [(4300,), (4300,)]


def test_example_on_postgres_keeps_both_columns_equal_during_the_rename(shop, postgres_url):
    project = Project(shop, url="unused", environ={"DATABASE_URL": postgres_url})
    engine = Engine("postgres", postgres_url)

    expand = project.run("--env", "production", "up", "--to", EXPAND, url=False)
    assert expand.code == 0, expand.stderr
    assert "index_orders_customer  applied" in expand.stdout
    assert "outside a transaction: CREATE INDEX CONCURRENTLY" in expand.stdout

    # The old application writes name only; the new one writes full_name only. Both must see both.
    engine.query("INSERT INTO customers (name, email) VALUES ('Old App', 'old@example.com')")
    engine.query("INSERT INTO customers (full_name, email) VALUES ('New App', 'new@example.com')")
    engine.query("UPDATE customers SET name = 'Ada King' WHERE email = 'ada@example.com'")
    assert project.run("--env", "production", "up", "--steps", "1", url=False).code == 0  # the backfill
    assert engine.query("SELECT count(*) FROM customers WHERE full_name IS DISTINCT FROM name") == [(0,)]

    contract = project.run("--env", "production", "up", url=False)
    assert contract.code == 0, contract.stderr
    assert engine.query("SELECT full_name FROM customers ORDER BY id") == [
        ("Ada King",), ("Grace Hopper",), ("Old App",), ("New App",)]

    refused = project.run("--env", "production", "down", url=False)
    assert refused.code == 4
    rolled_back = project.run("--env", "production", "down", "--to", EXPAND, "--yes", url=False)
    assert rolled_back.code == 0, rolled_back.stderr
    assert engine.query("SELECT name, full_name FROM customers WHERE email = 'old@example.com'") == [
        ("Old App", "Old App")]

    everything = project.run("--env", "production", "down", "--steps", "10", "--yes", url=False)
    assert everything.code == 0, everything.stderr
    assert engine.tables() == {"schema_migrations"}


def test_the_example_lints_clean_on_both_engines(shop, postgres_url):
    """The shipped example follows its own advice: `lint --all` finds nothing in either directory (the few
    statements a reviewer would question carry a migrate:allow with the reason)."""
    development = Project(shop, url="unused").run("lint", "--all", url=False)
    assert (development.code, development.stdout.strip()) == (0, "No findings: 36 statements of 10 migrations checked.")
    production = Project(shop, url="unused", environ={"DATABASE_URL": postgres_url}).run(
        "--env", "production", "lint", "--all", url=False)
    assert (production.code, production.stdout.strip()) == (0, "No findings: 45 statements of 10 migrations checked.")
    allowed = [line for path in sorted((shop / "db" / "migrations").rglob("*.sql"))
               for line in path.read_text().splitlines() if "migrate:allow" in line]
    assert all(len(line.split(None, 3)) == 4 for line in allowed)  # each names its rule and gives a reason


def test_example_on_mysql_keeps_both_columns_equal_during_the_rename(shop, mysql_database):
    url, _ = mysql_database
    project = Project(shop, url="unused", environ={"MYSQL_URL": url})
    engine = Engine("mysql", url)

    assert project.run("--env", "mysql", "lint", "--all", url=False).code == 0
    expand = project.run("--env", "mysql", "up", "--to", EXPAND, url=False)
    assert expand.code == 0, expand.stderr
    assert "index_orders_status  applied" in expand.stdout
    assert "(outside a transaction: MySQL commits ALTER TABLE implicitly)" in expand.stdout
    backfill = next(line for line in expand.stdout.splitlines() if "backfill_orders_total_cents  applied" in line)
    assert "outside a transaction" not in backfill  # data changes only: one transaction

    engine.query("INSERT INTO customers (name, email) VALUES ('Old App', 'old@example.com')")
    engine.query("INSERT INTO customers (full_name, email) VALUES ('New App', 'new@example.com')")
    engine.query("UPDATE customers SET name = 'Ada King' WHERE email = 'ada@example.com'")
    assert project.run("--env", "mysql", "up", "--steps", "1", url=False).code == 0  # the backfill
    assert engine.query("SELECT count(*) FROM customers WHERE NOT (full_name <=> name)") == [(0,)]

    contract = project.run("--env", "mysql", "up", url=False)
    assert contract.code == 0, contract.stderr
    assert engine.query("SELECT full_name FROM customers ORDER BY id") == [
        ("Ada King",), ("Grace Hopper",), ("Old App",), ("New App",)]
    assert engine.query("SELECT total_cents FROM orders") == [(4300,), (4300,)]

    rolled_back = project.run("--env", "mysql", "down", "--to", EXPAND, url=False)
    assert rolled_back.code == 0, rolled_back.stderr
    assert engine.query("SELECT name, full_name FROM customers WHERE email = 'old@example.com'") == [
        ("Old App", "Old App")]
    everything = project.run("--env", "mysql", "down", "--steps", "10", url=False)
    assert everything.code == 0, everything.stderr
    assert engine.tables() == {"schema_migrations"}
