"""migrate verify: up, down, up again where it cannot hurt; what a down forgets is named; the real database is
left exactly as it was."""

import re
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import ENGINES, Engine, Project


@pytest.fixture(params=[*ENGINES, "mysql"])
def engine(request):
    """Each test runs on SQLite, PostgreSQL and MariaDB, on a new database."""
    return Engine(request.param, request.getfixturevalue(f"{request.param}_url"))


MYSQL_CATALOGUE = [  # information_schema as a user would read it, each table with its column naming the database
    ("SELECT TABLE_NAME, TABLE_TYPE, ENGINE, TABLE_COLLATION FROM information_schema.TABLES", "TABLE_SCHEMA"),
    ("SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA"
     " FROM information_schema.COLUMNS", "TABLE_SCHEMA"),
    ("SELECT TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE FROM information_schema.STATISTICS",
     "TABLE_SCHEMA"),
    ("SELECT TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE FROM information_schema.TABLE_CONSTRAINTS", "TABLE_SCHEMA"),
    ("SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS", "CONSTRAINT_SCHEMA"),
    ("SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS", "TABLE_SCHEMA"),
    ("SELECT TRIGGER_NAME, ACTION_STATEMENT FROM information_schema.TRIGGERS", "TRIGGER_SCHEMA"),
    ("SELECT ROUTINE_NAME, ROUTINE_DEFINITION FROM information_schema.ROUTINES", "ROUTINE_SCHEMA"),
]


