"""up, down and status on every engine: round trips, ranges, dry runs, failures and ordering."""

import pytest
from conftest import Project


def three_tables(project):
    project.migration("20260101000001", "create_authors", "CREATE TABLE authors (id integer PRIMARY KEY, name text);",
                      "DROP TABLE authors;")
    project.migration("20260101000002", "create_books", """
        CREATE TABLE books (id integer PRIMARY KEY, author_id integer REFERENCES authors (id), title text);
        CREATE INDEX books_author ON books (author_id);
        """, "DROP TABLE books;")
    project.migration("20260101000003", "seed_authors", "INSERT INTO authors (id, name) VALUES (1, 'Ursula; K. Le Guin');",
                      "DELETE FROM authors WHERE id = 1;")


def states(project) -> dict[str, str]:
    result = project.run("status", "--format", "json")
    assert result.code == 0, result.stderr
    return {m["version"]: m["state"] for m in result.json["migrations"]}


def test_round_trip_applies_everything_then_rolls_everything_back(project, engine):
    three_tables(project)

    up = project.run("up")
    assert up.code == 0, up.stderr
    assert "[1/3] 20260101000001_create_authors  applied" in up.stdout
    assert "[3/3] 20260101000003_seed_authors  applied" in up.stdout
    assert "Applied 3 migrations in" in up.stdout
    assert {"authors", "books", "schema_migrations"} <= engine.tables()
    assert engine.query("SELECT name FROM authors") == [("Ursula; K. Le Guin",)]
    assert set(states(project).values()) == {"applied"}

    down = project.run("down", "--steps", "3")
    assert down.code == 0, down.stderr
    assert "[1/3] 20260101000003_seed_authors  rolled back" in down.stdout
    assert engine.tables() == {"schema_migrations"}
    assert set(states(project).values()) == {"pending"}
    assert engine.tracked_versions() == []


def test_up_again_has_nothing_to_do(project):
    three_tables(project)
    assert project.run("up").code == 0
    again = project.run("up")
    assert again.code == 0
    assert again.stdout.strip() == "Nothing to apply: the database is up to date."


def test_down_defaults_to_one_migration(project, engine):
    three_tables(project)
    project.run("up")
    assert project.run("down").code == 0
    assert states(project) == {"20260101000001": "applied", "20260101000002": "applied", "20260101000003": "pending"}


def test_up_steps_and_to_limit_what_is_applied(project):
    three_tables(project)
    assert project.run("up", "--steps", "1").code == 0
    assert states(project)["20260101000002"] == "pending"
    assert project.run("up", "--to", "20260101000002").code == 0
    assert states(project) == {"20260101000001": "applied", "20260101000002": "applied", "20260101000003": "pending"}


def test_down_to_keeps_that_version_applied(project):
    three_tables(project)
    project.run("up")
    result = project.run("down", "--to", "20260101000001")
    assert result.code == 0, result.stderr
    assert states(project) == {"20260101000001": "applied", "20260101000002": "pending", "20260101000003": "pending"}


def test_down_to_a_version_that_is_not_applied_is_refused(project):
    three_tables(project)
    project.run("up", "--steps", "1")
    result = project.run("down", "--to", "20260101000003")
    assert result.code == 2
    assert "20260101000003 is not applied" in result.stderr
    assert states(project)["20260101000001"] == "applied"


def test_up_to_an_unknown_version_is_refused(project, engine):
    three_tables(project)
    result = project.run("up", "--to", "42")
    assert result.code == 2
    assert "no migration has version 42" in result.stderr


def test_dry_run_changes_nothing_and_prints_the_script(project, engine):
    three_tables(project)
    project.run("up", "--steps", "1")
    before = engine.tables()

    result = project.run("up", "--dry-run")
    assert result.code == 0, result.stderr
    script = result.stdout
    assert script.count("BEGIN;") == 2 and script.count("COMMIT;") == 2
    assert "-- 20260101000002_create_books (up, in a transaction)" in script
    assert "CREATE INDEX books_author ON books (author_id);" in script
    schema = {"sqlite": "main", "postgres": "public"}[engine.name]  # qualified: the script runs the same anywhere
    assert f'INSERT INTO "{schema}"."schema_migrations"' in script and "'20260101000003'" in script
    assert script.index("create_books") < script.index("seed_authors")
    assert engine.tables() == before
    assert states(project)["20260101000002"] == "pending"

    down = project.run("down", "--dry-run", "--format", "json")
    assert down.code == 0
    assert down.json["dry_run"] is True
    assert [m["result"] for m in down.json["migrations"]] == ["would_roll_back"]
    assert "DROP TABLE authors;" in down.json["script"]
    assert states(project)["20260101000001"] == "applied"


