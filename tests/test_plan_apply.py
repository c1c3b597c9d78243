"""A written plan applies: its migration files run up and down on real databases with rows in the tables,
every phase's verify queries come back empty, no row and no value is lost at any step, and while old and
new application versions run side by side their writes reach both places."""

import pytest

from conftest import Engine, Project

ROWS = 40


def identity(engine: Engine) -> str:
    return "bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY" if engine.name == "postgres" else "INTEGER PRIMARY KEY"


def seed(engine: Engine, statements: list[str]) -> None:
    for statement in statements:
        engine.query(statement)


def write_plan(project: Project, goal: str, *options: str) -> dict:
    shown = project.run("plan", goal, *options, "--format", "json")
    assert shown.code == 0, shown.stderr
    before = set(project.migrations.glob("*.sql"))
    written = project.run("plan", goal, *options, "--write")
    assert written.code == 0, written.stderr
    plan = shown.json
    files = sorted(set(project.migrations.glob("*.sql")) - before)
    assert [f.name.rsplit("_", 1)[1] for f in files] == [
        f"{p['name']}.sql" for p in plan["phases"] if p["name"] in ("expand", "migrate", "contract")]
    return plan


class Steps:
    """Applies a written plan one migration at a time, checking each phase's verify queries."""

    def __init__(self, project: Project, engine: Engine, plan: dict):
        self.project, self.engine = project, engine
        self.phases = [p for p in plan["phases"] if p["name"] in ("expand", "migrate", "contract")]
        self.applied = 0

    def up(self) -> str:
        phase = self.phases[self.applied]
        result = self.project.run("up", "--steps", "1")
        assert result.code == 0, result.stderr
        for query in phase["verify"]:
            assert self.engine.query(query) == [], f"{phase['name']} verify query returned rows: {query}"
        self.applied += 1
        return phase["name"]

    def down(self) -> None:
        result = self.project.run("down")
        assert result.code == 0, result.stderr
        self.applied -= 1


def by_id(engine: Engine, sql: str) -> dict:
    return {row[0]: tuple(row[1:]) for row in engine.query(sql)}


def columns(engine: Engine, table: str) -> list[str]:
    if engine.name == "sqlite":
        return [row[1] for row in engine.query(f"PRAGMA table_info({table})")]
    return [row[0] for row in engine.query(
        f"SELECT attname FROM pg_attribute WHERE attrelid = '{table}'::regclass AND attnum > 0 AND NOT attisdropped "
        "ORDER BY attnum")]


def test_rename_column_keeps_every_value_and_both_columns_agree_during_the_window(project, engine):
    seed(engine, [f"CREATE TABLE users (id {identity(engine)}, email text NOT NULL UNIQUE, name text DEFAULT 'x')",
                  *(f"INSERT INTO users (email) VALUES ('u{i}@example.com')" for i in range(ROWS))])
    expected = by_id(engine, "SELECT id, email FROM users")
    plan = write_plan(project, "rename users.email to email_address")
    steps = Steps(project, engine, plan)

    assert steps.up() == "expand"
    engine.query("INSERT INTO users (email) VALUES ('old-app@example.com')")  # the old version knows only email
    if engine.name == "postgres":  # the new version writes only the new column
        engine.query("INSERT INTO users (email_address) VALUES ('new-app@example.com')")
    else:  # the plan says: on SQLite, with email NOT NULL, the new version writes both until CONTRACT
        engine.query("INSERT INTO users (email, email_address) VALUES ('new-app@example.com', 'new-app@example.com')")
    engine.query("UPDATE users SET email = 'changed-by-old@example.com' WHERE id = 1")
    engine.query("UPDATE users SET email_address = 'changed-by-new@example.com' WHERE id = 2")
    written = engine.query("SELECT email, email_address FROM users WHERE email LIKE '%app@%' OR id IN (1, 2)")
    assert len(written) == 4 and all(old == new for old, new in written)
    expected = by_id(engine, "SELECT id, email FROM users")
    assert len(expected) == ROWS + 2

    assert steps.up() == "migrate"
    assert by_id(engine, "SELECT id, email_address FROM users") == expected
    engine.query("UPDATE users SET email_address = 'late@example.com' WHERE id = 3")
    assert engine.query("SELECT email FROM users WHERE id = 3") == [("late@example.com",)]
    expected = by_id(engine, "SELECT id, email FROM users")

    assert steps.up() == "contract"
    assert "email" not in columns(engine, "users")
    assert by_id(engine, "SELECT id, email_address FROM users") == expected

    steps.down()
    assert by_id(engine, "SELECT id, email FROM users") == expected
    assert by_id(engine, "SELECT id, email_address FROM users") == expected
    steps.down()
    steps.down()
    assert sorted(columns(engine, "users")) == ["email", "id", "name"]  # PostgreSQL re-adds email last
    assert by_id(engine, "SELECT id, email FROM users") == expected
    with pytest.raises(Exception):  # the unique constraint on email is back
        engine.query("INSERT INTO users (email) VALUES ('u5@example.com')")


