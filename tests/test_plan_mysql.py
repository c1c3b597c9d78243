"""MySQL plans, made against the live MySQL or MariaDB server of $MIGRATE_TEST_MYSQL_URL (its columns, keys and
sizes), run phase by phase there, up and down, as a DBA would, with rows in the tables."""

import pytest

from conftest import Project


@pytest.fixture
def mysql(tmp_path, mysql_database):
    url, connection = mysql_database
    return connection.cursor(), Project(tmp_path / "project", url)


def run(cursor, statements: list[str]) -> None:
    for statement in statements:
        if not statement.lstrip().startswith("--"):
            cursor.execute(statement)


def apply(cursor, plan: dict, between=None) -> None:
    for phase in plan["phases"]:
        if phase["name"] in ("expand", "migrate", "contract"):
            run(cursor, phase["sql"])
            for query in phase["verify"]:
                cursor.execute(query)
                assert cursor.fetchall() == (), f"{phase['name']}: {query}"
            if between and phase["name"] == "expand":
                between()


def roll_back(cursor, plan: dict) -> None:
    for phase in reversed(plan["phases"]):
        if phase["name"] in ("expand", "migrate", "contract"):
            run(cursor, phase["rollback"])


def rows(cursor, sql: str) -> list[tuple]:
    cursor.execute(sql)
    return list(cursor.fetchall())


def default(cursor, table: str, column: str) -> str | None:
    return rows(cursor, "SELECT COLUMN_DEFAULT FROM information_schema.columns WHERE table_schema = DATABASE() "
                        f"AND table_name = '{table}' AND column_name = '{column}'")[0][0]


def columns(cursor, table: str) -> list[str]:
    return [name for (name,) in rows(cursor, "SELECT column_name FROM information_schema.columns WHERE "
                                             f"table_schema = DATABASE() AND table_name = '{table}' ORDER BY column_name")]


def test_rename_and_type_change_plans_run_on_mysql(mysql):
    cursor, project = mysql
    cursor.execute("CREATE TABLE users (id bigint AUTO_INCREMENT PRIMARY KEY, email varchar(255) DEFAULT 'none', "
                   "total int)")
    cursor.execute("INSERT INTO users (email, total) VALUES ('a', 1), ('b', 2)")
    rename = project.run("plan", "rename users.email to email_address", "--type", "varchar(255)", "--format", "json").json

    def old_and_new_versions_write():
        cursor.execute("INSERT INTO users (email) VALUES ('old')")
        cursor.execute("INSERT INTO users (email_address) VALUES ('new')")
        cursor.execute("UPDATE users SET email_address = 'changed' WHERE id = 1")
        assert all(old == new for old, new in rows(cursor, "SELECT email, email_address FROM users WHERE id <> 2"))

    apply(cursor, rename, old_and_new_versions_write)
    expected = rows(cursor, "SELECT id, email_address FROM users ORDER BY id")
    assert [value for _, value in expected] == ["changed", "b", "old", "new"]
    assert default(cursor, "users", "email_address") == "'none'"  # the renamed column keeps its default
    roll_back(cursor, rename)
    assert rows(cursor, "SELECT id, email FROM users ORDER BY id") == expected
    assert default(cursor, "users", "email") == "'none'"  # and the down gives it back to the old one
    cursor.execute("INSERT INTO users (total) VALUES (3)")
    assert rows(cursor, "SELECT email FROM users WHERE total = 3") == [("none",)]
    cursor.execute("DELETE FROM users WHERE total = 3")

    change = project.run("plan", "change users.total to decimal(12,2)", "--format", "json").json  # int(11), read live
    apply(cursor, change)
    assert rows(cursor, "SELECT DATA_TYPE FROM information_schema.columns WHERE table_schema = DATABASE() "
                        "AND table_name = 'users' AND column_name = 'total'") == [("decimal",)]
    roll_back(cursor, change)
    assert rows(cursor, "SELECT total FROM users ORDER BY id")[:2] == [(1,), (2,)]