def test_dry_run_on_a_new_sqlite_file_creates_nothing(sqlite_project, tmp_path):
    three_tables(sqlite_project)
    database = tmp_path / "test.sqlite3"
    result = sqlite_project.run("up", "--dry-run")
    assert result.code == 0, result.stderr
    assert "CREATE TABLE IF NOT EXISTS \"main\".\"schema_migrations\"" in result.stdout
    assert not database.exists()
    status = sqlite_project.run("status", "--format", "json")
    assert status.json["database_exists"] is False
    assert not database.exists()


def test_failing_migration_in_a_batch_leaves_the_database_as_before_it(project, engine):
    three_tables(project)
    project.migration("20260101000004", "broken", """
        CREATE TABLE reviews (id integer PRIMARY KEY, book_id integer);
        INSERT INTO reviews (id, book_id)
          VALUES (1, 2), (1, 3);
        """, "DROP TABLE reviews;")
    project.migration("20260101000005", "after", "CREATE TABLE after_broken (id integer);", "DROP TABLE after_broken;")

    result = project.run("up")
    assert result.code == 1
    assert "[4/5] 20260101000004_broken  failed" in result.stdout
    assert "20260101000004_broken failed (up) at 20260101000004_broken.sql:3" in result.stderr
    assert "rolled back" in result.stderr
    assert "statement: INSERT INTO reviews (id, book_id) VALUES (1, 2), (1, 3)" in result.stderr
    assert "reviews" not in engine.tables() and "after_broken" not in engine.tables()
    assert states(project) == {"20260101000001": "applied", "20260101000002": "applied", "20260101000003": "applied",
                               "20260101000004": "pending", "20260101000005": "pending"}


def test_failure_in_json_names_file_line_statement_and_message(project):
    project.migration("1", "bad", "CREATE TABLE t (id integer);\nSELECT * FROM no_such_table;", "DROP TABLE t;")
    result = project.run("up", "--format", "json")
    assert result.code == 1
    error = result.json["error"]
    assert error["code"] == 1
    assert error["file"] == "db/migrations/1_bad.sql"
    assert error["line"] == 3
    assert error["statement"] == "SELECT * FROM no_such_table"
    assert "no_such_table" in error["database_message"]
    assert error["rolled_back"] is True
    assert [m["result"] for m in result.json["migrations"]] == ["failed"]


def test_down_runs_in_applied_order_not_version_order(project):
    project.migration("1", "one", "CREATE TABLE one (id integer);", "DROP TABLE one;")
    project.migration("3", "three", "CREATE TABLE three (id integer);", "DROP TABLE three;")
    project.run("up")
    project.migration("2", "two", "CREATE TABLE two (id integer);", "DROP TABLE two;")

    status = project.run("status", "--format", "json").json
    two = next(m for m in status["migrations"] if m["version"] == "2")
    assert two["state"] == "pending" and two["out_of_order"] is True

    assert project.run("up").code == 0
    down = project.run("down")
    assert "2_two  rolled back" in down.stdout
    assert states(project) == {"1": "applied", "2": "pending", "3": "applied"}


def test_strict_refuses_out_of_order_migrations(project):
    project.migration("1", "one", "CREATE TABLE one (id integer);", "DROP TABLE one;")
    project.migration("3", "three", "CREATE TABLE three (id integer);", "DROP TABLE three;")
    project.run("up")
    project.migration("2", "two", "CREATE TABLE two (id integer);", "DROP TABLE two;")
    result = project.run("up", "--strict")
    assert result.code == 2
    assert "2_two" in result.stderr
    assert states(project)["2"] == "pending"


