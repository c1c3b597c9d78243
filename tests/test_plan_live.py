"""A plan reads the live database, changes nothing, and puts what it read into the plan and the checklist."""

import psycopg
import pytest

from conftest import Engine, Project


@pytest.fixture
def shop(tmp_path, postgres_url) -> tuple[Project, Engine]:
    engine = Engine("postgres", postgres_url)
    engine.query("CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                 "email varchar(320) NOT NULL, name text DEFAULT 'anonymous')")
    engine.query("CREATE UNIQUE INDEX users_email_idx ON users (email)")
    engine.query("INSERT INTO users (email) SELECT 'u' || i || '@example.com' FROM generate_series(1, 5000) i")
    engine.query("ANALYZE users")
    return Project(tmp_path / "project", postgres_url), engine


def checklist(plan: dict) -> dict:
    return {item["item"]: item for item in plan["checklist"]}


def test_the_plan_reads_real_columns_types_indexes_and_size(shop):
    project, engine = shop
    result = project.run("plan", "rename users.email to email_address", "--format", "json")
    assert result.code == 0, result.stderr
    plan = result.json
    (major,) = engine.query("SELECT current_setting('server_version_num')::int / 10000")[0]
    assert plan["live"]["available"] and plan["live"]["server"].startswith(f"PostgreSQL {major}")  # any major
    (users,) = plan["live"]["tables"]
    assert (users["table"], users["exists"], users["rows"]) == ("users", True, 5000)
    assert users["bytes"] > 100_000
    assert {"name": "email", "type": "character varying(320)", "nullable": False, "default": None} in users["columns"]
    expand, migrate, _, contract = plan["phases"]
    assert "ALTER TABLE users ADD COLUMN email_address character varying(320)" in expand["sql"]
    assert "CREATE UNIQUE INDEX CONCURRENTLY users_email_address_key ON users (email_address)" in migrate["sql"]
    assert "ALTER TABLE users ALTER COLUMN email_address SET NOT NULL" in contract["sql"]
    assert "CREATE UNIQUE INDEX CONCURRENTLY users_email_idx ON public.users USING btree (email)" in contract["rollback"]
    text = project.run("plan", "rename users.email to email_address").stdout
    assert "| `users` | ~5.0k |" in text and "`email` character varying(320) NOT NULL" in text


def test_planning_changes_nothing(shop):
    project, engine = shop
    before = engine.query("SELECT table_name, column_name, data_type FROM information_schema.columns "
                          "WHERE table_schema = 'public' ORDER BY 1, 2")
    for goal in ("rename users.email to email_address", "split users table into profiles moving name",
                 "drop table users", "add unique constraint on users.name"):
        assert project.run("plan", goal).code == 0
    assert engine.query("SELECT table_name, column_name, data_type FROM information_schema.columns "
                        "WHERE table_schema = 'public' ORDER BY 1, 2") == before
    assert engine.tables() == {"users"}  # not even the tracking table


def test_the_checklist_lists_long_transactions_and_locks_on_the_touched_table(shop):
    project, engine = shop
    quiet = project.run("plan", "drop column users.name", "--format", "json").json
    assert checklist(quiet)["No long-running transactions"]["status"] == "ok"
    assert checklist(quiet)["No locks held on the tables it touches"]["status"] == "ok"
    assert checklist(quiet)["Replication lag under control"]["detail"] == "no replicas attached (pg_stat_replication is empty)"

    with psycopg.connect(engine.url) as other:
        other.execute("SELECT count(*) FROM users").fetchall()  # a transaction left open, holding ACCESS SHARE
        pid = other.info.backend_pid
        busy = project.run("plan", "drop column users.name", "--transaction-age", "0", "--format", "json").json
        other.rollback()
    transactions = checklist(busy)["No long-running transactions"]
    assert transactions["status"] == "fail"
    assert f"pid {pid} (idle in transaction, open " in transactions["detail"]
    assert "SELECT count(*) FROM users" in transactions["detail"]
    locks = checklist(busy)["No locks held on the tables it touches"]
    assert locks["status"] == "fail" and f"pid {pid} holds AccessShareLock on users" in locks["detail"]
    assert [item["status"] for item in busy["checklist"]].count("manual") == 4


def test_names_the_database_does_not_have_are_refused(shop):
    project, _ = shop
    missing_table = project.run("plan", "rename customers.email to mail")
    assert missing_table.code == 2
    assert "table customers does not exist in postgresql://" in missing_table.stderr
    missing_column = project.run("plan", "change users.mail to text")
    assert missing_column.code == 2
    assert "table users has no column mail (its columns: id, email, name)" in missing_column.stderr


def test_sqlite_facts_are_exact_counts_and_the_checklist_says_what_sqlite_cannot_tell(sqlite_project):
    import sqlite3

    path = sqlite_project.url.removeprefix("sqlite://")
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER NOT NULL)")
        connection.executemany("INSERT INTO orders (total) VALUES (?)", [(i,) for i in range(123)])
    plan = sqlite_project.run("plan", "change orders.total to numeric(12,2)", "--format", "json").json
    (orders,) = plan["live"]["tables"]
    assert (orders["rows"], orders["rows_exact"]) == (123, True)
    items = checklist(plan)
    assert items["No long-running transactions"]["status"] == "manual"
    assert "SQLite has no server" in items["No long-running transactions"]["detail"]
    assert items["lock_timeout set for risky statements"]["status"] == "ok"


def test_constraints_the_old_column_carries_are_named_for_the_agent_to_carry_over(tmp_path, postgres_url):
    engine = Engine("postgres", postgres_url)
    engine.query("CREATE TABLE customers (id integer PRIMARY KEY)")
    engine.query("CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer REFERENCES customers (id), "
                 "total integer NOT NULL CHECK (total >= 0))")
    project = Project(tmp_path / "project", postgres_url)
    total = project.run("plan", "change orders.total to numeric(12,2)", "--format", "json").json
    assert any("CHECK ((total >= 0))" in item and "total_new" in item for item in total["fill_in"])
    key = project.run("plan", "rename orders.customer_id to buyer_id", "--format", "json").json
    assert any("is a foreign key (orders_customer_id_fkey to customers)" in item for item in key["fill_in"])