def test_split_unique_and_foreign_key_plans_run_on_mysql(mysql):
    cursor, project = mysql
    cursor.execute("CREATE TABLE users (id bigint AUTO_INCREMENT PRIMARY KEY, email varchar(255), bio text)")
    cursor.execute("CREATE TABLE orders (id bigint AUTO_INCREMENT PRIMARY KEY, user_id bigint)")
    cursor.execute("INSERT INTO users (email, bio) VALUES ('a', 'x'), ('b', 'y')")
    cursor.execute("INSERT INTO orders (user_id) VALUES (1), (2)")
    split = project.run("plan", "split users table into user_profiles moving bio", "--format", "json").json
    assert split["live"]["available"] and split["fill_in"] == []  # keys and types read from the server
    apply(cursor, split)
    assert rows(cursor, "SELECT user_id, bio FROM user_profiles ORDER BY user_id") == [(1, "x"), (2, "y")]
    roll_back(cursor, split)
    assert rows(cursor, "SELECT id, bio FROM users ORDER BY id") == [(1, "x"), (2, "y")]
    unique = project.run("plan", "add unique constraint on users.email", "--format", "json").json
    apply(cursor, unique)
    foreign = project.run("plan", "add foreign key orders.user_id references users.id", "--format", "json").json
    apply(cursor, foreign)
    assert rows(cursor, "SELECT count(*) FROM information_schema.referential_constraints "
                        "WHERE constraint_schema = DATABASE()") == [(1,)]
    roll_back(cursor, foreign)
    roll_back(cursor, unique)
    cursor.execute("INSERT INTO users (email) VALUES ('a')")


def test_index_and_not_null_plans_run_on_mysql(mysql):
    cursor, project = mysql
    cursor.execute("CREATE TABLE users (id bigint AUTO_INCREMENT PRIMARY KEY, customer_id bigint, age int)")
    cursor.execute("INSERT INTO users (customer_id, age) VALUES (1, 30), (2, NULL), (1, 40)")
    index = project.run("plan", "add an index on users.customer_id", "--format", "json").json
    assert index["phases"][0]["sql"] == ["ALTER TABLE users ADD INDEX users_customer_id_idx (customer_id), "
                                         "ALGORITHM=INPLACE, LOCK=NONE"]
    apply(cursor, index)
    roll_back(cursor, index)
    assert rows(cursor, "SELECT count(*) FROM information_schema.statistics WHERE table_schema = DATABASE() "
                        "AND index_name = 'users_customer_id_idx'") == [(0,)]
    required = project.run("plan", "make users.age not null", "--type", "int", "--default", "0", "--format", "json").json
    apply(cursor, required)
    assert rows(cursor, "SELECT age FROM users ORDER BY id") == [(30,), (0,), (40,)]
    with pytest.raises(Exception):
        cursor.execute("INSERT INTO users (customer_id, age) VALUES (3, NULL)")
    roll_back(cursor, required)
    cursor.execute("INSERT INTO users (customer_id, age) VALUES (3, NULL)")


def test_drop_and_rename_plans_run_on_mysql_and_their_rollbacks_bring_back_what_they_keep(mysql):
    cursor, project = mysql
    cursor.execute("CREATE TABLE users (id bigint AUTO_INCREMENT PRIMARY KEY, email varchar(255) NOT NULL, "
                   "legacy int NOT NULL)")
    cursor.execute("CREATE TABLE audit_old (id bigint AUTO_INCREMENT PRIMARY KEY, event text)")
    cursor.execute("INSERT INTO users (email, legacy) VALUES ('a', 1), ('b', 2), ('c', 3)")
    cursor.execute("INSERT INTO audit_old (event) VALUES ('x'), ('y')")

    drop_column = project.run("plan", "drop column users.legacy", "--format", "json").json
    apply(cursor, drop_column)
    assert "legacy" not in columns(cursor, "users")
    roll_back(cursor, drop_column)
    assert rows(cursor, "SELECT id, legacy FROM users ORDER BY id") == [(1, 1), (2, 2), (3, 3)]
    with pytest.raises(Exception):  # NOT NULL is back
        cursor.execute("INSERT INTO users (email) VALUES ('d')")

    rename = project.run("plan", "rename table users to accounts", "--format", "json").json
    apply(cursor, rename, lambda: cursor.execute("INSERT INTO users (email, legacy) VALUES ('through the view', 4)"))
    assert rows(cursor, "SELECT email FROM accounts WHERE legacy = 4") == [("through the view",)]
    roll_back(cursor, rename)
    assert rows(cursor, "SELECT count(*) FROM users") == [(4,)]
    assert rows(cursor, "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE() "
                        "AND table_name = 'accounts'") == [(0,)]

    drop_table = project.run("plan", "drop table audit_old", "--format", "json").json
    assert drop_table["phases"][-1]["rollback_loses_data"]  # the plan says the rows come back only from a backup
    apply(cursor, drop_table)
    assert rows(cursor, "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE() "
                        "AND table_name LIKE 'audit_old%'") == [(0,)]
    roll_back(cursor, drop_table)
    assert columns(cursor, "audit_old") == ["event", "id"]


