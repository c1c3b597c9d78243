"""`plan` counts, on the live database, the rows that would make a pending constraint fail (duplicates, NULLs,
orphans, CHECK violations, values that do not convert to a new type), shows a few of them, and fails the
checklist item with the count; a count that runs past its timeout is skipped with the query to run by hand."""

import pytest

from conftest import Engine, Project

ITEM = "Existing rows fit the new constraints"
USERS = ("CREATE TABLE users (id bigint PRIMARY KEY, email varchar(100), code varchar(20));"
         "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);")
ROWS = ["INSERT INTO users (id, email, code) VALUES (1, 'a@x', '12'), (2, 'a@x', '7'), (3, NULL, 'x1'), "
        "(4, 'b@x', '5'), (5, 'b@x', '99999999999'), (6, 'c@x', NULL)",
        "INSERT INTO orders (id, user_id) VALUES (10, 1), (11, 42), (12, NULL), (13, 43)"]
# the statements each engine can run, and what the check finds on ROWS
CHECKS = {
    "unique": ("CREATE UNIQUE INDEX users_email ON users (email);",
               "no duplicate (email) in users: 2 duplicate groups, e.g. (a@x) 2 times; (b@x) 2 times"),
    "not_null": ({"postgres": "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
                  "mysql": "ALTER TABLE users MODIFY email varchar(100) NOT NULL;"},
                 "no NULL in users.email: 1 rows with NULL, e.g. (3)"),
    "check": ("ALTER TABLE users ADD CONSTRAINT small_ids CHECK (id < 5);",
              "CHECK (id < 5) on users: 2 rows that break it, e.g. (5); (6)"),
    "foreign_key": ("ALTER TABLE orders ADD CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (id);",
                    "every (user_id) of orders in users: 2 orphan rows, e.g. (42); (43)"),
    "cast": ({"postgres": "ALTER TABLE users ALTER COLUMN code TYPE integer;",
              "mysql": "ALTER TABLE users MODIFY code int;"},
             "every users.code converts to "),
}
SQLITE_CAN = {"unique"}  # SQLite adds no constraint to an existing table but a unique index


def _database(request) -> Engine:
    if request.param == "mysql":
        url, _ = request.getfixturevalue("mysql_database")
        return Engine("mysql", url)
    return Engine(request.param, request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture(params=["postgres", "sqlite", "mysql"])
def database(request) -> Engine:
    return _database(request)


@pytest.fixture(params=["postgres", "mysql"])
def server_database(request) -> Engine:
    """The engines that add a foreign key to an existing table (SQLite needs a rebuild)."""
    return _database(request)


def _statement(name: str, dialect: str) -> str:
    statement = CHECKS[name][0]
    return statement[dialect] if isinstance(statement, dict) else statement


def _item(project: Project) -> dict:
    result = project.run("plan", "--format", "json")
    assert result.code == 0, result.stderr
    return next(item for item in result.json["checklist"] if item["item"] == ITEM)


def _project(tmp_path, database: Engine, rows: list[str]) -> Project:
    project = Project(tmp_path / "project", database.url)
    project.migration("1", "tables", USERS, "DROP TABLE orders; DROP TABLE users;")
    assert project.run("up").code == 0
    for row in rows:
        database.query(row)
    return project


def test_each_constraint_counts_and_shows_the_rows_that_break_it(tmp_path, database):
    project = _project(tmp_path, database, ROWS)
    names = [name for name in CHECKS if database.name != "sqlite" or name in SQLITE_CAN]
    for version, name in enumerate(names, 2):
        project.migration(str(version), name, _statement(name, database.name), None)
    item = _item(project)
    assert item["status"] == "fail"
    checks = project.run("plan", "--format", "json").json["data_checks"]
    assert {(check["statement"], check["count"]) for check in checks} >= {("2_unique line 2", 2)}
    assert all(check["skipped"] is None and check["query"].startswith("SELECT COUNT(*)") for check in checks)
    for version, name in enumerate(names, 2):
        assert f"{version}_{name} line 2: {CHECKS[name][1]}" in item["detail"], (name, item["detail"])
    if database.name != "sqlite":  # 'x1' does not convert, nor 99999999999 to a 32-bit integer on PostgreSQL
        expected = "2 values that do not convert, e.g. (99999999999); (x1)" if database.name == "postgres" else \
            "1 values that do not convert, e.g. (x1)"
        assert expected in item["detail"]
    markdown = project.run("plan").stdout
    assert ITEM in markdown


def test_a_foreign_key_to_other_columns_than_the_primary_key_is_checked_against_them(tmp_path, server_database):
    database = server_database
    project = _project(tmp_path, database, ["INSERT INTO users (id, email) VALUES (1, 'a@x'), (2, 'b@x')"])
    database.query("ALTER TABLE orders ADD COLUMN email varchar(100)")
    database.query("CREATE UNIQUE INDEX users_email ON users (email)")
    database.query("INSERT INTO orders (id, user_id, email) VALUES (1, 1, 'a@x'), (2, 2, 'z@x')")
    project.migration("2", "fk", "ALTER TABLE orders ADD CONSTRAINT orders_email FOREIGN KEY (email) "
                                 "REFERENCES users (email);", None)
    item = _item(project)
    assert item["status"] == "fail"
    assert "every (email) of orders in users: 1 orphan rows, e.g. (z@x)" in item["detail"]


def test_rows_that_fit_pass_the_check_and_say_what_was_checked(tmp_path, database):
    project = _project(tmp_path, database, ["INSERT INTO users (id, email, code) VALUES (1, 'a@x', '1'), (2, 'b@x', '2')"])
    project.migration("2", "unique", _statement("unique", database.name), None)
    item = _item(project)
    assert item["status"] == "ok"
    assert item["detail"] == "no live row breaks them (2_unique line 2: no duplicate (email) in users)"


def test_a_count_past_its_timeout_is_skipped_with_the_query_to_run_by_hand(tmp_path, database):
    project = _project(tmp_path, database, [])
    numbers = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) "
    if database.name == "mysql":
        database.query("INSERT INTO users (id, email) SELECT seq, CONCAT('u', seq) FROM seq_1_to_200000")  # MariaDB
    else:
        database.query(f"INSERT INTO users (id, email) {numbers}SELECT i, 'u' || i FROM n")
    project.migration("2", "unique", _statement("unique", database.name), None)
    result = project.run("plan", "--data-check-timeout", "0.001", "--format", "json")
    item = next(item for item in result.json["checklist"] if item["item"] == ITEM)
    assert item["status"] == "manual", item
    assert "2_unique line 2: no duplicate (email) in users: check skipped (the count ran longer than 0.001 s" \
           in item["detail"]
    assert "run it by hand: SELECT COUNT(*) FROM (SELECT " in item["detail"]


def test_plan_changes_nothing_while_checking(tmp_path, database):
    project = _project(tmp_path, database, ROWS)
    project.migration("2", "unique", _statement("unique", database.name), None)
    assert _item(project)["status"] == "fail"
    assert database.query("SELECT COUNT(*) FROM users")[0][0] == 6
    assert project.run("status", "--format", "json").json["summary"]["pending"] == 1