def catalogue(engine) -> list:
    """Everything a user could see changed: every schema object's definition, and every row of every table."""
    if engine.name == "sqlite":
        objects = engine.query("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
    elif engine.name == "mysql":
        objects = [sorted(engine.query(f"{query} WHERE {schema} = DATABASE()")) for query, schema in MYSQL_CATALOGUE]
        objects.append(engine.query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA"
                                    " WHERE SCHEMA_NAME LIKE 'dkmigrate\\_scratch\\_%'"))
        tables = [row[0] for row in objects[0] if row[1] == "BASE TABLE"]
        return objects + [(table, sorted(map(repr, engine.query(f"SELECT * FROM `{table}`")))) for table in tables]
    else:
        objects = engine.query(
            "SELECT c.relkind::text, c.relname, coalesce(pg_get_indexdef(c.oid), ''),"
            " (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull"
            "   || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), ''), ', ' ORDER BY a.attnum)"
            "   FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
            "   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)"
            " FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace ORDER BY 2")
        objects += engine.query("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                                " WHERE connamespace = 'public'::regnamespace ORDER BY 1")
        objects += engine.query("SELECT typname FROM pg_type WHERE typnamespace = 'public'::regnamespace ORDER BY 1")
        objects += engine.query("SELECT datname FROM pg_database WHERE datname LIKE 'dkmigrate\\_scratch\\_%' ORDER BY 1")
    tables = [row[1] for row in objects if row[0] in ("table", "r")]
    return objects + [(table, sorted(map(repr, engine.query(f'SELECT * FROM "{table}"')))) for table in tables]


def users_table(project):
    email = "varchar(100)" if project.url.startswith("mysql") else "text"  # MySQL indexes no text column whole
    project.migration("20260101000001", "create_users", f"""
        CREATE TABLE users (id integer PRIMARY KEY, email {email} NOT NULL, nickname text DEFAULT 'anon');
        INSERT INTO users (id, email, nickname) VALUES (1, 'a@example.com', 'ann'), (2, 'b@example.com', 'bob');
        """, "DROP TABLE users;")


def test_values_a_default_computes_anew_when_up_runs_again_are_no_difference(project, engine):
    """A row the up inserts gets a new random value (or clock time) from its column's default when up runs again
    after down: verify must not call the migration irreversible for that."""
    default = {"sqlite": "(random())", "postgres": "floor(random() * 1000000000)",
               "mysql": "(floor(rand() * 1000000000))"}[engine.name]
    project.migration("20260101000001", "tickets", f"""
        CREATE TABLE tickets (id integer PRIMARY KEY, code bigint NOT NULL DEFAULT {default}, label text);
        INSERT INTO tickets (id, label) VALUES (1, 'a'), (2, 'b');
        """, "DROP TABLE tickets;")

    result = project.run("verify", "--format", "json")

    assert result.code == 0, result.stdout + result.stderr
    [verdict] = result.json["migrations"]
    assert (verdict["reversible"], verdict["difference"], verdict["data_compared"]) == (True, [], True)


def test_reversible_migrations_are_reported_and_the_database_is_unchanged(project, engine):
    users_table(project)
    assert project.run("up").code == 0
    project.migration("20260101000002", "add_index", "CREATE INDEX users_email ON users (email);",
                      "DROP INDEX users_email ON users;" if engine.name == "mysql" else "DROP INDEX users_email;")
    project.migration("20260101000003", "add_column", "ALTER TABLE users ADD COLUMN age integer;",
                      "ALTER TABLE users DROP COLUMN age;")
    before = catalogue(engine)

    result = project.run("verify", "--format", "json")

    assert result.code == 0, result.stdout + result.stderr
    assert [(m["version"], m["reversible"], m["difference"]) for m in result.json["migrations"]] == [
        ("20260101000002", True, []), ("20260101000003", True, [])]
    assert result.json["summary"] == {"reversible": 2, "irreversible": 0, "not_verified": 0}
    assert result.json["migrations"][0]["data_compared"] is True
    assert catalogue(engine) == before
    text = project.run("verify")
    assert "20260101000002_add_index  reversible" in text.stdout
    assert "2 reversible, 0 not reversible." in text.stdout
    assert catalogue(engine) == before


@pytest.mark.parametrize("up, down, named", [
    ("CREATE INDEX users_email ON users (email);", "SELECT 1;", "index {schema}{index_table}users_email"),
    ("ALTER TABLE users ADD COLUMN age integer;", "SELECT 1;", "column {schema}users.age ({integer}): left behind by down"),
    ("ALTER TABLE users DROP COLUMN nickname;", "ALTER TABLE users ADD COLUMN nickname text;",
     "column {schema}users.nickname: default"),
    ("CREATE TABLE tags (id integer PRIMARY KEY, label text CHECK (label <> ''));", "SELECT 1;",
     "table {schema}tags: left behind by down"),
])
def test_a_down_that_forgets_something_is_caught_by_name(project, engine, up, down, named):
    users_table(project)
    assert project.run("up").code == 0
    project.migration("20260101000002", "change", up, down)
    before = catalogue(engine)

    result = project.run("verify", "--format", "json")

    assert result.code == 1, result.stdout + result.stderr
    [verdict] = result.json["migrations"]
    assert verdict["reversible"] is False
    expected = named.format(schema="public." if engine.name == "postgres" else "",
                            index_table="users." if engine.name == "mysql" else "",  # index names are per table
                            integer="int(11)" if engine.name == "mysql" else "integer")
    assert any(expected.lower() in line.lower() for line in verdict["difference"]), verdict["difference"]
    assert not any(line.startswith("table") and "definition" in line for line in verdict["difference"])
    assert result.json["summary"]["irreversible"] == 1
    assert catalogue(engine) == before


def test_a_forgotten_constraint_is_named_on_postgres(tmp_path, postgres_url):
    from conftest import Project

    project = Project(tmp_path / "project", postgres_url)
    users_table(project)
    assert project.run("up").code == 0
    project.migration("20260101000002", "check_email", "ALTER TABLE users ADD CONSTRAINT email_has_at CHECK (email LIKE '%@%');",
                      "SELECT 1;")
    project.migration("20260101000003", "status_enum", "CREATE TYPE mood AS ENUM ('happy', 'sad');",
                      "DROP TYPE mood;")

    result = project.run("verify", "--format", "json")

    assert result.code == 1
    [first] = result.json["migrations"]
    assert first["difference"] == [
        "constraint public.users.email_has_at (CHECK ((email ~~ '%@%'::text))): left behind by down",
        'up again failed at 20260101000002_check_email.sql:2: constraint "email_has_at" for relation "users" '
        "already exists (SQLSTATE 42710)"]
    assert result.json["not_verified"] == ["20260101000003"]
    assert "20260101000003_status_enum  not verified (an earlier migration failed)" in project.run("verify").stdout

    (project.migrations / "20260101000002_check_email.sql").unlink()
    project.migration("20260101000003", "status_enum", "CREATE TYPE mood AS ENUM ('happy');", "DROP TYPE mood;")
    assert project.run("up").code == 0
    project.migration("20260101000004", "sad_mood", "ALTER TYPE mood ADD VALUE 'sad';", "SELECT 1;")
    result = project.run("verify", "--format", "json")
    assert result.json["migrations"][0]["difference"][0] == (
        "enum public.mood: values `happy` before, `happy, sad` after")


def test_a_down_that_loses_moved_data_is_named(project, engine):
    users_table(project)
    assert project.run("up").code == 0
    project.migration("20260101000002", "move_nickname", """
        ALTER TABLE users ADD COLUMN display_name text;
        UPDATE users SET display_name = nickname;
        ALTER TABLE users DROP COLUMN nickname;
        """, """
        ALTER TABLE users ADD COLUMN nickname text DEFAULT 'anon';
        ALTER TABLE users DROP COLUMN display_name;
        """)
    before = catalogue(engine)

    result = project.run("verify", "--format", "json")

    assert result.code == 1
    [verdict] = result.json["migrations"]
    assert verdict["difference"] == [
        f"data of {'public.' if engine.name == 'postgres' else ''}users.nickname: values of 2 of 2 rows not restored by down",
        f"data of {'public.' if engine.name == 'postgres' else ''}users.display_name: values of 2 of 2 rows differ after up, down, up",
    ]
    assert catalogue(engine) == before


def test_a_backfill_whose_down_keeps_the_data_is_reversible(project, engine):
    users_table(project)
    assert project.run("up").code == 0
    project.migration("20260101000002", "copy_nickname", """
        ALTER TABLE users ADD COLUMN display_name text;
        UPDATE users SET display_name = upper(nickname);
        """, "ALTER TABLE users DROP COLUMN display_name;")

    result = project.run("verify", "--format", "json")

    assert result.code == 0, result.json
    assert result.json["migrations"][0]["data_compared"] is True


def mysql_shop(engine):
    """A MariaDB database made by hand, not by migrations (there is nothing to replay): a view of a view, a trigger,
    a function, a foreign key, a CHECK, a generated column, a sequence, and rows."""
    for statement in [
        "CREATE TABLE customers (id int PRIMARY KEY, email varchar(100) NOT NULL, UNIQUE KEY customers_email (email))",
        "CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, cents int NOT NULL CHECK (cents >= 0),"
        " euros decimal(10,2) AS (cents / 100) VIRTUAL, note varchar(20) DEFAULT 'none',"
        " CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE)",
        "CREATE VIEW big_orders AS SELECT id, customer_id, cents FROM orders WHERE cents > 1000",
        "CREATE VIEW big_customers AS SELECT DISTINCT customer_id FROM big_orders",  # made after the view it reads
        "CREATE TRIGGER orders_note BEFORE INSERT ON orders FOR EACH ROW SET NEW.note = lower(NEW.note)",
        "CREATE FUNCTION cents_of(euros decimal(10,2)) RETURNS int DETERMINISTIC RETURN euros * 100",
        "CREATE SEQUENCE invoice_numbers START WITH 100",
        "INSERT INTO customers VALUES (1, 'a@example.com'), (2, 'b@example.com')",
        "INSERT INTO orders (id, customer_id, cents, note) VALUES (1, 1, 500, 'A'), (2, 2, 2500, 'B')",
    ]:
        engine.query(statement)


def test_a_mysql_scratch_copy_holds_the_schema_and_the_rows_and_is_dropped(mysql_url):
    from dkmigrate.adapters.mysql import MySQLAdapter
    from dkmigrate.snapshot import Snapshot, differences
    from dkmigrate.urls import parse_url

    real = Engine("mysql", mysql_url)
    mysql_shop(real)
    adapter = MySQLAdapter(parse_url(mysql_url, Path.cwd()), "schema_migrations")
    adapter.open(create=False)
    url = adapter.scratch_copy(1)
    copy = MySQLAdapter(url, "schema_migrations")
    try:
        copy.open(create=False)
        assert differences(Snapshot.of(adapter.read_schema(), "schema_migrations"),
                           Snapshot.of(copy.read_schema(), "schema_migrations"), "missing", "extra") == []
        assert copy.query("SELECT count(*) FROM customers") == [(1,)]  # `rows` of each table
        copy.execute("INSERT INTO orders (id, customer_id, cents, note) VALUES (3, 1, 1, 'LOUD')")
        assert copy.query("SELECT note, euros FROM orders WHERE id = 3") == [("loud", Decimal("0.01"))]
        assert copy.query("SELECT cents_of(2.5), NEXTVAL(invoice_numbers)") == [(250, 100)]
    finally:
        copy.close()
        adapter.drop_scratch_database(url)
    assert not adapter.query(f"SHOW DATABASES LIKE {adapter.literal(url.raw.rsplit('/', 1)[1])}")
    adapter.close()


@pytest.mark.parametrize("up, named", [
    ("ALTER TABLE orders ADD CONSTRAINT cents_cap CHECK (cents < 1000000);",
     "constraint orders.cents_cap (CHECK (`cents` < 1000000)): left behind by down"),
    ("ALTER TABLE orders ADD CONSTRAINT orders_customer_again FOREIGN KEY (customer_id) REFERENCES customers (id);",
     "constraint orders.orders_customer_again (FOREIGN KEY (customer_id) REFERENCES customers (id) ON UPDATE RESTRICT "
     "ON DELETE RESTRICT): left behind by down"),
    ("ALTER TABLE customers ADD CONSTRAINT customers_email_id UNIQUE (email, id);",
     "constraint customers.customers_email_id (UNIQUE (email, id)): left behind by down"),
    ("DROP TRIGGER orders_note;", "trigger orders.orders_note (BEFORE INSERT): not restored by down"),
    ("DROP VIEW big_customers;", "view big_customers: not restored by down"),
    ("CREATE PROCEDURE purge_orders(IN below int) DELETE FROM orders WHERE id < below;",
     "function purge_orders(IN below int(11)): left behind by down"),
])
def test_on_mysql_a_down_that_forgets_a_constraint_trigger_view_or_routine_is_caught_by_name(tmp_path, mysql_url, up,
                                                                                              named):
    project, engine = Project(tmp_path / "project", mysql_url), Engine("mysql", mysql_url)
    mysql_shop(engine)
    project.migration("1", "change", up, "SELECT 1;")
    before = catalogue(engine)

    result = project.run("verify", "--format", "json")

    assert result.code == 1, result.stdout + result.stderr
    assert result.json["migrations"][0]["difference"][0] == named
    assert catalogue(engine) == before


def test_on_mysql_rows_copied_from_the_real_database_show_a_down_that_loses_data(tmp_path, mysql_url):
    project, engine = Project(tmp_path / "project", mysql_url), Engine("mysql", mysql_url)
    mysql_shop(engine)
    project.migration("1", "drop_note", "ALTER TABLE orders DROP COLUMN note;",
                      "ALTER TABLE orders ADD COLUMN note varchar(20) DEFAULT 'none';")
    project.migration("2", "status", "ALTER TABLE orders ADD COLUMN status varchar(10) NOT NULL DEFAULT 'new';\n"
                                     "UPDATE orders SET status = 'big' WHERE cents > 1000;",
                      "ALTER TABLE orders DROP COLUMN status;")
    before = catalogue(engine)

    result = project.run("verify", "--format", "json")

    assert result.code == 1
    server = mysql_url.rsplit("/", 1)[0]
    assert re.fullmatch(rf"on the scratch database {re.escape(server)}/dkmigrate_scratch_\w+, copied from "
                        rf"{re.escape(mysql_url)} \(its schema and up to 10000 rows of each table\) and dropped at the "
                        "end", result.json["where"]), result.json["where"]
    assert result.json["notes"] == []
    first, second = result.json["migrations"]
    assert first["difference"] == ["data of orders.note: values of 2 of 2 rows not restored by down"]
    assert (second["reversible"], second["data_compared"]) == (True, True)
    assert catalogue(engine) == before


def test_on_mysql_an_account_that_may_not_create_a_database_is_told_to_pass_scratch_url(tmp_path, mysql_database,
                                                                                        mysql_server):
    url, connection = mysql_database
    database, user, password = url.rsplit("/", 1)[1], f"dkm_{uuid.uuid4().hex[:8]}", "Secret-7x!"
    scratch = f"{database}_scratch"
    admin = connection.cursor()
    admin.execute(f"CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'")
    try:
        for name in (database, scratch):
            admin.execute(f"CREATE DATABASE IF NOT EXISTS {name}")
            admin.execute(f"GRANT ALL ON {name}.* TO '{user}'@'%'")
        server = f"mysql://{user}:{quote(password, safe='')}@{mysql_server['host']}:{mysql_server['port']}"
        project = Project(tmp_path / "project", f"{server}/{database}")
        users_table(project)
        assert project.run("up").code == 0
        project.migration("20260101000002", "add_age", "ALTER TABLE users ADD COLUMN age integer;",
                          "ALTER TABLE users DROP COLUMN age;")

        refused = project.run("verify")

        assert refused.code == 2
        [line] = refused.stderr.splitlines()
        assert line.startswith(f"error: cannot create a scratch database on mysql://{user}:***@")
        assert "Access denied" in line and line.endswith("pass --scratch-url with an empty database to use instead")
        assert password not in refused.stdout + refused.stderr

        verified = project.run("verify", "--scratch-url", f"{server}/{scratch}", "--format", "json")

        assert verified.code == 0, verified.stdout + verified.stderr
        assert verified.json["where"] == f"on the scratch database mysql://{user}:***@{mysql_server['host']}:" \
                                         f"{mysql_server['port']}/{scratch}"
        assert password not in verified.stdout + verified.stderr
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {scratch}")
        admin.execute(f"DROP USER '{user}'@'%'")


def test_a_migration_outside_a_transaction_is_verified_on_a_scratch_database(tmp_path, postgres_url):
    from conftest import Engine, Project

    project = Project(tmp_path / "project", postgres_url)
    engine = Engine("postgres", postgres_url)
    users_table(project)
    assert project.run("up").code == 0
    project.migration("20260101000002", "concurrent_index", "CREATE INDEX CONCURRENTLY users_email ON users (email);",
                      "SELECT 1;")
    before = catalogue(engine)

    result = project.run("verify", "--format", "json")

    assert result.code == 1
    assert "scratch database" in result.json["where"] and "CREATE INDEX CONCURRENTLY" in result.json["where"]
    assert result.json["migrations"][0]["difference"][0].startswith("index public.users_email (")
    assert catalogue(engine) == before  # pg_database included: the scratch database was dropped


def test_scratch_url_is_used_and_must_be_empty(tmp_path, postgres_url, postgres_admin_url):
    from conftest import Project, new_database

    project = Project(tmp_path / "project", postgres_url)
    users_table(project)
    assert project.run("up").code == 0
    project.migration("20260101000002", "add_age", "ALTER TABLE users ADD COLUMN age integer;",
                      "ALTER TABLE users DROP COLUMN age;")
    with new_database(postgres_admin_url) as scratch:
        result = project.run("verify", "--scratch-url", scratch, "--format", "json")
        assert result.code == 0, result.stdout + result.stderr
        assert result.json["where"].startswith("on the scratch database")
        again = project.run("verify", "--scratch-url", scratch)
        assert again.code == 2
        assert "is not empty" in again.stderr


def test_verify_never_runs_on_a_protected_environment(tmp_path, engine):
    from conftest import Project

    project = Project(tmp_path / "project", engine.url)
    (project.root / "migrate.yaml").write_text(f"environments:\n  production:\n    url: {engine.url}\n    protected: true\n")
    users_table(project)

    result = project.run("verify", "--env", "production", url=False)

    assert result.code == 4
    assert "protected" in result.stderr
    assert engine.tables() == set()


def test_a_migration_without_down_is_not_reversible_and_nothing_pending_is_success(project, engine):
    assert project.run("verify").stdout.strip() == "Nothing to verify: no migration is pending."
    project.migration("20260101000001", "one_way", "CREATE TABLE one_way (id integer);", down=None)

    result = project.run("verify")

    assert result.code == 1
    assert "20260101000001_one_way  NOT reversible" in result.stdout
    assert "it has no down section" in result.stdout
    assert engine.tables() == set()


def test_a_failing_down_stops_verification_with_the_error(project, engine):
    project.migration("20260101000001", "broken_down", "CREATE TABLE a (id integer);", "DROP TABLE nowhere;")
    project.migration("20260101000002", "later", "CREATE TABLE b (id integer);", "DROP TABLE b;")

    result = project.run("verify", "--format", "json")

    assert result.code == 1
    [verdict] = result.json["migrations"]
    assert verdict["difference"][0].startswith("down failed at 20260101000001_broken_down.sql:")
    assert result.json["not_verified"] == ["20260101000002"]
    assert engine.tables() == set()


def checklist_item(result) -> dict:
    assert result.code == 0, result.stdout + result.stderr
    return next(item for item in result.json["checklist"] if item["item"] == "Rollback verified")


def test_the_plan_checklist_runs_verify_on_a_private_copy_only(project, engine):
    users_table(project)
    assert project.run("up").code == 0
    project.migration("20260101000002", "add_age", "ALTER TABLE users ADD COLUMN age integer;",
                      "ALTER TABLE users DROP COLUMN age;")
    before = catalogue(engine)

    item = checklist_item(project.run("plan", "--format", "json"))

    if engine.name != "sqlite":  # plan is read-only: no migration runs on a server's database, even rolled back
        assert item["status"] == "manual", item
        assert "has no private copy to verify on" in item["detail"] and "migrate verify" in item["detail"]
        assert catalogue(engine) == before
        return
    assert item["status"] == "ok", item
    assert item["detail"].startswith("`migrate verify` ran up, down, up ")
    assert item["detail"].endswith("the migration reversible, schema and data compared")

    project.migration("20260101000003", "forget_index", "CREATE INDEX users_email ON users (email);", "SELECT 1;")
    item = checklist_item(project.run("plan", "--format", "json"))
    assert item["status"] == "fail"
    assert "20260101000003_forget_index: index " in item["detail"] and "users_email" in item["detail"]
    assert catalogue(engine) == before


def test_plan_verifies_the_first_pending_migrations_only_and_says_so(sqlite_project):
    from dkmigrate.plan.rollback_check import PLAN_VERIFY_LIMIT

    count = PLAN_VERIFY_LIMIT + 2
    for n in range(1, count + 1):
        sqlite_project.migration(f"2026010100{n:04d}", f"table_{n}", f"CREATE TABLE t{n} (id integer);",
                                 f"DROP TABLE t{n};" if n != count else "SELECT 1;")  # the last one never rolls back

    item = checklist_item(sqlite_project.run("plan", "--format", "json"))

    assert item["status"] == "manual", item  # not all verified: neither ok nor a failure it did not see
    assert f"the first {PLAN_VERIFY_LIMIT} of {count} pending migrations reversible" in item["detail"]
    assert item["detail"].endswith("run `migrate verify` to verify them all")
    full = sqlite_project.run("verify", "--format", "json")
    assert full.code == 1 and len(full.json["migrations"]) == count  # verify itself has no such limit


def test_the_plan_checklist_says_why_verify_could_not_run(tmp_path, engine):
    from conftest import Project

    project = Project(tmp_path / "project", engine.url)
    (project.root / "migrate.yaml").write_text(f"environments:\n  production:\n    url: {engine.url}\n    protected: true\n")
    users_table(project)

    item = checklist_item(project.run("plan", "--env", "production", "--format", "json", url=False))

    assert item["status"] == "manual"
    assert item["detail"].startswith("`migrate verify` could not run: environment 'production' is protected")
    assert engine.tables() == set()


@pytest.mark.parametrize("name", ["sqlite", "postgres", "mysql"])
def test_plan_write_verifies_the_migrations_it_wrote(tmp_path, request, name):
    """The rename plan's CONTRACT down gives the old column its default back (and the new one had it), so the
    round trip leaves the schema as it was, on every engine."""
    goal = "rename users.nickname to display_name"
    url = request.getfixturevalue(f"{name}_url")
    project, engine = Project(tmp_path / "project", url), Engine(name, url)
    users_table(project)
    project.migration("20260101000002", "bio", "ALTER TABLE users ADD COLUMN bio text;", "ALTER TABLE users DROP COLUMN bio;")
    assert project.run("up").code == 0

    unwritten = checklist_item(project.run("plan", goal, "--format", "json"))
    written = checklist_item(project.run("plan", goal, "--write", "--format", "json"))

    assert unwritten["status"] == "manual" and "`plan --write`" in unwritten["detail"]
    assert written["status"] == "ok", written
    assert "all 3 migrations reversible, schema and data compared" in written["detail"]
    assert engine.tracked_versions() == ["20260101000001", "20260101000002"]