def test_edited_applied_migration_is_modified_and_refused_until_accepted(project):
    path = project.migration("1", "one", "CREATE TABLE one (id integer);", "DROP TABLE one;")
    project.migration("2", "two", "CREATE TABLE two (id integer);", "DROP TABLE two;")
    project.run("up", "--steps", "1")
    path.write_text(path.read_text().replace("(id integer)", "(id bigint)"))

    assert states(project)["1"] == "modified"
    refused = project.run("up")
    assert refused.code == 2
    assert "1_one" in refused.stderr and "--accept-checksum" in refused.stderr
    assert states(project)["2"] == "pending"

    accepted = project.run("repair", "1", "--accept-checksum")
    assert accepted.code == 0, accepted.stderr
    assert states(project)["1"] == "applied"
    assert project.run("up").code == 0


def test_whitespace_and_line_ending_changes_are_not_modifications(project):
    path = project.migration("1", "one", "CREATE TABLE one (id integer);", "DROP TABLE one;")
    project.run("up")
    edited = path.read_text().replace("\n", "   \r\n").replace("-- migrate:up", "\n\n-- migrate:up")
    path.write_bytes(edited.encode())
    assert states(project)["1"] == "applied"


def test_missing_file_is_reported_and_cannot_be_rolled_back(project, engine):
    path = project.migration("1", "one", "CREATE TABLE one (id integer);", "DROP TABLE one;")
    project.run("up")
    path.unlink()
    assert states(project) == {"1": "missing"}
    result = project.run("down")
    assert result.code == 2
    assert "its file is missing" in result.stderr
    assert "one" in engine.tables()


def test_down_refuses_a_migration_without_down_before_touching_anything(project, engine):
    project.migration("1", "one", "CREATE TABLE one (id integer);", down=None)
    project.migration("2", "two", "CREATE TABLE two (id integer);", "DROP TABLE two;")
    project.run("up")
    result = project.run("down", "--steps", "2")
    assert result.code == 2
    assert "cannot roll back 1_one: it has no down section" in result.stderr
    assert {"one", "two"} <= engine.tables()
    assert states(project) == {"1": "applied", "2": "applied"}


def test_empty_down_section_is_a_valid_no_op(project, engine):
    project.migration("1", "one", "CREATE TABLE one (id integer);", down="-- nothing to undo")
    project.run("up")
    assert project.run("down").code == 0
    assert "one" in engine.tables()
    assert states(project) == {"1": "pending"}


def test_transaction_false_section_runs_outside_a_transaction(project):
    project.migration("1", "one", "CREATE TABLE one (id integer);", "DROP TABLE one;", up_options="transaction:false")
    script = project.run("up", "--dry-run").stdout
    assert "BEGIN;" not in script
    assert "without a transaction: the file disables it" in script
    result = project.run("up")
    assert "outside a transaction: the file disables it" in result.stdout
    assert states(project) == {"1": "applied"}


def test_failing_non_transactional_migration_is_dirty_until_repaired(project, engine):
    project.migration("1", "one", """
        CREATE TABLE one (id integer);
        CREATE TABLE two (id integer);
        INSERT INTO missing_table VALUES (1);
        CREATE TABLE three (id integer);
        """, "DROP TABLE one; DROP TABLE two;", up_options="transaction:false")
    project.migration("2", "later", "CREATE TABLE later (id integer);", "DROP TABLE later;")

    result = project.run("up")
    assert result.code == 1
    assert "1_one is now dirty: 2 of 4 statements ran outside a transaction" in result.stderr
    assert "migrate repair 1 --applied" in result.stderr
    assert {"one", "two"} <= engine.tables() and "three" not in engine.tables()

    status = project.run("status", "--format", "json").json
    assert status["migrations"][0]["state"] == "dirty"
    assert status["migrations"][0]["statements_done"] == 2
    assert status["summary"]["dirty"] == 1

    refused = project.run("up")
    assert refused.code == 2
    assert "1_one is dirty" in refused.stderr
    assert "later" not in engine.tables()

    engine.query("DROP TABLE one")
    engine.query("DROP TABLE two")
    repaired = project.run("repair", "1", "--rolled-back")
    assert repaired.code == 0, repaired.stderr
    assert states(project) == {"1": "pending", "2": "pending"}