def test_change_column_type_keeps_every_value_and_swaps_the_column_in(project, engine):
    seed(engine, [f"CREATE TABLE orders (id {identity(engine)}, total integer NOT NULL, note text)",
                  "CREATE INDEX orders_total_idx ON orders (total)",
                  *(f"INSERT INTO orders (total) VALUES ({i * 100})" for i in range(ROWS))])
    plan = write_plan(project, "change orders.total to numeric(12,2)")
    steps = Steps(project, engine, plan)

    steps.up()
    engine.query("INSERT INTO orders (total) VALUES (777)")
    engine.query("UPDATE orders SET total = 5 WHERE id = 1")
    assert engine.query("SELECT total, total_new FROM orders WHERE total IN (777, 5)") in (
        [(777, 777), (5, 5)], [(5, 5), (777, 777)])
    expected = {key: (float(value[0]),) for key, value in by_id(engine, "SELECT id, total FROM orders").items()}

    steps.up()
    steps.up()
    assert columns(engine, "orders") == (["id", "note", "total"] if engine.name == "postgres" else ["id", "total", "note"])
    now = {key: (float(value[0]),) for key, value in by_id(engine, "SELECT id, total FROM orders").items()}
    assert now == expected
    if engine.name == "postgres":
        assert engine.query("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                            "WHERE attrelid = 'orders'::regclass AND attname = 'total'") == [("numeric(12,2)",)]
        assert engine.query("SELECT indexdef FROM pg_indexes WHERE tablename = 'orders' AND indexdef LIKE '%(total)'")

    for _ in range(3):
        steps.down()
    assert sorted(columns(engine, "orders")) == ["id", "note", "total"]
    assert {key: (float(value[0]),) for key, value in by_id(engine, "SELECT id, total FROM orders").items()} == expected


def test_split_table_moves_columns_to_a_new_table_in_sync_both_ways(project, engine):
    seed(engine, [f"CREATE TABLE users (id {identity(engine)}, email text NOT NULL, bio text, avatar text)",
                  *(f"INSERT INTO users (email, bio) VALUES ('u{i}', 'bio {i}')" for i in range(ROWS))])
    expected = by_id(engine, "SELECT id, bio, avatar FROM users")
    plan = write_plan(project, "split users table into user_profiles moving bio, avatar")
    steps = Steps(project, engine, plan)

    steps.up()
    engine.query("INSERT INTO users (email, bio) VALUES ('old-app', 'written by the old version')")
    engine.query("UPDATE users SET avatar = 'a.png' WHERE id = 1")
    steps.up()
    engine.query("UPDATE user_profiles SET bio = 'written by the new version' WHERE user_id = 2")
    both = engine.query("SELECT u.bio, p.bio, u.avatar, p.avatar FROM users u JOIN user_profiles p ON p.user_id = u.id")
    assert len(both) == ROWS + 1 and all(row[0] == row[1] and row[2] == row[3] for row in both)
    expected = by_id(engine, "SELECT id, bio, avatar FROM users")
    assert expected[2] == ("written by the new version", None)

    steps.up()
    assert columns(engine, "users") == ["id", "email"]
    assert by_id(engine, "SELECT user_id, bio, avatar FROM user_profiles") == expected
    for _ in range(3):
        steps.down()
    assert by_id(engine, "SELECT id, bio, avatar FROM users") == expected
    assert "user_profiles" not in engine.tables()


def test_move_columns_into_an_existing_linked_table(project, engine):
    key = "bigint" if engine.name == "postgres" else "INTEGER"
    seed(engine, [f"CREATE TABLE users (id {identity(engine)}, name text NOT NULL, phone text)",
                  f"CREATE TABLE contacts (id {identity(engine)}, user_id {key} NOT NULL UNIQUE REFERENCES users (id))",
                  *(f"INSERT INTO users (name, phone) VALUES ('u{i}', '555-{i:04d}')" for i in range(ROWS)),
                  "INSERT INTO contacts (user_id) SELECT id FROM users"])
    expected = by_id(engine, "SELECT id, phone FROM users")
    plan = write_plan(project, "move users.phone to contacts")
    steps = Steps(project, engine, plan)
    steps.up()
    engine.query("UPDATE users SET phone = 'old' WHERE id = 1")
    steps.up()
    engine.query("UPDATE contacts SET phone = 'new' WHERE user_id = 2")
    assert engine.query("SELECT phone FROM users WHERE id IN (1, 2) ORDER BY id") == [("old",), ("new",)]
    expected = by_id(engine, "SELECT id, phone FROM users")
    steps.up()
    assert by_id(engine, "SELECT user_id, phone FROM contacts") == expected
    for _ in range(3):
        steps.down()
    assert by_id(engine, "SELECT id, phone FROM users") == expected
    assert columns(engine, "contacts") == ["id", "user_id"]


def test_add_not_null_column_fills_existing_rows(project, engine):
    seed(engine, [f"CREATE TABLE orders (id {identity(engine)}, total integer)",
                  *(f"INSERT INTO orders (total) VALUES ({i})" for i in range(ROWS))])
    plan = write_plan(project, "add not null column orders.status text default 'new'")
    steps = Steps(project, engine, plan)
    while steps.applied < len(steps.phases):
        steps.up()
    assert engine.query("SELECT count(*) FROM orders WHERE status = 'new'") == [(ROWS,)]
    with pytest.raises(Exception):
        engine.query("INSERT INTO orders (total, status) VALUES (1, NULL)")
    while steps.applied:
        steps.down()
    assert columns(engine, "orders") == ["id", "total"]
    assert engine.query("SELECT count(*) FROM orders") == [(ROWS,)]


def test_add_index_builds_it_without_blocking_writes_and_its_rollback_drops_it(project, engine):
    seed(engine, [f"CREATE TABLE orders (id {identity(engine)}, customer_id integer NOT NULL, total integer)",
                  *(f"INSERT INTO orders (customer_id, total) VALUES ({i % 7}, {i})" for i in range(ROWS))])
    plan = write_plan(project, "add an index on orders.customer_id", "--rollback-plan")
    (expand,) = plan["phases"]
    if engine.name == "postgres":
        assert expand["sql"] == ["CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id)"]
        assert expand["transaction"] is False
        assert expand["rollback"] == ["DROP INDEX CONCURRENTLY IF EXISTS orders_customer_id_idx"]
    else:
        assert expand["sql"] == ["CREATE INDEX orders_customer_id_idx ON orders (customer_id)"]
    assert plan["rollback_plan"]["command"] == "migrate down --steps 1"
    steps = Steps(project, engine, plan)
    steps.up()
    steps.down()
    assert engine.query(expand["verify"][-1]) == [("missing",)]
    steps.up()
    assert project.run("plan", "add an index on orders.customer_id").code == 2  # it exists now


def test_set_not_null_proves_the_column_then_sets_it_and_rolls_back(project, engine):
    seed(engine, [f"CREATE TABLE users (id {identity(engine)}, email text NOT NULL, age integer)",
                  "CREATE INDEX users_email_idx ON users (email)",
                  *(f"INSERT INTO users (email, age) VALUES ('u{i}', {'NULL' if i % 5 == 0 else i})" for i in range(ROWS))])
    expected = by_id(engine, "SELECT id, email, age FROM users")
    plan = write_plan(project, "make users.age not null", "--default", "0")
    names = [phase["name"] for phase in plan["phases"]]
    if engine.name == "postgres":
        assert names == ["expand", "migrate", "contract"]
        expand, migrate, contract = plan["phases"]
        assert "ALTER TABLE users ADD CONSTRAINT users_age_not_null CHECK (age IS NOT NULL) NOT VALID" in expand["sql"]
        assert migrate["sql"] == ["ALTER TABLE users VALIDATE CONSTRAINT users_age_not_null"]
        assert contract["sql"][1:] == ["ALTER TABLE users ALTER COLUMN age SET NOT NULL",
                                       "ALTER TABLE users DROP CONSTRAINT users_age_not_null"]
    else:
        assert names == ["contract"]  # SQLite cannot ALTER a column's NOT NULL: the table is rebuilt
        assert plan["phases"][0]["sql"][0].startswith("CREATE TABLE users_rebuild (")
    steps = Steps(project, engine, plan)
    while steps.applied < len(steps.phases):
        steps.up()
    assert engine.query("SELECT count(*) FROM users WHERE age = 0") == [(ROWS // 5,)]
    with pytest.raises(Exception):
        engine.query("INSERT INTO users (email, age) VALUES ('null-age', NULL)")
    while steps.applied:
        steps.down()
    engine.query("INSERT INTO users (email, age) VALUES ('null-age', NULL)")  # nullable again
    restored = by_id(engine, "SELECT id, email, age FROM users WHERE email <> 'null-age'")
    assert {key: row for key, row in restored.items() if row[1] != 0} == \
        {key: row for key, row in expected.items() if row[1] is not None}
    assert set(by_id(engine, "SELECT id, email FROM users")) >= set(expected)


def test_add_unique_constraint_and_foreign_key(project, engine):
    key = "bigint" if engine.name == "postgres" else "INTEGER"
    seed(engine, [f"CREATE TABLE customers (id {identity(engine)}, email text)",
                  f"CREATE TABLE orders (id {identity(engine)}, customer_id {key})",
                  *(f"INSERT INTO customers (email) VALUES ('c{i}')" for i in range(ROWS)),
                  "INSERT INTO orders (customer_id) SELECT id FROM customers"])
    expected = by_id(engine, "SELECT id, customer_id FROM orders")
    unique = write_plan(project, "add unique constraint on customers.email")
    steps = Steps(project, engine, unique)
    while steps.applied < len(steps.phases):
        steps.up()
    with pytest.raises(Exception):
        engine.query("INSERT INTO customers (email) VALUES ('c1')")

    foreign = write_plan(project, "add foreign key orders.customer_id references customers")
    assert "orders" in engine.tables()
    steps = Steps(project, engine, foreign)
    while steps.applied < len(steps.phases):
        steps.up()
    assert by_id(engine, "SELECT id, customer_id FROM orders") == expected
    if engine.name == "postgres":
        with pytest.raises(Exception):
            engine.query("INSERT INTO orders (customer_id) VALUES (999999)")
    else:
        assert engine.query("SELECT count(*) FROM pragma_foreign_key_list('orders')") == [(1,)]
    result = project.run("down", "--steps", str(len(steps.phases) + len(Steps(project, engine, unique).phases)))
    assert result.code == 0, result.stderr
    assert by_id(engine, "SELECT id, customer_id FROM orders") == expected
    engine.query("INSERT INTO customers (email) VALUES ('c1')")  # no longer unique


def test_drop_column_keeps_a_copy_that_its_rollback_restores(project, engine):
    seed(engine, [f"CREATE TABLE users (id {identity(engine)}, name text, legacy_flag integer NOT NULL)",
                  *(f"INSERT INTO users (name, legacy_flag) VALUES ('u{i}', {i % 3})" for i in range(ROWS))])
    expected = by_id(engine, "SELECT id, legacy_flag FROM users")
    plan = write_plan(project, "drop column users.legacy_flag")
    steps = Steps(project, engine, plan)
    while steps.applied < len(steps.phases):
        steps.up()
    assert columns(engine, "users") == ["id", "name"]
    while steps.applied:
        steps.down()
    assert by_id(engine, "SELECT id, legacy_flag FROM users") == expected


def test_drop_table_retires_it_first_and_says_its_rollback_loses_the_rows(project, engine):
    seed(engine, [f"CREATE TABLE audit_old (id {identity(engine)}, event text)",
                  *(f"INSERT INTO audit_old (event) VALUES ('e{i}')" for i in range(ROWS))])
    plan = write_plan(project, "drop table audit_old", "--rollback-plan")
    contract = next(p for p in plan["phases"] if p["name"] == "contract")
    assert "restore them from the backup" in contract["rollback_loses_data"]
    rollback = project.run("plan", "drop table audit_old", "--rollback-plan", "--format", "json").json["rollback_plan"]
    assert rollback["point_of_no_return"].startswith("contract: drop audit_old_retired: once it has run, rolling it "
                                                     "back cannot bring back the rows of audit_old")
    assert rollback["command"] == "migrate down --steps 2"
    steps = Steps(project, engine, plan)
    steps.up()
    assert engine.tables() >= {"audit_old_retired"} and engine.query("SELECT count(*) FROM audit_old_retired") == [(ROWS,)]
    steps.down()
    assert engine.query("SELECT count(*) FROM audit_old") == [(ROWS,)]
    steps.up()
    steps.up()
    assert not {"audit_old", "audit_old_retired"} & engine.tables()
    steps.down()
    assert "audit_old_retired" in engine.tables()


def test_rename_table_serves_the_old_name_through_a_view(project, engine):
    seed(engine, [f"CREATE TABLE users (id {identity(engine)}, email text NOT NULL, name text DEFAULT 'x')",
                  *(f"INSERT INTO users (email) VALUES ('u{i}')" for i in range(ROWS))])
    plan = write_plan(project, "rename table users to accounts")
    steps = Steps(project, engine, plan)
    steps.up()
    engine.query("INSERT INTO users (email) VALUES ('old-app')")  # through the view
    engine.query("UPDATE users SET email = 'changed' WHERE id = 1")
    engine.query("INSERT INTO accounts (email) VALUES ('new-app')")
    assert engine.query("SELECT count(*) FROM users") == engine.query("SELECT count(*) FROM accounts") == [(ROWS + 2,)]
    assert engine.query("SELECT name FROM accounts WHERE email = 'old-app'") == [("x",)]
    expected = by_id(engine, "SELECT id, email FROM accounts")
    while steps.applied < len(steps.phases):
        steps.up()
    assert "users" not in engine.tables() and engine.query("SELECT count(*) FROM accounts") == [(ROWS + 2,)]
    while steps.applied:
        steps.down()
    assert by_id(engine, "SELECT id, email FROM users") == expected


def test_the_migrations_a_plan_writes_pass_the_linter(project, engine):
    seed(engine, [f"CREATE TABLE users (id {identity(engine)}, email text NOT NULL UNIQUE, bio text, legacy integer)",
                  f"CREATE TABLE orders (id {identity(engine)}, user_id integer, total integer NOT NULL)"])
    for goal in ("rename users.email to email_address", "change orders.total to numeric(12,2)",
                 "split users table into profiles moving bio", "add foreign key orders.user_id references users",
                 "add unique constraint on users.bio", "drop column users.legacy", "rename table orders to purchases",
                 "add not null column users.status text default 'new'"):
        assert project.run("plan", goal, "--write").code == 0, goal
    result = project.run("lint", "--format", "json")
    assert result.json["findings"] == [], result.json["findings"]
    assert result.code == 0


ROUND_TRIP_GOALS = ["rename users.email to email_address", "change orders.total to numeric(12,2)",
                    "split users table into profiles moving bio", "drop column users.legacy",
                    "drop table audit_old", "add not null column orders.status text default 'new'",
                    "make users.age not null", "add an index on orders.user_id",
                    "add unique constraint on users.bio", "rename table orders to purchases"]


@pytest.mark.parametrize("goal", ROUND_TRIP_GOALS)
def test_the_goal_plan_and_the_pending_plan_of_its_files_tell_one_truth_and_a_round_trip_proves_it(
        project, engine, goal):
    seed(engine, [f"CREATE TABLE users (id {identity(engine)}, email text NOT NULL UNIQUE, bio text, legacy integer, "
                  "age integer)",
                  f"CREATE TABLE orders (id {identity(engine)}, user_id integer, total integer NOT NULL)",
                  f"CREATE TABLE audit_old (id {identity(engine)}, event text)",
                  *(f"INSERT INTO users (email, bio, legacy, age) VALUES ('u{i}', 'b{i}', {i % 3}, {i})" for i in range(ROWS)),
                  *(f"INSERT INTO orders (user_id, total) VALUES ({i + 1}, {i * 10})" for i in range(ROWS)),
                  *(f"INSERT INTO audit_old (event) VALUES ('e{i}')" for i in range(ROWS))])
    def snapshot() -> dict:
        """Every table's columns and rows, by column name (a round trip may change the order of columns)."""
        found = {}
        for table in ("users", "orders", "audit_old"):
            if table in engine.tables():
                names = sorted(columns(engine, table))
                found[table] = (names, engine.query(f"SELECT {', '.join(names)} FROM {table} ORDER BY id"))
        return found

    before = snapshot()
    goal_plan = write_plan(project, goal, "--rollback-plan")["rollback_plan"]
    pending = project.run("plan", "--rollback-plan", "--format", "json")
    assert pending.code == 0, pending.stderr
    pending_plan = pending.json["rollback_plan"]
    written = [step for step in goal_plan["steps"] if step["sql"]]
    assert [step["loses_data"] for step in written] == [step["loses_data"] for step in pending_plan["steps"]]
    assert [[s for s in step["sql"] if not s.startswith("--")] for step in written] == \
        [step["sql"] for step in pending_plan["steps"]]
    restores_everything = goal_plan["point_of_no_return"].startswith("none")
    assert pending_plan["point_of_no_return"].startswith("none") == restores_everything

    for direction in ("up", "down", "up", "down"):
        result = project.run(direction, *(["--steps", str(len(written))] if direction == "down" else []))
        assert result.code == 0, f"{direction}: {result.stderr}"
    assert (snapshot() == before) == restores_everything, (goal_plan["point_of_no_return"], goal_plan["steps"])