def test_add_not_null_column_and_move_plans_run_on_mysql(mysql):
    cursor, project = mysql
    cursor.execute("CREATE TABLE users (id bigint AUTO_INCREMENT PRIMARY KEY, email varchar(255), phone varchar(40))")
    cursor.execute("CREATE TABLE contacts (id bigint AUTO_INCREMENT PRIMARY KEY, user_id bigint NOT NULL, "
                   "FOREIGN KEY (user_id) REFERENCES users (id))")
    cursor.execute("INSERT INTO users (email, phone) VALUES ('a', '111'), ('b', NULL), ('c', '333')")
    cursor.execute("INSERT INTO contacts (user_id) VALUES (1), (2), (3)")

    status = project.run("plan", "add not null column users.status varchar(20) default 'new'", "--format", "json").json
    apply(cursor, status)
    assert rows(cursor, "SELECT status FROM users ORDER BY id") == [("new",), ("new",), ("new",)]
    with pytest.raises(Exception):
        cursor.execute("INSERT INTO users (email, status) VALUES ('d', NULL)")
    roll_back(cursor, status)
    assert "status" not in columns(cursor, "users")

    move = project.run("plan", "move users.phone to contacts", "--format", "json").json
    assert move["fill_in"] == []
    apply(cursor, move, lambda: cursor.execute("UPDATE users SET phone = '222' WHERE id = 2"))
    assert rows(cursor, "SELECT user_id, phone FROM contacts ORDER BY user_id") == [(1, "111"), (2, "222"), (3, "333")]
    assert "phone" not in columns(cursor, "users")
    roll_back(cursor, move)
    assert rows(cursor, "SELECT id, phone FROM users ORDER BY id") == [(1, "111"), (2, "222"), (3, "333")]
    assert "phone" not in columns(cursor, "contacts")

    cursor.execute("CREATE TABLE profiles (id bigint AUTO_INCREMENT PRIMARY KEY, user_id bigint NOT NULL, bio text, "
                   "FOREIGN KEY (user_id) REFERENCES users (id))")
    cursor.execute("INSERT INTO profiles (user_id, bio) VALUES (1, 'x'), (3, 'z')")
    merge = project.run("plan", "merge profiles into users", "--format", "json").json
    assert merge["fill_in"] == []
    apply(cursor, merge)
    assert rows(cursor, "SELECT id, bio FROM users ORDER BY id") == [(1, "x"), (2, None), (3, "z")]
    assert "bio" not in columns(cursor, "profiles")
    roll_back(cursor, merge)
    assert rows(cursor, "SELECT user_id, bio FROM profiles ORDER BY user_id") == [(1, "x"), (3, "z")]
    assert "bio" not in columns(cursor, "users")


def test_a_default_with_a_backslash_before_a_quote_is_one_mysql_string_and_never_sql_of_its_own(mysql):
    cursor, project = mysql
    cursor.execute("CREATE TABLE users (id bigint AUTO_INCREMENT PRIMARY KEY, email varchar(255))")
    cursor.execute("CREATE TABLE victim (id int PRIMARY KEY)")
    cursor.execute("INSERT INTO users (email) VALUES ('a'), ('b')")
    hostile = "x\\'; DROP TABLE victim; --"
    in_goal = hostile.replace("'", "''")
    for goal, options in [("add not null column users.status varchar(40)", ("--default", hostile)),
                          (f"add not null column users.status varchar(40) default '{in_goal}'", ())]:
        status = project.run("plan", goal, *options, "--format", "json").json
        apply(cursor, status)
        assert rows(cursor, "SELECT status FROM users ORDER BY id") == [(hostile,), (hostile,)]
        assert rows(cursor, "SELECT count(*) FROM victim") == [(0,)]
        roll_back(cursor, status)