def test_repair_applied_marks_a_dirty_migration_applied(project):
    project.migration("1", "one", "CREATE TABLE one (id integer);\nSELECT * FROM nowhere;", "DROP TABLE one;",
                      up_options="transaction:false")
    project.run("up")
    assert states(project) == {"1": "dirty"}
    result = project.run("repair", "1", "--applied")
    assert result.code == 0, result.stderr
    assert "1_one: marked applied" in result.stdout
    assert states(project) == {"1": "applied"}


def test_repair_of_an_unknown_version_is_refused(project):
    project.migration("1", "one", "CREATE TABLE one (id integer);", "DROP TABLE one;")
    project.run("up")
    result = project.run("repair", "9", "--applied")
    assert result.code == 2
    assert "no migration has version 9" in result.stderr


def test_explicit_transaction_in_a_file_runs_as_written(project, engine):
    project.migration("1", "own_transaction", """
        BEGIN;
        CREATE TABLE one (id integer);
        INSERT INTO one VALUES (1);
        COMMIT;
        """, "DROP TABLE one;")
    result = project.run("up")
    assert result.code == 0, result.stderr
    assert "outside a transaction: BEGIN cannot run in one" in result.stdout
    assert engine.query("SELECT id FROM one") == [(1,)]


def test_versions_compare_numerically(project):
    project.migration("9", "nine", "CREATE TABLE nine (id integer);", "DROP TABLE nine;")
    project.migration("10", "ten", "CREATE TABLE ten (id integer);", "DROP TABLE ten;")
    result = project.run("up")
    assert result.stdout.index("9_nine") < result.stdout.index("10_ten")


def test_existing_dbmate_table_is_adopted_without_reapplying(project, engine):
    project.migration("20200101000000", "first", "CREATE TABLE first (id integer);", "DROP TABLE first;")
    project.migration("20200101000001", "second", "CREATE TABLE second (id integer);", "DROP TABLE second;")
    dbmate_table = {  # what dbmate itself creates on each engine
        "postgres": "CREATE TABLE schema_migrations (version character varying(128) NOT NULL PRIMARY KEY)",
        "sqlite": "CREATE TABLE schema_migrations (version varchar(128) primary key)",
    }
    engine.query(dbmate_table[engine.name])
    engine.query("INSERT INTO schema_migrations (version) VALUES ('20200101000000')")
    engine.query("CREATE TABLE first (id integer)")

    assert states(project) == {"20200101000000": "applied", "20200101000001": "pending"}
    result = project.run("up")
    assert result.code == 0, result.stderr
    assert "20200101000000_first" not in result.stdout
    assert states(project) == {"20200101000000": "applied", "20200101000001": "applied"}


@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_create_index_concurrently_is_applied_and_rolled_back(project, engine):
    project.migration("1", "table", "CREATE TABLE items (id integer, sku text);", "DROP TABLE items;")
    project.migration("2", "index", "CREATE INDEX CONCURRENTLY items_sku ON items (sku);",
                      "DROP INDEX CONCURRENTLY items_sku;")
    result = project.run("up")
    assert result.code == 0, result.stderr
    assert "outside a transaction: CREATE INDEX CONCURRENTLY cannot run in one" in result.stdout
    assert engine.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_sku'::regclass") == [(True,)]

    down = project.run("down")
    assert down.code == 0, down.stderr
    assert engine.query("SELECT to_regclass('items_sku')") == [(None,)]
    assert states(project) == {"1": "applied", "2": "pending"}


@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_failed_concurrent_index_leaves_the_migration_dirty(project, engine):
    project.migration("1", "table", "CREATE TABLE items (id integer); INSERT INTO items VALUES (1), (1);",
                      "DROP TABLE items;")
    project.migration("2", "unique", "CREATE UNIQUE INDEX CONCURRENTLY items_id ON items (id);",
                      "DROP INDEX CONCURRENTLY items_id;")
    result = project.run("up")
    assert result.code == 1
    assert "2_unique is now dirty: 0 of 1 statements ran" in result.stderr
    assert "could not create unique index" in result.stderr
    assert states(project) == {"1": "applied", "2": "dirty"}


@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_dollar_quoted_function_bodies_are_one_statement(project, engine):
    project.migration("1", "function", """
        CREATE TABLE audit (id serial PRIMARY KEY, note text);
        CREATE FUNCTION note(text) RETURNS void AS $body$
        BEGIN
          INSERT INTO audit (note) VALUES ($1 || '; noted');  -- a ; in a comment
          RAISE NOTICE 'done; really';
        END;
        $body$ LANGUAGE plpgsql;
        SELECT note('first');
        """, "DROP FUNCTION note(text); DROP TABLE audit;")
    result = project.run("up")
    assert result.code == 0, result.stderr
    assert engine.query("SELECT note FROM audit") == [("first; noted",)]


@pytest.mark.parametrize("args", [["up", "--to", "abc"], ["down", "--to", "abc"], ["repair", "abc", "--applied"]])
def test_a_version_that_is_not_a_number_is_exit_2(project, args):
    project.migration("1", "one", "CREATE TABLE one (id integer);", "DROP TABLE one;")
    project.run("up")
    result = project.run(*args)
    assert result.code == 2, result.stderr
    assert "abc" in result.stderr
    assert "internal error" not in result.stderr


def test_down_to_a_version_whose_file_is_missing(project):
    project.migration("1", "one", "CREATE TABLE one (id integer);", "DROP TABLE one;")
    two = project.migration("2", "two", "CREATE TABLE two (id integer);", "DROP TABLE two;")
    project.migration("3", "three", "CREATE TABLE three (id integer);", "DROP TABLE three;")
    project.run("up")
    two.unlink()
    result = project.run("down", "--to", "2")
    assert result.code == 0, result.stderr
    assert states(project) == {"1": "applied", "2": "missing", "3": "pending"}


def test_a_migration_that_leaves_its_own_transaction_open_fails_cleanly(project, engine):
    project.migration("1", "unfinished", "BEGIN;\nCREATE TABLE one (id integer);", "DROP TABLE one;")
    project.migration("2", "later", "CREATE TABLE later (id integer);", "DROP TABLE later;")
    result = project.run("up")
    assert result.code == 1
    assert "1_unfinished failed (up)" in result.stderr
    assert "left a transaction open (a BEGIN without its COMMIT), so it was rolled back" in result.stderr
    assert "one" not in engine.tables() and "later" not in engine.tables()
    assert states(project) == {"1": "dirty", "2": "pending"}


def test_an_out_of_order_migration_is_marked_when_applied_and_afterwards(project):
    project.migration("1", "one", "CREATE TABLE one (id integer);", "DROP TABLE one;")
    project.migration("3", "three", "CREATE TABLE three (id integer);", "DROP TABLE three;")
    project.run("up")
    project.migration("2", "two", "CREATE TABLE two (id integer);", "DROP TABLE two;")

    up = project.run("up")
    assert up.code == 0, up.stderr
    assert "[1/1] 2_two  applied" in up.stdout
    assert "out of order: older than 3_three, which was applied first" in up.stdout
    project.run("down", "--steps", "1")
    assert project.run("up", "--format", "json").json["migrations"][0]["out_of_order"] is True

    status = project.run("status", "--format", "json").json
    assert [(m["version"], m["state"], m["out_of_order"]) for m in status["migrations"]] == [
        ("1", "applied", False), ("2", "applied", True), ("3", "applied", False)]
    line = next(line for line in project.run("status").stdout.splitlines() if line.startswith("applied  2 "))
    assert line.endswith("applied out of order, after a newer migration")


def test_an_error_in_the_first_statement_is_placed_on_its_line(tmp_path, postgres_url):
    """The first statement of a migration goes in one round trip with its BEGIN; PostgreSQL places an error by
    its position in what was sent, which the line reported still counts from the statement's own start."""
    project = Project(tmp_path / "project", postgres_url)
    project.migration("1", "bad_type", "CREATE TABLE t (\n  id integer,\n  name txet\n);\nCREATE INDEX t_name ON t (name);",
                      "DROP TABLE t;")
    result = project.run("up", "--format", "json")
    assert result.code == 1
    error = result.json["error"]
    assert (error["line"], error["statement"]) == (4, "CREATE TABLE t (\n  id integer,\n  name txet\n)")
    assert 'type "txet" does not exist' in error["database_message"] and error["rolled_back"] is True
    assert states(project) == {"1": "pending"}
